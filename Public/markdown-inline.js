// Inline Markdown for markdown.js: window.CairnMarkdownInline.inline(text, parent) appends the
// inline content of one block (emphasis, code spans, links, autolinks, line breaks) to parent,
// built only with createElement/textContent. Links become <a> only for http:, https: and mailto:
// URLs (safeUrl); anything else, raw HTML included, stays the text it is. Every scan is linear:
// a failed closer search is remembered, backtick runs and bracket pairs are indexed once.
(() => {
  'use strict';

  const MAX_DEPTH = 8; // nested inline formatting
  const MAX_URL = 2048;
  const ESCAPABLE = /[!-/:-@[-`{-~]/;
  const WORD = /[\p{L}\p{N}]/u;
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
  const isSpace = (ch) => ch === undefined || /\s/.test(ch);
  const isWord = (ch) => ch !== undefined && (ch === '_' || WORD.test(ch));
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

  window.CairnMarkdownInline = Object.freeze({ inline: (text, parent) => inline(text, parent, 0, false), safeUrl });
})();
