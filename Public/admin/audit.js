// The console's "Audit log" section: filters (actor email or id, action, target, time range),
// paging, who did it by email (id on hover), and "Download CSV" of every matching row, fetched
// with the bearer token (never in the URL) and saved as a file. admin.js calls `render` with its
// shared helpers.
(() => {
  'use strict';

  const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

  // A datetime-local value is the browser's local time; the API wants RFC 3339 UTC.
  const utc = (local) => {
    if (!local) return null;
    const time = new Date(local);
    return Number.isNaN(time.getTime()) ? null : time.toISOString();
  };

  async function render(kit, alive) {
    const { A, el, cell, table, query, person, clip } = kit;
    const field = (id, label, attrs) => {
      const input = el('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs });
      return [input, el('div', { class: 'field' }, el('label', { for: id, text: label }), input)];
    };
    const [actor, actorField] = field('audit-actor', 'Actor', { placeholder: 'email or usr_…' });
    const [action, actionField] = field('audit-action', 'Action', { placeholder: 'e.g. admin.setting_changed', list: 'audit-actions' });
    const [target, targetField] = field('audit-target', 'Target', { placeholder: 'id or key (exact)' });
    const [since, sinceField] = field('audit-since', 'Since (local time)', { type: 'datetime-local' });
    const [until, untilField] = field('audit-until', 'Until (local time)', { type: 'datetime-local' });
    const suggestions = el('datalist', { id: 'audit-actions' }, ...['admin.setting_changed', 'admin.user_updated', 'admin.password_reset_issued',
      'admin.run_cancelled', 'admin.breaker_force_open', 'admin.breaker_reset', 'auth.login_succeeded', 'auth.login_failed']
      .map((value) => el('option', { value })));
    const filter = el('button', { type: 'submit', text: 'Filter' });
    const clear = el('button', { type: 'button', text: 'Clear' });
    const download = el('button', { type: 'button', text: 'Download CSV' });
    const form = el('form', { class: 'toolbar' }, actorField, actionField, targetField, sinceField, untilField, suggestions, filter, clear, download);
    const status = el('p', { class: 'status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const tbody = el('tbody');
    const older = el('button', { type: 'button', text: 'Older', hidden: true });
    kit.body.replaceChildren(form, status, error, table(['Time', 'Actor', 'Action', 'Target', 'IP', 'Details'], tbody, { stack: true }),
      el('div', { class: 'actions' }, older));

    let cursor = null;
    let filters = {};
    let loadId = 0;

    const details = (value) => (isObject(value)
      ? el('div', { class: 'details' }, ...Object.entries(value).map(([k, v]) => {
        const text = `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`;
        return el('div', { class: 'clip', title: text, text: text.length > 80 ? `${text.slice(0, 79)}…` : text });
      }))
      : cell(value));

    // Targets that are accounts read as emails too (the first 200 accounts, asked once per visit).
    let people = null;
    const peopleReady = A.api('GET', '/api/admin/users?limit=200')
      .then((page) => { people = new Map(kit.itemsOf(page).map((user) => [user.id, user.email])); })
      .catch(() => { people = new Map(); });
    function targetCell(target) {
      if (typeof target === 'string' && people && people.has(target)) return person(people.get(target), target);
      return clip(target, 28);
    }

    function actorCell(entry) {
      if (entry.actor_email) return person(entry.actor_email, entry.actor);
      if (entry.actor && people && people.has(entry.actor)) return person(people.get(entry.actor), entry.actor);
      return entry.actor ? el('span', { class: 'person', title: entry.actor, text: entry.actor }) : cell(null);
    }

    function readFilters() {
      const next = { actor: actor.value.trim(), action: action.value.trim(), target: target.value.trim(), since: utc(since.value), until: utc(until.value) };
      if ((since.value && !next.since) || (until.value && !next.until)) throw new Error('Enter the time range as a date and time.');
      if (next.since && next.until && next.since > next.until) throw new Error('"Since" is after "Until": nothing can match.');
      return next;
    }

    async function load(append) {
      const id = ++loadId;
      A.clearError(error);
      older.disabled = true;
      try {
        const page = await A.api('GET', `/api/admin/audit${query({ ...filters, cursor: append ? cursor : null })}`);
        if (id !== loadId || !alive()) return;
        const entries = kit.itemsOf(page);
        if (!append) tbody.replaceChildren();
        tbody.append(...entries.map((entry) => el('tr', { 'data-id': entry.id, 'data-action': entry.action },
          el('td', {}, cell(entry.at)),
          el('td', {}, actorCell(entry)),
          el('td', { class: 'nowrap' }, el('code', { text: entry.action })),
          el('td', {}, targetCell(entry.target)),
          el('td', { title: entry.user_agent || null }, cell(entry.ip)),
          el('td', {}, details(entry.details)))));
        if (!append && !entries.length) {
          tbody.append(el('tr', {}, el('td', { colspan: '6', class: 'hint', text: Object.values(filters).some(Boolean) ? 'No entries match.' : 'No entries.' })));
        }
        cursor = page.next_cursor || null;
        older.hidden = !cursor;
      } catch (e) {
        if (id === loadId && alive() && !kit.is401(e)) A.showError(error, e);
      } finally {
        older.disabled = false;
      }
    }

    download.addEventListener('click', async () => {
      A.clearError(error);
      status.textContent = '';
      let current;
      try {
        current = readFilters();
      } catch (e) {
        A.showError(error, e);
        return;
      }
      download.disabled = true;
      try {
        const response = await A.authFetch(`/api/admin/audit${query({ ...current, format: 'csv' })}`, { headers: { Accept: 'text/csv' } });
        if (!response.ok) throw await A.errorFrom(response);
        if (!/text\/csv/i.test(response.headers.get('Content-Type') || '')) {
          throw new Error('CSV export is not available on this server yet (it answered with something other than CSV).');
        }
        const blob = await response.blob();
        const disposition = response.headers.get('Content-Disposition') || '';
        const named = /filename="?([^";]+)"?/i.exec(disposition);
        const url = URL.createObjectURL(blob);
        const link = el('a', { href: url, download: named ? named[1] : 'cairn-audit.csv' });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        const rows = Math.max(0, (await blob.text()).split('\n').filter((line) => line.trim()).length - 1);
        status.textContent = `Downloaded ${named ? named[1] : 'cairn-audit.csv'} (about ${rows} row${rows === 1 ? '' : 's'}; at most 10,000).`;
      } catch (e) {
        if (!kit.is401(e)) A.showError(error, e);
      } finally {
        download.disabled = false;
      }
    });

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      try {
        filters = readFilters();
      } catch (e) {
        A.showError(error, e);
        return;
      }
      load(false);
    });
    clear.addEventListener('click', () => {
      for (const input of [actor, action, target, since, until]) input.value = '';
      filters = {};
      load(false);
    });
    older.addEventListener('click', () => load(true));
    await peopleReady;
    await load(false);
  }

  (window.CairnAdminPages = window.CairnAdminPages || {}).audit = { title: 'Audit log', render };
})();
