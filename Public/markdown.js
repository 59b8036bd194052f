// Safe Markdown for the chat page's answers: window.CairnMarkdown.render(text) returns a
// DocumentFragment built only with createElement/textContent, never by parsing HTML, so raw
// HTML in an answer shows as the text it is. This file does the blocks (headings, paragraphs,
// lists, quotes, rules, tables, fenced code with a Copy button); markdown-inline.js (loaded
// first) the inline parts and the link rules: only http:, https: and mailto: URLs become links.
// Partial input (while an answer streams) renders sensibly: an unclosed ``` fence is an open
// code block, an unclosed ** stays literal. Input past MAX_INPUT is shown as plain text.
(() => {
  'use strict';

  const { inline } = window.CairnMarkdownInline;
  const MAX_INPUT = 200000;
  const MAX_DEPTH = 8; // nested lists and quotes
  const LANGUAGE = /^[\w+-]{1,20}$/;
  const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
  const HEADING = /^ {0,3}(#{1,6})(?:[ \t]|$)/;
  const SETEXT = /^ {0,3}(?:=+|-+)[ \t]*$/;
  const QUOTE = /^ {0,3}> ?/;
  const LIST = /^( {0,3})([-+*]|\d{1,9}[.)])(?:[ \t]+|$)/;
  const SEPARATOR_CELL = /^:?-+:?$/;

  const h = (tag, className) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    return node;
  };
  const isBlank = (line) => line.trim() === '';
  const indentOf = (line) => line.length - line.trimStart().length;

  // ---- blocks ----

  function paragraph(lines, parent) {
    const p = h('p');
    inline(lines.join('\n'), p);
    parent.append(p);
  }

  function heading(level, text, parent) {
    const node = h(`h${level}`);
    inline(text, node);
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
        inline(values[column] || '', cell);
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
