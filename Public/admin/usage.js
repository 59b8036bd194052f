// The console's "Usage" section: token use and runs grouped by user, agent, provider or day
// (GET /api/admin/usage), in a table sorted by clicking a column header, with the estimated cost
// when the providers have prices. admin.js calls `render` with its shared helpers.
(() => {
  'use strict';

  const GROUPS = [['user', 'User'], ['agent', 'Agent'], ['provider', 'Provider and model'], ['day', 'Day (UTC)']];

  function labelOf(item) {
    if (item.label) return String(item.label);
    const key = item.key;
    if (key && typeof key === 'object') return Object.values(key).filter((v) => v !== null && v !== undefined).join(' · ') || '—';
    return key === undefined || key === null ? '—' : String(key);
  }

  const money = (value) => (typeof value === 'number'
    ? `$${value < 1 ? value.toFixed(4) : value.toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })}` : '—');
  const count = (value) => (typeof value === 'number' ? value.toLocaleString() : '—');

  async function render(kit, alive) {
    const { A, el, query } = kit;
    const group = el('select', { id: 'usage-group' }, ...GROUPS.map(([value, text]) => el('option', { value, text })));
    const since = el('input', { id: 'usage-since', type: 'date' });
    const until = el('input', { id: 'usage-until', type: 'date' });
    const form = el('form', { class: 'toolbar' },
      el('div', { class: 'field' }, el('label', { for: 'usage-group', text: 'Group by' }), group),
      el('div', { class: 'field' }, el('label', { for: 'usage-since', text: 'From (UTC day)' }), since),
      el('div', { class: 'field' }, el('label', { for: 'usage-until', text: 'To (UTC day, inclusive)' }), until),
      el('button', { type: 'submit', text: 'Show' }));
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const summary = el('p', { class: 'status', role: 'status' });
    const holder = el('div');
    kit.body.replaceChildren(form, error, summary, holder);

    let items = [];
    let sort = { column: 'total', descending: true };
    let loadId = 0;

    function columns() {
      const cols = [{ id: 'label', title: GROUPS.find(([g]) => g === group.value)[1], value: labelOf, text: true }];
      if (items.some((i) => typeof i.runs === 'number')) cols.push({ id: 'runs', title: 'Runs', value: (i) => i.runs });
      cols.push({ id: 'calls', title: 'Model calls', value: (i) => i.calls });
      cols.push({ id: 'input_tokens', title: 'Input tokens', value: (i) => i.input_tokens });
      cols.push({ id: 'output_tokens', title: 'Output tokens', value: (i) => i.output_tokens });
      cols.push({ id: 'total', title: 'Total tokens', value: (i) => (i.input_tokens || 0) + (i.output_tokens || 0) });
      if (items.some((i) => typeof i.cost === 'number')) cols.push({ id: 'cost', title: 'Cost (USD, est.)', value: (i) => i.cost, money: true });
      return cols;
    }

    function draw() {
      const cols = columns();
      if (!cols.some((c) => c.id === sort.column)) sort = { column: 'total', descending: true };
      const column = cols.find((c) => c.id === sort.column);
      const sorted = [...items].sort((a, b) => {
        const va = column.value(a);
        const vb = column.value(b);
        let order;
        if (column.text) order = String(va).localeCompare(String(vb), undefined, { numeric: true });
        else order = (typeof va === 'number' ? va : -Infinity) - (typeof vb === 'number' ? vb : -Infinity);
        return sort.descending ? -order : order;
      });
      const head = el('tr', {}, ...cols.map((c) => {
        const active = c.id === sort.column;
        const button = el('button', { type: 'button', class: 'sort', 'data-column': c.id,
          'aria-label': `${c.title}: sort ${active && !sort.descending ? 'descending' : 'ascending'}`,
          onclick: () => {
            sort = { column: c.id, descending: active ? !sort.descending : !c.text };
            draw();
            const again = holder.querySelector(`button.sort[data-column="${c.id}"]`);
            if (again) again.focus();
          } }, c.title, el('span', { class: 'sort-mark', 'aria-hidden': 'true', text: active ? (sort.descending ? ' ▼' : ' ▲') : '' }));
        return el('th', { scope: 'col', class: c.text ? null : 'num', 'aria-sort': active ? (sort.descending ? 'descending' : 'ascending') : null }, button);
      }));
      const rows = sorted.map((item) => el('tr', {}, ...cols.map((c) => {
        const value = c.value(item);
        if (c.text) return el('td', {}, el('span', { class: 'clip', title: `${value}${item.key && typeof item.key === 'object' ? ` (${JSON.stringify(item.key)})` : ''}`, text: value }));
        return el('td', { class: 'num' }, c.money ? money(value) : count(value));
      })));
      const totals = el('tr', { class: 'totals' }, ...cols.map((c, index) => {
        if (c.text) return el('th', { scope: 'row', text: index === 0 ? 'Total' : '' });
        const values = items.map(c.value).filter((v) => typeof v === 'number');
        const sum = values.reduce((a, b) => a + b, 0);
        return el('td', { class: 'num' }, values.length ? (c.money ? money(sum) : count(sum)) : '—');
      }));
      holder.replaceChildren(items.length
        ? el('div', { class: 'table-wrap' }, el('table', { class: 'usage' }, el('thead', {}, head), el('tbody', {}, ...rows), el('tfoot', {}, totals)))
        : el('p', { class: 'hint', text: 'No usage in this period.' }));
      if (items.length && !items.some((i) => typeof i.cost === 'number')) {
        holder.append(el('p', { class: 'hint', text: 'No cost column: no provider has options.price_per_1k_input / price_per_1k_output set.' }));
      }
    }

    async function load() {
      const id = ++loadId;
      A.clearError(error);
      summary.textContent = '';
      const params = { group: group.value };
      if (since.value) params.since = new Date(`${since.value}T00:00:00Z`).toISOString();
      if (until.value) params.until = new Date(Date.parse(`${until.value}T00:00:00Z`) + 86_400_000).toISOString();
      try {
        const page = await A.api('GET', `/api/admin/usage${query(params)}`);
        if (id !== loadId || !alive()) return;
        items = kit.itemsOf(page);
        summary.textContent = `${items.length} ${items.length === 1 ? 'row' : 'rows'}, grouped by ${GROUPS.find(([g]) => g === params.group)[1].toLowerCase()}.`;
        draw();
      } catch (e) {
        if (id !== loadId || !alive() || kit.is401(e)) return;
        if (kit.is404(e)) { kit.unavailable(); return; }
        items = [];
        holder.replaceChildren();
        if (e instanceof A.ApiError && e.status === 422 && e.details && e.details.group) {
          A.showError(error, new Error(`This server cannot group usage by ${params.group} yet (${e.details.group}).`));
        } else {
          A.showError(error, e);
        }
      }
    }

    form.addEventListener('submit', (event) => { event.preventDefault(); load(); });
    group.addEventListener('change', load);
    await load();
  }

  (window.CairnAdminPages = window.CairnAdminPages || {}).usage = { title: 'Usage', render };
})();
