// The admin console: sign-in and first-time setup, then hash-routed sections (#/users ...).
// Sections whose API the server does not offer yet (404) say so instead of failing.
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, el, enc, itemsOf } = window.CairnDOM;
  const UNAVAILABLE = 'This section is not available on this server yet.';

  const ui = {
    who: $('who'), signOut: $('sign-out'),
    signinView: $('signin-view'), form: $('signin-form'), status: $('signin-status'), error: $('signin-error'),
    email: $('email'), password: $('password'), signIn: $('signin-button'),
    setup: $('setup'), setupToken: $('setup-token'), name: $('name'), setupButton: $('setup-button'),
    forbiddenView: $('forbidden-view'), forbiddenWho: $('forbidden-who'),
    consoleView: $('console-view'), title: $('section-title'), body: $('section-body'),
    navLinks: [...document.querySelectorAll('#console-view nav a')],
  };

  const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
  const humanize = (key) => key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
  const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;
  const is404 = (error) => error instanceof A.ApiError && error.status === 404;
  const is401 = (error) => error instanceof A.ApiError && error.status === 401;
  const query = (params) => {
    const text = new URLSearchParams(Object.entries(params).filter(([, v]) => v)).toString();
    return text ? `?${text}` : '';
  };

  // ---- small renderers ----

  function cell(value) {
    if (value === null || value === undefined || value === '') return el('span', { class: 'hint', text: '—' });
    if (typeof value === 'boolean') return document.createTextNode(value ? 'yes' : 'no');
    if (typeof value === 'string' && ISO_TIME.test(value) && !Number.isNaN(Date.parse(value))) {
      return el('time', { datetime: value, title: value, text: new Date(value).toLocaleString() });
    }
    if (typeof value === 'object') {
      const json = JSON.stringify(value);
      return el('code', { title: json.slice(0, 2000), text: json.length > 160 ? `${json.slice(0, 157)}…` : json });
    }
    return document.createTextNode(String(value));
  }

  function badge(text, kind) {
    return el('span', { class: `badge ${kind || ''}`.trim(), text });
  }

  const STATUS_KIND = {
    active: 'ok', ok: 'ok', ready: 'ok', closed: 'ok', pending: 'warn', half_open: 'warn', disabled: 'bad', open: 'bad', forced_open: 'bad',
  };
  const statusBadge = (status) => badge(String(status), STATUS_KIND[status]);

  function table(headings, tbody) {
    return el('div', { class: 'table-wrap' },
      el('table', {}, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col', text: h })))), tbody));
  }

  // Nested objects become dotted keys, so a health report reads as one flat list.
  function flatten(object, prefix = '', out = []) {
    for (const [key, value] of Object.entries(object)) {
      if (isObject(value) && Object.keys(value).length) flatten(value, `${prefix}${key}.`, out);
      else out.push([`${prefix}${key}`, value]);
    }
    return out;
  }

  function keyValues(object, label = humanize) {
    return el('dl', { class: 'kv' }, ...flatten(object).flatMap(([key, value]) =>
      [el('dt', { text: label(key) }), el('dd', {}, cell(value))]));
  }

  function panel(title, ...content) {
    return el('section', { class: 'panel' }, el('h2', { text: title }), ...content);
  }

  function errorBox(error) {
    const box = el('div', { class: 'error', role: 'alert' });
    A.showError(box, error);
    return box;
  }

  // ---- sections ----

  async function readiness() {
    const response = await fetch('/readyz', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    let body = null;
    try {
      body = await response.json();
    } catch {
      // A 503 without a body still says "not ready".
    }
    return { ok: response.ok, body: body || {} };
  }

  async function renderDashboard(alive) {
    const [ready, me, health] = await Promise.allSettled(
      [readiness(), A.api('GET', '/api/auth/me'), A.api('GET', '/api/admin/health')]);
    if (!alive()) return;

    let readyView;
    if (ready.status === 'fulfilled') {
      const { ok, body } = ready.value;
      const checks = isObject(body.checks) ? Object.entries(body.checks) : [];
      readyView = [
        el('p', {}, 'Status: ', statusBadge(body.status || (ok ? 'ready' : 'unavailable'))),
        checks.length
          ? table(['Check', 'Result'], el('tbody', {}, ...checks.map(([name, result]) =>
            el('tr', {}, el('td', { text: name }), el('td', {}, typeof result === 'string' ? statusBadge(result) : cell(result))))))
          : el('p', { class: 'hint', text: 'No checks reported.' }),
      ];
    } else {
      readyView = [errorBox(ready.reason)];
    }

    const panels = [
      panel('Readiness', ...readyView),
      panel('Signed in as', me.status === 'fulfilled' ? keyValues({
        name: me.value.name, email: me.value.email, role: me.value.role, status: me.value.status,
        created_at: me.value.created_at, auth_provider: me.value.auth_provider, id: me.value.id,
      }) : errorBox(me.reason)),
    ];
    if (health.status === 'fulfilled' && isObject(health.value)) panels.push(panel('Server health', keyValues(health.value)));
    else if (health.status === 'rejected' && !is404(health.reason)) panels.push(panel('Server health', errorBox(health.reason)));
    ui.body.replaceChildren(...panels);
  }

  // For sections without a dedicated view: a table of whatever items the API returns.
  function generic(path) {
    return async (alive) => {
      let data;
      try {
        data = await A.api('GET', path);
      } catch (error) {
        if (!is404(error)) throw error;
        if (alive()) ui.body.replaceChildren(el('p', { class: 'notice', text: UNAVAILABLE }));
        return;
      }
      if (!alive()) return;
      const list = Array.isArray(data) ? data : (data && Array.isArray(data.items) ? data.items : null);
      if (!list) {
        // Raw keys: they are what an administrator sets (for example runs.max_per_user).
        ui.body.replaceChildren(isObject(data) ? keyValues(data, (key) => key) : el('p', { text: String(data) }));
        return;
      }
      if (!list.length) {
        ui.body.replaceChildren(el('p', { class: 'hint', text: 'Nothing here yet.' }));
        return;
      }
      const keys = new Set(list.flatMap((item) => (isObject(item) ? Object.keys(item) : ['value'])));
      // What names a row comes first; the server sends the other keys in alphabetical order.
      const columns = [...['name', 'id'].filter((key) => keys.has(key)), ...[...keys].filter((key) => key !== 'name' && key !== 'id')];
      const tbody = el('tbody');
      const addRows = (items) => tbody.append(...items.map((item) =>
        el('tr', {}, ...columns.map((column) => el('td', {}, cell(isObject(item) ? item[column] : item))))));
      addRows(list);

      const error = el('div', { class: 'error', role: 'alert', hidden: true });
      let cursor = data.next_cursor || null;
      const more = el('button', { type: 'button', text: 'More', hidden: !cursor });
      more.addEventListener('click', async () => {
        more.disabled = true;
        A.clearError(error);
        try {
          const page = await A.api('GET', path + query({ cursor }));
          addRows(itemsOf(page));
          cursor = page.next_cursor || null;
          more.hidden = !cursor;
        } catch (e) {
          A.showError(error, e);
        } finally {
          more.disabled = false;
        }
      });
      ui.body.replaceChildren(table(columns.map(humanize), tbody), error, el('div', { class: 'actions' }, more));
    };
  }

  async function renderUsers(alive) {
    const search = el('input', { id: 'user-search', type: 'search', autocomplete: 'off', placeholder: 'Name or email' });
    const form = el('form', { class: 'toolbar', role: 'search' },
      el('div', { class: 'field' }, el('label', { for: 'user-search', text: 'Search users' }), search),
      el('button', { type: 'submit', text: 'Search' }));
    const status = el('p', { class: 'status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const tbody = el('tbody');
    const more = el('button', { type: 'button', text: 'Load more', hidden: true });
    ui.body.replaceChildren(form, status, error,
      table(['Name', 'Email', 'Role', 'Status', 'Created', 'Last sign-in', 'Actions'], tbody),
      el('div', { class: 'actions' }, more));

    let cursor = null;
    let q = '';
    let loadId = 0;

    async function load(append) {
      const id = ++loadId;
      A.clearError(error);
      try {
        const page = await A.api('GET', `/api/admin/users${query({ q, cursor: append ? cursor : null })}`);
        if (id !== loadId || !alive()) return;
        const users = itemsOf(page);
        if (!append) tbody.replaceChildren();
        tbody.append(...users.map(userRow));
        if (!append && !users.length) {
          tbody.append(el('tr', {}, el('td', { colspan: '7', class: 'hint', text: q ? 'No users match.' : 'No users yet.' })));
        }
        cursor = page.next_cursor || null;
        more.hidden = !cursor;
      } catch (e) {
        if (id === loadId && alive() && !is401(e)) A.showError(error, e);
      }
    }

    function userRow(user) {
      const button = (label, onclick) => el('button', { type: 'button', class: 'small', text: label, onclick });
      const change = (label, body, done) => button(label, (event) => update(user, body, done, event.currentTarget));
      const actions = [];
      if (user.status === 'pending') actions.push(change('Approve', { status: 'active' }, 'is approved'));
      actions.push(user.status === 'disabled'
        ? change('Enable', { disabled: false }, 'is enabled')
        : change('Disable', { disabled: true }, 'is disabled'));
      actions.push(user.role === 'admin'
        ? change('Make user', { role: 'user' }, 'is now a user')
        : change('Make admin', { role: 'admin' }, 'is now an administrator'));
      actions.push(button('Revoke sessions', (event) => revoke(user, event.currentTarget)));
      // Lifts the account-wide lock and every client's lockout (a client can be locked even when the account is not).
      actions.push(button('Unlock', (event) => unlock(user, event.currentTarget)));
      return el('tr', { 'data-id': user.id },
        el('td', { text: user.name || '—' }),
        el('td', { text: user.email }),
        el('td', { text: user.role }),
        el('td', {}, statusBadge(user.locked_until ? 'locked' : user.status)),
        el('td', {}, cell(user.created_at)),
        el('td', {}, cell(user.last_login_at)),
        el('td', {}, el('div', { class: 'row-actions' }, ...actions)));
    }

    async function update(user, body, done, button) {
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const updated = await A.api('PATCH', `/api/admin/users/${enc(user.id)}`, body);
        const row = userRow(updated);
        button.closest('tr').replaceWith(row);
        row.querySelector('button').focus(); // the clicked button is gone; keep keyboard users in the row
        status.textContent = `${updated.email} ${done}.`;
      } catch (e) {
        button.disabled = false;
        if (!is401(e)) A.showError(error, e);
      }
    }

    async function unlock(user, button) {
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const updated = await A.api('POST', `/api/admin/users/${enc(user.id)}/unlock`);
        status.textContent = `${updated.email} is unlocked: failed sign-ins no longer hold it back.`;
      } catch (e) {
        if (!is401(e)) A.showError(error, e);
      } finally {
        button.disabled = false;
      }
    }

    async function revoke(user, button) {
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const result = await A.api('POST', `/api/admin/users/${enc(user.id)}/revoke-sessions`);
        const count = result && typeof result.revoked === 'number' ? result.revoked : null;
        status.textContent = count === null
          ? `Sessions of ${user.email} revoked.`
          : `Revoked ${count} session${count === 1 ? '' : 's'} of ${user.email}.`;
      } catch (e) {
        if (!is401(e)) A.showError(error, e);
      } finally {
        button.disabled = false;
      }
    }

    let debounce = null;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => { q = search.value.trim(); load(false); }, 300);
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearTimeout(debounce);
      q = search.value.trim();
      load(false);
    });
    more.addEventListener('click', () => load(true));
    await load(false);
  }

  async function renderAudit(alive) {
    const field = (id, label, placeholder) => {
      const input = el('input', { id, type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder });
      return [input, el('div', { class: 'field' }, el('label', { for: id, text: label }), input)];
    };
    const [actor, actorField] = field('audit-actor', 'Actor', 'usr_… (exact)');
    const [action, actionField] = field('audit-action', 'Action', 'e.g. auth.login_succeeded (exact)');
    const form = el('form', { class: 'toolbar' }, actorField, actionField, el('button', { type: 'submit', text: 'Filter' }));
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const tbody = el('tbody');
    const older = el('button', { type: 'button', text: 'Older', hidden: true });
    ui.body.replaceChildren(form, error, table(['Time', 'Actor', 'Action', 'Target', 'IP', 'Details'], tbody),
      el('div', { class: 'actions' }, older));

    let cursor = null;
    let filters = {};
    let loadId = 0;

    const details = (value) => (isObject(value)
      ? el('div', {}, ...Object.entries(value).map(([k, v]) => el('div', { text: `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}` })))
      : cell(value));

    async function load(append) {
      const id = ++loadId;
      A.clearError(error);
      older.disabled = true;
      try {
        const page = await A.api('GET', `/api/admin/audit${query({ ...filters, cursor: append ? cursor : null })}`);
        if (id !== loadId || !alive()) return;
        const entries = itemsOf(page);
        if (!append) tbody.replaceChildren();
        tbody.append(...entries.map((entry) => el('tr', {},
          el('td', {}, cell(entry.at)),
          el('td', {}, cell(entry.actor)),
          el('td', { text: entry.action }),
          el('td', {}, cell(entry.target)),
          el('td', { title: entry.user_agent || null }, cell(entry.ip)),
          el('td', {}, details(entry.details)))));
        if (!append && !entries.length) tbody.append(el('tr', {}, el('td', { colspan: '6', class: 'hint', text: 'No entries.' })));
        cursor = page.next_cursor || null;
        older.hidden = !cursor;
      } catch (e) {
        if (id === loadId && alive() && !is401(e)) A.showError(error, e);
      } finally {
        older.disabled = false;
      }
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      filters = { actor: actor.value.trim(), action: action.value.trim() };
      load(false);
    });
    older.addEventListener('click', () => load(true));
    await load(false);
  }

  const SECTIONS = {
    dashboard: { title: 'Dashboard', render: renderDashboard },
    breakers: {
      title: 'Circuit breakers',
      render: (alive) => window.CairnAdminBreakers.render({
        A, el, enc, cell, badge, table, body: ui.body, stateKind: (state) => STATUS_KIND[String(state).toLowerCase()],
      }, alive),
    },
    settings: { title: 'Configuration', render: generic('/api/admin/settings') },
    users: { title: 'Users', render: renderUsers },
    agents: { title: 'Agents', render: generic('/api/admin/agents') },
    runs: { title: 'Runs', render: generic('/api/admin/runs') },
    audit: { title: 'Audit log', render: renderAudit },
    backups: {
      title: 'Backups',
      render: (alive) => window.CairnAdminBackups.render({
        A, el, enc, cell, badge, table, body: ui.body,
      }, alive),
    },
  };

  // ---- routing ----

  let renderId = 0;
  async function route() {
    if (ui.consoleView.hidden) return;
    const requested = location.hash.replace(/^#\/?/, '').split(/[/?]/)[0];
    const key = SECTIONS[requested] ? requested : 'dashboard';
    for (const link of ui.navLinks) {
      if (link.getAttribute('href') === `#/${key}`) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    ui.title.textContent = SECTIONS[key].title;
    const id = ++renderId;
    const alive = () => id === renderId && !ui.consoleView.hidden;
    ui.body.replaceChildren(el('p', { class: 'hint', text: 'Loading…' }));
    try {
      await SECTIONS[key].render(alive);
    } catch (error) {
      if (alive() && !is401(error)) ui.body.replaceChildren(errorBox(error));
    }
  }
  window.addEventListener('hashchange', route);

  // ---- views and sign-in ----

  function showOnly(view) {
    for (const v of [ui.signinView, ui.forbiddenView, ui.consoleView]) v.hidden = v !== view;
  }

  function showSignIn(message) {
    renderId += 1;
    ui.body.replaceChildren();
    showOnly(ui.signinView);
    ui.signOut.hidden = true;
    ui.who.textContent = '';
    ui.status.textContent = message || '';
    A.clearError(ui.error);
    ui.email.focus();
  }

  function enter(user) {
    ui.password.value = '';
    ui.status.textContent = '';
    ui.who.textContent = user.name || user.email;
    ui.signOut.hidden = false;
    if (user.role !== 'admin') {
      ui.forbiddenWho.textContent = user.email;
      showOnly(ui.forbiddenView);
      return;
    }
    showOnly(ui.consoleView);
    route();
  }

  function busy(on) {
    ui.signIn.disabled = on;
    ui.setupButton.disabled = on;
  }

  ui.form.addEventListener('submit', async (event) => {
    event.preventDefault();
    A.clearError(ui.error);
    busy(true);
    try {
      enter(await A.login(ui.email.value.trim(), ui.password.value));
    } catch (error) {
      A.showError(ui.error, error);
    } finally {
      busy(false);
    }
  });

  async function runSetup() {
    A.clearError(ui.error);
    if (!ui.form.reportValidity()) return;
    const token = ui.setupToken.value.trim();
    if (!token) {
      A.showError(ui.error, new Error('Enter the setup token printed in the server log.'));
      ui.setupToken.focus();
      return;
    }
    busy(true);
    try {
      const user = await A.setup(token, ui.email.value.trim(), ui.password.value, ui.name.value.trim());
      ui.setupToken.value = '';
      enter(user);
    } catch (error) {
      A.showError(ui.error, error);
    } finally {
      busy(false);
    }
  }

  ui.setupButton.addEventListener('click', runSetup);
  // Enter inside the setup fields means "create", not the form's default "Sign in".
  ui.setup.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && event.target instanceof HTMLInputElement) {
      event.preventDefault();
      runSetup();
    }
  });

  A.bindSignOut(ui.signOut, showSignIn);

  async function start() {
    if (!A.hasTokens()) {
      showSignIn();
      return;
    }
    try {
      enter(await A.api('GET', '/api/auth/me'));
    } catch (error) {
      if (is401(error)) return; // onSignedOut already showed the form
      showSignIn();
      A.showError(ui.error, error);
    }
  }

  start();
})();
