// Safe Markdown for the chat page's answers: window.CairnMarkdown.render(text) returns a
// DocumentFragment built only with createElement/textContent, never by parsing HTML, so raw
// HTML in an answer shows as the text it is. Links become <a> only for http:, https: and mailto:
// URLs; anything else (javascript:, data:, relative, entity tricks) stays plain text, and images
// become links. Partial input (while an answer streams) renders sensibly: an unclosed ``` fence
// is an open code block, an unclosed ** stays literal. Every scan is linear or bounded, and input
// past MAX_INPUT is shown as plain text.
(() => {
  'use strict';

  const MAX_INPUT = 200000;
  const MAX_DEPTH = 8; // nested lists/quotes and nested inline formatting
  const MAX_URL = 2048; // characters scanned for a link's (destination)
  const LANGUAGE = /^[\w+-]{1,20}$/;
  const ESCAPABLE = /[!-/:-@[-`{-~]/;
  const WORD = /[\p{L}\p{N}]/u;
  const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
  const HEADING = /^ {0,3}(#{1,6})(?:[ \t]|$)/;
  const SETEXT = /^ {0,3}(?:=+|-+)[ \t]*$/;
  const QUOTE = /^ {0,3}> ?/;
  const LIST = /^( {0,3})([-+*]|\d{1,9}[.)])(?:[ \t]+|$)/;
  const SEPARATOR_CELL = /^:?-+:?$/;
  const AUTOLINK = /<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*)>/y;
  const AUTOMAIL = /<([^\s<>@:]+@[^\s<>@]+)>/y;
  const BARE_URL = /https?:\/\/[^\s<>]+/y;
  const UNSAFE_URL_CHAR = /[\s\u0000-\u001f\u007f-\u009f]/;
  const SAFE_START = /^(?:https?:\/\/|mailto:)/i;

  const h = (tag, className) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    return node;
  };
  const isBlank = (line) => line.trim() === '';
  const isSpace = (ch) => ch === undefined || /\s/.test(ch);
  const isWord = (ch) => ch !== undefined && (ch === '_' || WORD.test(ch));
  const indentOf = (line) => line.length - line.trimStart().length;
  const runLength = (text, at, ch) => {
    let end = at;
    while (text[end] === ch) end += 1;
    return end - at;
  };

  // The href for an http(s) or mailto URL, else null.
  function safeUrl(raw) {
    const url = raw.trim();
    if (!url || url.length > MAX_URL || UNSAFE_URL_CHAR.test(url) || !SAFE_START.test(url)) return null;
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.protocol === 'mailto:') return parsed.href;
    return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.hostname ? parsed.href : null;
  }

  function anchor(href) {
    const a = h('a');
    a.href = href;
    a.target = '_blank';
    a.rel = 'noopener noreferrer nofollow';
    return a;
  }

  // ---- inline ----

  // The next run of exactly `length` `ch` characters at or after `from` that `fits`, or -1.
  // A failed search is remembered: no later search for the same run can succeed either.
  function findRun(text, from, ch, length, fits, failed) {
    const key = ch + length;
    if (failed.has(key) && from >= failed.get(key)) return -1;
    let at = text.indexOf(ch, from);
    while (at !== -1) {
      const run = runLength(text, at, ch);
      if (run === length && fits(at, run)) return at;
      at = text.indexOf(ch, at + run);
    }
    failed.set(key, from);
    return -1;
  }

  // Where each backtick run of each length starts, found in one pass the first time it is needed.
  function backtickRuns(text) {
    const runs = new Map();
    for (let at = text.indexOf('`'); at !== -1; at = text.indexOf('`', at)) {
      const run = runLength(text, at, '`');
      if (!runs.has(run)) runs.set(run, { starts: [], next: 0 });
      runs.get(run).starts.push(at);
      at += run;
    }
    return runs;
  }

  function codeSpan(text, at, scan) {
    const run = runLength(text, at, '`');
    scan.ticks = scan.ticks || backtickRuns(text);
    const closers = scan.ticks.get(run);
    if (!closers) return null;
    while (closers.next < closers.starts.length && closers.starts[closers.next] < at + run) closers.next += 1;
    const close = closers.next < closers.starts.length ? closers.starts[closers.next] : -1;
    if (close < 0) return null;
    let content = text.slice(at + run, close).replace(/\n/g, ' ');
    if (content.length > 2 && content[0] === ' ' && content[content.length - 1] === ' ' && content.trim()) content = content.slice(1, -1);
    const code = h('code');
    code.textContent = content;
    return { node: code, end: close + run };
  }

  // *em*, _em_, **strong**, __strong__, ***both***, ~~deleted~~; null when there is no closer.
  function emphasis(text, at, depth, inLink, scan) {
    const ch = text[at];
    const run = runLength(text, at, ch);
    if (ch === '~' ? run !== 2 : run > 3) return null;
    if (isSpace(text[at + run]) || (ch === '_' && isWord(text[at - 1]))) return null;
    const fits = (close, length) => !isSpace(text[close - 1]) && (ch !== '_' || !isWord(text[close + length]));
    const close = findRun(text, at + run, ch, run, fits, scan.failed);
    if (close < 0) return null;
    let node;
    let inner;
    if (ch === '~') node = inner = h('del');
    else if (run === 1) node = inner = h('em');
    else if (run === 2) node = inner = h('strong');
    else {
      node = h('strong');
      inner = node.appendChild(h('em'));
    }
    inline(text.slice(at + run, close), inner, depth + 1, inLink);
    return { node, end: close + run };
  }

  // The closing ] of each [ and ) of each ( (within its line), paired in one pass the first
  // time a link is looked for.
  function bracketPairs(text) {
    const pairs = new Map();
    const squares = [];
    let rounds = [];
    for (let at = 0; at < text.length; at += 1) {
      const ch = text[at];
      if (ch === '\\') at += 1;
      else if (ch === '[') squares.push(at);
      else if (ch === ']' && squares.length) pairs.set(squares.pop(), at);
      else if (ch === '(') rounds.push(at);
      else if (ch === ')' && rounds.length) pairs.set(rounds.pop(), at);
      else if (ch === '\n') rounds = [];
    }
    return pairs;
  }

  // [label](url "title") and ![alt](url): a link when the URL is safe, else the source as text.
  function link(text, at, depth, scan) {
    const image = text[at] === '!';
    const open = image ? at + 1 : at;
    scan.brackets = scan.brackets || bracketPairs(text);
    const close = scan.brackets.get(open);
    if (close === undefined || text[close + 1] !== '(') return null;
    const end = scan.brackets.get(close + 1);
    if (end === undefined) return null;
    let destination = text.slice(close + 2, end).trim();
    let title = '';
    const titled = /^(\S+)\s+(?:"([^"]*)"|'([^']*)')$/.exec(destination);
    if (titled) {
      destination = titled[1];
      title = titled[2] ?? titled[3];
    }
    if (destination.startsWith('<') && destination.endsWith('>')) destination = destination.slice(1, -1);
    const href = safeUrl(destination);
    if (!href) return { node: document.createTextNode(text.slice(at, end + 1)), end: end + 1 };
    const a = anchor(href);
    if (title) a.title = title;
    const label = text.slice(open + 1, close);
    if (image) {
      a.className = 'md-image-link';
      a.textContent = label.trim() ? `Image: ${label.trim()}` : `Image: ${href}`;
    } else if (label.trim()) {
      inline(label, a, depth + 1, true);
    } else {
      a.textContent = href;
    }
    return { node: a, end: end + 1 };
  }

  // <https://…>, <mailto:…>, <someone@example.com>; null (so "<" stays text) for anything else.
  function autolink(text, at) {
    for (const [pattern, prefix] of [[AUTOLINK, ''], [AUTOMAIL, 'mailto:']]) {
      pattern.lastIndex = at;
      const match = pattern.exec(text);
      if (!match) continue;
      const href = safeUrl(prefix + match[1]);
      if (!href) return null;
      const a = anchor(href);
      a.textContent = match[1];
      return { node: a, end: at + match[0].length };
    }
    return null;
  }

  // A bare http(s) URL in running text, without trailing punctuation; one that is not a valid
  // URL is passed over whole, so no part of it is scanned again.
  function bareUrl(text, at) {
    if (isWord(text[at - 1]) || !text.startsWith('http', at)) return null;
    BARE_URL.lastIndex = at;
    const match = BARE_URL.exec(text);
    if (!match) return null;
    let url = match[0];
    let opened = 0;
    let closed = 0;
    for (const ch of url) {
      if (ch === '(') opened += 1;
      else if (ch === ')') closed += 1;
    }
    let end = url.length;
    for (;;) {
      const last = url[end - 1];
      if (last === ')' && closed > opened) closed -= 1;
      else if (!'.,:;!?\'"*_~'.includes(last)) break;
      end -= 1;
    }
    url = url.slice(0, end);
    const href = safeUrl(url);
    if (!href) return { node: document.createTextNode(match[0]), end: at + match[0].length };
    const a = anchor(href);
    a.textContent = url;
    return { node: a, end: at + url.length };
  }

  function inline(text, parent, depth, inLink) {
    const scan = { failed: new Map(), ticks: null, brackets: null };
    let buffer = '';
    const flush = () => {
      if (buffer) parent.append(buffer);
      buffer = '';
    };
    let at = 0;
    while (at < text.length) {
      const ch = text[at];
      let found = null;
      if (ch === '\\' && ESCAPABLE.test(text[at + 1] || '')) {
        buffer += text[at + 1];
        at += 2;
        continue;
      }
      if (ch === '\n') {
        flush();
        parent.append(h('br'));
        at += 1;
        continue;
      }
      if (ch === '`') found = codeSpan(text, at, scan);
      else if (depth < MAX_DEPTH) {
        if (ch === '*' || ch === '_' || ch === '~') found = emphasis(text, at, depth, inLink, scan);
        else if (!inLink && (ch === '[' || (ch === '!' && text[at + 1] === '['))) found = link(text, at, depth, scan);
        else if (!inLink && ch === '<') found = autolink(text, at);
        else if (!inLink && ch === 'h') found = bareUrl(text, at);
      }
      if (found) {
        flush();
        parent.append(found.node);
        at = found.end;
      } else if (ch === '`' || ch === '*' || ch === '_' || ch === '~') {
        const run = runLength(text, at, ch); // a whole unmatched run stays text
        buffer += text.slice(at, at + run);
        at += run;
      } else {
        buffer += ch;
        at += 1;
      }
    }
    flush();
  }

  // ---- blocks ----

  function paragraph(lines, parent) {
    const p = h('p');
    inline(lines.join('\n'), p, 0, false);
    parent.append(p);
  }

  function heading(level, text, parent) {
    const node = h(`h${level}`);
    inline(text, node, 0, false);
    parent.append(node);
  }

  // An ATX heading's text without its optional closing #s.
  function headingText(line, marker) {
    let text = line.slice(marker.length).trim();
    let end = text.length;
    while (end > 0 && text[end - 1] === '#') end -= 1;
    if (end === 0) return '';
    if (end < text.length && (text[end - 1] === ' ' || text[end - 1] === '\t')) text = text.slice(0, end).trim();
    return text;
  }

  function isRule(line) {
    if (indentOf(line) > 3) return false;
    const compact = line.replace(/[ \t]/g, '');
    return compact.length >= 3 && (/^-+$/.test(compact) || /^\*+$/.test(compact) || /^_+$/.test(compact));
  }

  function codeBlock(language, content, parent) {
    const box = h('div', 'md-code');
    const bar = h('div', 'md-code-bar');
    const name = h('span', 'md-code-lang');
    name.textContent = language;
    const button = h('button', 'md-copy');
    button.type = 'button';
    button.textContent = 'Copy';
    button.setAttribute('aria-label', 'Copy code');
    const pre = h('pre');
    const code = h('code');
    if (language) code.className = `language-${language}`;
    code.textContent = content;
    button.addEventListener('click', () => copyCode(code, button));
    bar.append(name, button);
    pre.append(code);
    box.append(bar, pre);
    parent.append(box);
  }

  const resetTimers = new WeakMap();
  function showCopyState(button, text, label) {
    button.textContent = text;
    button.setAttribute('aria-label', label);
    clearTimeout(resetTimers.get(button));
    resetTimers.set(button, setTimeout(() => {
      button.textContent = 'Copy';
      button.setAttribute('aria-label', 'Copy code');
    }, 2000));
  }

  // The clipboard API where the page may use it; else the code is selected and copied the old
  // way, and when even that is refused it stays selected for the keyboard shortcut.
  async function copyCode(code, button) {
    const text = code.textContent;
    try {
      if (!navigator.clipboard || !window.isSecureContext) throw new Error('no clipboard');
      await navigator.clipboard.writeText(text);
      showCopyState(button, 'Copied', 'Code copied');
      return;
    } catch {
      // fall through to the selection
    }
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    let copied = false;
    try {
      copied = document.execCommand('copy');
    } catch {
      copied = false;
    }
    const shortcut = /Mac|iPhone|iPad/.test(navigator.platform || '') ? '⌘C' : 'Ctrl+C';
    if (copied) showCopyState(button, 'Copied', 'Code copied');
    else showCopyState(button, `Selected: press ${shortcut}`, `Code selected: press ${shortcut} to copy`);
  }

  // Splits a table row on unescaped pipes; an outer pipe on either side is optional.
  function cells(line) {
    let row = line.trim();
    if (row.startsWith('|')) row = row.slice(1);
    if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
    const out = [];
    let cell = '';
    for (let i = 0; i < row.length; i += 1) {
      if (row[i] === '\\' && row[i + 1] === '|') {
        cell += '|';
        i += 1;
      } else if (row[i] === '|') {
        out.push(cell.trim());
        cell = '';
      } else {
        cell += row[i];
      }
    }
    out.push(cell.trim());
    return out;
  }

  // The column alignments when `lines[at]` is a header row followed by a separator, else null.
  function tableStart(lines, at) {
    if (!lines[at].includes('|') || at + 1 >= lines.length || !/[|-]/.test(lines[at + 1])) return null;
    const header = cells(lines[at]);
    const separator = cells(lines[at + 1]);
    if (separator.length !== header.length || !separator.every((cell) => SEPARATOR_CELL.test(cell))) return null;
    return separator.map((cell) => (cell.endsWith(':') ? (cell.startsWith(':') ? 'center' : 'right') : (cell.startsWith(':') ? 'left' : '')));
  }

  function table(lines, at, aligns, parent) {
    const wrap = h('div', 'md-table');
    const node = h('table');
    const row = (line, tag) => {
      const tr = h('tr');
      const values = cells(line);
      aligns.forEach((align, column) => {
        const cell = h(tag, align ? `md-align-${align}` : '');
        inline(values[column] || '', cell, 0, false);
        tr.append(cell);
      });
      return tr;
    };
    const head = h('thead');
    head.append(row(lines[at], 'th'));
    const body = h('tbody');
    let next = at + 2;
    while (next < lines.length && !isBlank(lines[next]) && lines[next].includes('|') && !startsBlock(lines[next])) {
      body.append(row(lines[next], 'td'));
      next += 1;
    }
    node.append(head);
    if (body.childElementCount) node.append(body);
    wrap.append(node);
    parent.append(wrap);
    return next;
  }

  const startsBlock = (line) => FENCE.test(line) || HEADING.test(line) || QUOTE.test(line) || isRule(line);
  const listKind = (marker) => (/\d/.test(marker[0]) ? `ol${marker[marker.length - 1]}` : `ul${marker}`);

  function list(lines, at, parent, depth) {
    const first = LIST.exec(lines[at]);
    const kind = listKind(first[2]);
    const node = h(kind.startsWith('ol') ? 'ol' : 'ul');
    const start = parseInt(first[2], 10);
    if (kind.startsWith('ol') && start !== 1) node.start = start;
    let loose = false;
    while (at < lines.length) {
      const match = LIST.exec(lines[at]);
      if (!match || listKind(match[2]) !== kind) break;
      const markerIndent = match[1].length;
      const contentIndent = match[0].length === lines[at].length ? markerIndent + match[2].length + 1 : match[0].length;
      const item = [lines[at].slice(match[0].length)];
      at += 1;
      let blank = false;
      while (at < lines.length) {
        const line = lines[at];
        if (isBlank(line)) {
          blank = true;
          item.push('');
        } else if (indentOf(line) >= markerIndent + 2) {
          if (blank) loose = true;
          blank = false;
          item.push(line.slice(Math.min(indentOf(line), contentIndent)));
        } else if (blank || LIST.test(line) || startsBlock(line)) {
          break;
        } else {
          item.push(line); // a lazy continuation of the item's paragraph
        }
        at += 1;
      }
      while (item.length && isBlank(item[item.length - 1])) item.pop();
      if (blank && at < lines.length && LIST.test(lines[at]) && listKind(LIST.exec(lines[at])[2]) === kind) loose = true;
      const li = h('li');
      blocks(item, li, depth + 1);
      node.append(li);
    }
    if (loose) node.classList.add('md-loose');
    parent.append(node);
    return at;
  }

  function blocks(lines, parent, depth) {
    if (depth > MAX_DEPTH) {
      const p = h('p');
      p.textContent = lines.join('\n');
      parent.append(p);
      return;
    }
    let para = null;
    const endPara = () => {
      if (para) paragraph(para, parent);
      para = null;
    };
    let at = 0;
    while (at < lines.length) {
      const line = lines[at];
      if (isBlank(line)) {
        endPara();
        at += 1;
        continue;
      }
      const fence = FENCE.exec(line);
      if (fence && !(fence[1][0] === '`' && fence[2].includes('`'))) {
        endPara();
        const info = fence[2].trim().split(/\s/)[0];
        const indent = indentOf(line);
        const content = [];
        at += 1;
        while (at < lines.length) {
          const closing = FENCE.exec(lines[at]);
          if (closing && closing[1][0] === fence[1][0] && closing[1].length >= fence[1].length && !closing[2].trim()) {
            at += 1;
            break;
          }
          content.push(lines[at].slice(Math.min(indent, indentOf(lines[at]))));
          at += 1;
        }
        codeBlock(LANGUAGE.test(info) ? info : '', content.join('\n'), parent);
        continue;
      }
      const atx = HEADING.exec(line);
      if (atx) {
        endPara();
        heading(atx[1].length, headingText(line.trim(), atx[1]), parent);
        at += 1;
        continue;
      }
      if (para && SETEXT.test(line)) {
        heading(line.trim()[0] === '=' ? 1 : 2, para.join('\n'), parent);
        para = null;
        at += 1;
        continue;
      }
      if (isRule(line)) {
        endPara();
        parent.append(h('hr'));
        at += 1;
        continue;
      }
      if (QUOTE.test(line)) {
        endPara();
        const inner = [];
        while (at < lines.length && QUOTE.test(lines[at])) {
          inner.push(lines[at].replace(QUOTE, ''));
          at += 1;
        }
        const quote = h('blockquote');
        blocks(inner, quote, depth + 1);
        parent.append(quote);
        continue;
      }
      const aligns = tableStart(lines, at);
      if (aligns) {
        endPara();
        at = table(lines, at, aligns, parent);
        continue;
      }
      const item = LIST.exec(line);
      if (item && (!para || (!isBlank(line.slice(item[0].length)) && (!/\d/.test(item[2][0]) || parseInt(item[2], 10) === 1)))) {
        endPara();
        at = list(lines, at, parent, depth);
        continue;
      }
      if (para) para.push(line.trim());
      else para = [line.trim()];
      at += 1;
    }
    endPara();
  }

  // Leading tabs count as four spaces each, so indentation compares in columns.
  function expandTabs(line) {
    let end = 0;
    while (line[end] === ' ' || line[end] === '\t') end += 1;
    return end && line.slice(0, end).includes('\t') ? line.slice(0, end).replace(/\t/g, '    ') + line.slice(end) : line;
  }

  function render(text) {
    const fragment = document.createDocumentFragment();
    let source = typeof text === 'string' ? text : String(text ?? '');
    let rest = '';
    if (source.length > MAX_INPUT) {
      rest = source.slice(MAX_INPUT);
      source = source.slice(0, MAX_INPUT);
    }
    const lines = source.replace(/\r\n?/g, '\n').replace(/\u0000/g, '\uFFFD').split('\n').map(expandTabs);
    blocks(lines, fragment, 0);
    if (rest) {
      const p = h('p', 'md-rest');
      p.textContent = rest;
      fragment.append(p);
    }
    return fragment;
  }

  window.CairnMarkdown = Object.freeze({ render });
})();
