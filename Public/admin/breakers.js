// The console's "Circuit breakers" section: every breaker's state, rates and last transitions,
// with the admin actions (force open, force closed, disable, reset). admin.js calls `render`
// with its shared helpers.
(() => {
  'use strict';

  const ACTIONS = [
    ['force_open', 'Force open'], ['force_closed', 'Force closed'], ['disable', 'Disable'], ['reset', 'Reset'],
  ];
  const percent = (value) => (typeof value === 'number' ? `${Math.round(value)} %` : '—');

  async function render(kit, alive) {
    const { A, el, enc, cell, badge, table, stateKind } = kit;
    const status = el('p', { class: 'status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const tbody = el('tbody');
    const refresh = el('button', { type: 'button', text: 'Refresh' });
    kit.body.replaceChildren(el('div', { class: 'toolbar' }, refresh), status, error,
      table(['Breaker', 'State', 'Failure rate', 'Slow calls', 'Calls in window', 'Totals', 'Next attempt', 'Last change', 'Actions'], tbody));

    function row(breaker) {
      const totals = breaker.totals || {};
      const last = (breaker.transitions || [])[0];
      const buttons = ACTIONS.map(([action, label]) => el('button', {
        type: 'button', class: 'small', text: label, 'aria-label': `${label} ${breaker.name}`,
        onclick: (event) => act(breaker, action, label, event.currentTarget),
      }));
      return el('tr', { 'data-name': breaker.name },
        el('td', {}, el('code', { text: breaker.name })),
        el('td', {}, badge(breaker.state, stateKind(breaker.state))),
        el('td', { text: percent(breaker.failure_rate) }),
        el('td', { text: percent(breaker.slow_call_rate) }),
        el('td', { text: `${breaker.buffered_calls} (${breaker.failed_calls} failed)` }),
        el('td', { text: `${totals.successful || 0} ok, ${totals.failed || 0} failed, ${totals.not_permitted || 0} refused` }),
        el('td', {}, cell(breaker.next_attempt_at)),
        el('td', {}, last ? el('span', { title: last.reason, text: `${last.from} → ${last.to}: ${last.reason}` }) : cell(null)),
        el('td', {}, el('div', { class: 'row-actions' }, ...buttons)));
    }

    async function load() {
      A.clearError(error);
      try {
        const page = await A.api('GET', '/api/admin/breakers');
        if (!alive()) return;
        const items = (page && page.items) || [];
        tbody.replaceChildren(...(items.length ? items.map(row)
          : [el('tr', {}, el('td', { colspan: '9', class: 'hint', text: 'No breakers yet: they appear with the first provider or external call.' }))]));
      } catch (e) {
        if (alive()) A.showError(error, e);
      }
    }

    async function act(breaker, action, label, button) {
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const updated = await A.api('POST', `/api/admin/breakers/${enc(breaker.name)}`, { action });
        const replacement = row(updated);
        button.closest('tr').replaceWith(replacement);
        replacement.querySelector('button').focus();
        status.textContent = `${label}: ${updated.name} is now ${updated.state}.`;
      } catch (e) {
        button.disabled = false;
        A.showError(error, e);
      }
    }

    refresh.addEventListener('click', load);
    await load();
  }

  window.CairnAdminBreakers = { render };
})();
