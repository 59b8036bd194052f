// The admin console's shell: sign-in and first-time setup, then hash-routed sections (#/users ...),
// each in its own file (dashboard.js, settings.js, users.js, agents.js, runs.js, usage.js, audit.js,
// breakers.js, backups.js) rendered with the shared kit below. Sections whose API the server does
// not offer yet (404) say so instead of failing.
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, el, enc, itemsOf } = window.CairnDOM;
  const UNAVAILABLE = 'This section is not available on this server yet.';

  const ui = {
    who: $('who'), signOut: $('sign-out'),
    signinView: $('signin-view'), form: $('signin-form'), status: $('signin-status'), error: $('signin-error'),
    email: $('email'), password: $('password'), signIn: $('signin-button'), providers: $('signin-providers'),
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
      return el('time', { datetime: value, title: value, text: new Date(value).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'medium' }) });
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

  // { stack: true }: on a phone each row becomes a card, every cell labelled with its column
  // (rows added later are labelled as they arrive).
  function table(headings, tbody, { stack = false } = {}) {
    if (stack) {
      const label = () => {
        for (const row of tbody.rows) {
          [...row.cells].forEach((cell, index) => {
            if (!cell.hasAttribute('colspan') && !cell.dataset.label) cell.dataset.label = headings[index] || '';
          });
        }
      };
      new MutationObserver(label).observe(tbody, { childList: true });
      label();
    }
    return el('div', { class: 'table-wrap' },
      el('table', { class: stack ? 'stack' : null }, el('thead', {}, el('tr', {}, ...headings.map((h) => el('th', { scope: 'col', text: h })))), tbody));
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

  // ---- the kit every section gets ----

  // A person, not an id: the email (or name) with the id on hover.
  function person(email, id, name) {
    const text = email || name || id;
    if (!text) return el('span', { class: 'hint', text: '—' });
    return el('span', { class: 'person', title: id || null, text });
  }

  // An element's text cut to one line with the whole value on hover.
  function clip(value, max = 60) {
    if (value === null || value === undefined || value === '') return el('span', { class: 'hint', text: '—' });
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    return el('span', { class: 'clip', title: text.slice(0, 4000), text: text.length > max ? `${text.slice(0, max - 1)}…` : text });
  }

  const unavailable = () => ui.body.replaceChildren(el('p', { class: 'notice', text: UNAVAILABLE }));

  const kit = {
    A, el, enc, itemsOf, cell, badge, statusBadge, table, panel, errorBox, keyValues, humanize, query, isObject, person, clip,
    is404, is401, unavailable, UNAVAILABLE, body: ui.body,
    stateKind: (state) => STATUS_KIND[String(state).toLowerCase()],
  };

  // For sections without a dedicated view: a table of whatever items the API returns.
  function generic(path) {
    return async (alive) => {
      let data;
      try {
        data = await A.api('GET', path);
      } catch (error) {
        if (!is404(error)) throw error;
        if (alive()) unavailable();
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

  // Each section lives in its own file (Public/admin/<name>.js) and registers itself in
  // window.CairnAdminPages as { title, render(kit, alive) }.
  const pages = window.CairnAdminPages || {};
  const page = (name, fallbackTitle, fallback) => (pages[name]
    ? { title: pages[name].title || fallbackTitle, render: (alive) => pages[name].render(kit, alive) }
    : { title: fallbackTitle, render: fallback });

  const SECTIONS = {
    dashboard: page('dashboard', 'Dashboard', generic('/api/admin/health')),
    breakers: { title: 'Circuit breakers', render: (alive) => window.CairnAdminBreakers.render(kit, alive) },
    settings: page('settings', 'Configuration', generic('/api/admin/settings')),
    users: page('users', 'Users', generic('/api/admin/users')),
    agents: page('agents', 'Providers & agents', generic('/api/admin/agents')),
    runs: page('runs', 'Runs', generic('/api/admin/runs')),
    usage: page('usage', 'Usage', generic('/api/admin/usage')),
    audit: page('audit', 'Audit log', generic('/api/admin/audit')),
    backups: { title: 'Backups', render: (alive) => window.CairnAdminBackups.render(kit, alive) },
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
    A.showSignInProviders(ui.providers, '/admin/', providerList);
    ui.email.focus();
  }

  // "Sign in with <provider>" buttons, below the password form (hidden when there are none).
  const providerList = el('div', { class: 'provider-list' });
  ui.providers.append(providerList);

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

  // Back from a sign-in provider (/admin/#login_code=… or #login_error=…), else the session.
  A.startPage({ enter, showSignIn, errorBox: ui.error });
})();
