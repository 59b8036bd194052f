// The console's edit forms (providers and agents, admin/provider-form.js and agent-form.js): one
// form's fields, each with a label, an optional hint and a slot for the server's reason. A classic
// script loaded before those; it exposes window.CairnAdminFields.
(() => {
  'use strict';

  let formCount = 0;
  // A number for the next element ids, unique on the page.
  const serial = () => formCount++;

  // One form's fields: each has a label, an optional hint and a slot for the server's reason
  // (422 `details` are keyed by the API's field names, e.g. `options.chunk_delay_ms`).
  function fieldSet(kit, prefix) {
    const { A, el } = kit;
    const id = `${prefix}${serial() + 1}`;
    const inputs = {};
    const labels = {};
    const messages = {};
    const wrappers = {};
    const error = el('div', { class: 'error', role: 'alert', hidden: true });

    function field(key, label, input, { hint, wide, types } = {}) {
      const inputId = `${id}-${key.replace(/[^a-z0-9]+/gi, '-')}`;
      input.id = inputId;
      const message = el('div', { id: `${inputId}-problem`, class: 'row-message error-text', role: 'alert' });
      const hintId = hint ? `${inputId}-hint` : null;
      input.setAttribute('aria-describedby', [message.id, hintId].filter(Boolean).join(' '));
      inputs[key] = input;
      labels[key] = label;
      messages[key] = message;
      const wrapper = el('div', { class: `field${wide ? ' wide' : ''}`, 'data-field': key, 'data-types': types ? types.join(' ') : null },
        el('label', { for: inputId, text: label }), input, hint ? el('div', { id: hintId, class: 'hint' }, hint) : null, message);
      wrappers[key] = wrapper;
      return wrapper;
    }

    // A group of controls (checkboxes, step rows) under one legend, with one message slot.
    function group(key, legend, content, { hint, types } = {}) {
      const message = el('div', { id: `${id}-${key}-problem`, class: 'row-message error-text', role: 'alert' });
      messages[key] = message;
      labels[key] = legend;
      const wrapper = el('fieldset', { 'data-field': key, 'data-types': types ? types.join(' ') : null, 'aria-describedby': message.id },
        el('legend', { text: legend }), hint ? el('p', { class: 'hint', text: hint }) : null, content, message);
      wrappers[key] = wrapper;
      return wrapper;
    }

    function problem(key, text) {
      // `options.headers.X-Foo` belongs to `options.headers`; the longest known prefix wins.
      const known = Object.keys(messages).filter((k) => key === k || key.startsWith(`${k}.`)).sort((a, b) => b.length - a.length)[0];
      if (!known || (wrappers[known] && wrappers[known].hidden)) return false;
      messages[known].textContent = `${labels[known]}: ${text}`.replace(/([^.])$/, '$1.');
      if (inputs[known]) inputs[known].setAttribute('aria-invalid', 'true');
      return known;
    }

    function clear() {
      for (const message of Object.values(messages)) message.textContent = '';
      for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
      A.clearError(error);
    }

    // The server's refusal: reasons beside their fields, the rest (and a summary) above the buttons.
    function refused(e) {
      const details = e instanceof A.ApiError && e.details && typeof e.details === 'object' ? e.details : null;
      if (!details) {
        A.showError(error, e);
        return;
      }
      const placed = [];
      const rest = Object.entries(details).filter(([key, text]) => {
        const known = problem(key, typeof text === 'string' ? text : JSON.stringify(text));
        if (known) placed.push(known);
        return !known;
      });
      A.showError(error, rest.length ? new A.ApiError(e.status, e.code, 'Not saved:', Object.fromEntries(rest))
        : new Error('Not saved: see the reasons beside the fields.'));
      const first = placed.map((key) => inputs[key] || wrappers[key].querySelector('input, select, textarea')).find(Boolean);
      if (first) first.focus();
    }

    return { id, inputs, field, group, problem, clear, refused, error, wrappers };
  }

  window.CairnAdminFields = Object.freeze({ fieldSet, serial });
})();
