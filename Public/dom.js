// Small DOM helpers shared by the chat page and the admin console. A classic script (no build
// step, no modules) that exposes window.CairnDOM; load it before the page script.
(() => {
  'use strict';

  const $ = (id) => document.getElementById(id);

  // el('button', { type: 'button', class: 'small', text: 'Go', onclick }, ...children):
  // `class` and `text` set className and textContent, `on…` adds a listener, true sets an empty
  // attribute, and undefined, null and false leave the attribute out.
  function el(tag, attrs = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value;
      else if (key === 'text') node.textContent = value;
      else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? '' : value);
    }
    node.append(...children.filter((child) => child !== null && child !== undefined));
    return node;
  }

  const enc = encodeURIComponent;
  // A list answer is either a bare array or a page object { items, next_cursor }.
  const itemsOf = (data) => (Array.isArray(data) ? data : (data && Array.isArray(data.items) ? data.items : []));

  window.CairnDOM = Object.freeze({ $, el, enc, itemsOf });
})();
