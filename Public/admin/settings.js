// The console's "Configuration" section: every setting of GET /api/admin/settings grouped by
// section, where its value comes from (default, file, env, flag, runtime), an inline editor with
// a Save button for the runtime-editable ones (PATCH /api/admin/settings; a 422 is shown beside
// the row), the sign-in providers (OpenID Connect, Google, GitHub: list with the callback URL to
// register, add, edit, delete), and the History of runtime changes with a Revert per entry.
// admin.js calls `render` with its shared helpers.
(() => {
  'use strict';

  const SOURCE_HINT = {
    default: 'built-in default', file: 'from the config file', env: 'from an environment variable',
    flag: 'from a command-line flag', runtime: 'changed at runtime from the console or API',
  };

  const shown = (value) => (value === null || value === undefined ? '(not set)' : typeof value === 'string' ? value : JSON.stringify(value));
  const overrideText = (value) => (value === null || value === undefined ? 'no override' : shown(value));

  // ---- sign-in providers (/api/admin/auth-providers): list, add, edit, delete ----

  const TYPE_NAMES = { oidc: 'OpenID Connect', google: 'Google', github: 'GitHub' };
  const FIELD_NAMES = {
    id: 'Provider id', type: 'Type', name: 'Button name', issuer: 'Issuer URL', client_id: 'Client id',
    client_secret: 'Client secret', scopes: 'Scopes',
  };
  const ISSUER_HINT = {
    oidc: 'Required: the provider\'s issuer, e.g. https://accounts.example.com (its /.well-known/openid-configuration is read).',
    google: 'Leave empty for Google (https://accounts.google.com).',
    github: 'Leave empty for github.com; for GitHub Enterprise, its base URL.',
  };
  const DEFAULT_SCOPES = { oidc: 'openid email profile', google: 'openid email profile', github: 'read:user user:email' };
  const PROVIDER_ID = /^[a-z0-9-]{1,32}$/;

  // Builds the "Sign-in providers" panel; call `load()` to fill it.
  function providersPanel(kit, alive) {
    const { A, el, enc } = kit;
    let providers = [];
    let editing = null; // the provider being edited, or null when adding

    // A div, not a p: the page's own status line stays the one `#section-body p.status`.
    const status = el('div', { class: 'status provider-status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const rows = el('tbody');
    const callbackURL = (provider) => location.origin + (provider.callback_path || `/api/auth/oauth/${enc(provider.id)}/callback`);

    // ---- the form ----
    const messages = {};
    const field = (key, input, hint) => {
      const message = el('div', { id: `ap-${key}-problem`, class: 'row-message error-text', role: 'alert' });
      messages[key] = message;
      input.setAttribute('aria-describedby', `ap-${key}-problem${hint ? ` ap-${key}-hint` : ''}`);
      return el('div', { class: 'field' }, el('label', { for: input.id, text: FIELD_NAMES[key] }), input,
        hint ? el('div', { id: `ap-${key}-hint`, class: 'hint' }, hint) : null, message);
    };
    const inputs = {
      id: el('input', { id: 'ap-id', required: true, maxlength: '32', pattern: '[a-z0-9-]{1,32}', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. company-sso' }),
      type: el('select', { id: 'ap-type' }, ...Object.entries(TYPE_NAMES).map(([value, text]) => el('option', { value, text }))),
      name: el('input', { id: 'ap-name', maxlength: '100', autocomplete: 'off', placeholder: 'e.g. Company SSO' }),
      issuer: el('input', { id: 'ap-issuer', type: 'url', autocomplete: 'off', spellcheck: 'false', placeholder: 'https://accounts.example.com' }),
      client_id: el('input', { id: 'ap-client-id', required: true, autocomplete: 'off', spellcheck: 'false' }),
      client_secret: el('input', { id: 'ap-client-secret', type: 'password', autocomplete: 'new-password' }),
      scopes: el('input', { id: 'ap-scopes', autocomplete: 'off', spellcheck: 'false' }),
    };
    const issuerHint = document.createTextNode('');
    const secretHint = document.createTextNode('');
    const scopesHint = document.createTextNode('');
    const formTitle = el('h3', { id: 'ap-form-title', text: 'Add provider' });
    const save = el('button', { type: 'submit', class: 'primary', text: 'Add provider' });
    const cancel = el('button', { type: 'button', text: 'Cancel edit', hidden: true });
    const formError = el('div', { class: 'error', role: 'alert', hidden: true });
    const form = el('form', { class: 'provider-form', 'aria-labelledby': 'ap-form-title', novalidate: true },
      field('id', inputs.id, '1 to 32 of a-z, 0-9 and -; it is part of the callback URL.'),
      field('type', inputs.type),
      field('name', inputs.name, 'Shown on the button: "Sign in with …". Empty: the id (or Google, GitHub).'),
      field('issuer', inputs.issuer, issuerHint),
      field('client_id', inputs.client_id, 'From the provider\'s console.'),
      field('client_secret', inputs.client_secret, secretHint),
      field('scopes', inputs.scopes, scopesHint),
      el('div', { class: 'actions' }, save, cancel));

    function typeChanged() {
      const type = inputs.type.value;
      issuerHint.textContent = ISSUER_HINT[type];
      inputs.issuer.required = type === 'oidc';
      inputs.scopes.placeholder = DEFAULT_SCOPES[type];
      scopesHint.textContent = `Separated by spaces. Empty: ${DEFAULT_SCOPES[type]}.`;
    }
    inputs.type.addEventListener('change', typeChanged);

    function clearMessages() {
      for (const message of Object.values(messages)) message.textContent = '';
      for (const input of Object.values(inputs)) input.removeAttribute('aria-invalid');
      A.clearError(formError);
    }

    function fill(provider) {
      editing = provider;
      clearMessages();
      inputs.id.value = provider ? provider.id : '';
      inputs.id.readOnly = Boolean(provider);
      inputs.type.value = provider ? provider.type : 'oidc';
      inputs.name.value = provider ? provider.name || '' : '';
      inputs.issuer.value = provider ? provider.issuer || '' : '';
      inputs.client_id.value = provider ? provider.client_id || '' : '';
      inputs.client_secret.value = '';
      inputs.client_secret.required = !provider;
      inputs.client_secret.placeholder = provider ? 'leave empty to keep' : '';
      secretHint.textContent = provider
        ? 'Write-only: leave empty to keep the stored secret (it must be given again when the type or issuer changes).'
        : 'From the provider\'s console. Write-only: it is never shown again.';
      inputs.scopes.value = provider && Array.isArray(provider.scopes) ? provider.scopes.join(' ') : '';
      formTitle.textContent = provider ? `Edit provider ${provider.id}` : 'Add provider';
      save.textContent = provider ? 'Save provider' : 'Add provider';
      cancel.hidden = !provider;
      typeChanged();
    }

    function problem(key, text) {
      const message = messages[key];
      if (!message) return false;
      message.textContent = `${FIELD_NAMES[key]} ${text}`.replace(/([^.])$/, '$1.');
      inputs[key].setAttribute('aria-invalid', 'true');
      return true;
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearMessages();
      status.textContent = '';
      const id = inputs.id.value.trim();
      if (!PROVIDER_ID.test(id)) {
        problem('id', 'must be 1 to 32 characters of a-z, 0-9 and -');
        inputs.id.focus();
        return;
      }
      const existing = providers.find((p) => p.id === id);
      if (!editing && existing) {
        problem('id', `is already used by "${existing.name}": use its Edit button to change it`);
        inputs.id.focus();
        return;
      }
      const body = { type: inputs.type.value, client_id: inputs.client_id.value.trim() };
      const name = inputs.name.value.trim();
      const issuer = inputs.issuer.value.trim();
      const scopes = inputs.scopes.value.split(/[\s,]+/).filter(Boolean);
      if (name) body.name = name;
      if (issuer) body.issuer = issuer;
      if (inputs.client_secret.value) body.client_secret = inputs.client_secret.value;
      if (scopes.length) body.scopes = scopes;
      save.disabled = true;
      try {
        await A.api('PUT', `/api/admin/auth-providers/${enc(id)}`, body);
        const was = editing;
        fill(null);
        await load();
        status.textContent = was ? `Sign-in provider ${id} saved.` : `Sign-in provider ${id} added. Register its callback URL with the provider.`;
      } catch (e) {
        if (kit.is401(e)) return;
        const details = e instanceof A.ApiError && e.details && typeof e.details === 'object' ? e.details : null;
        if (details) {
          const rest = Object.entries(details).filter(([key, text]) => !problem(key, typeof text === 'string' ? text : JSON.stringify(text)));
          A.showError(formError, rest.length ? new A.ApiError(e.status, e.code, e.message, Object.fromEntries(rest)) : new Error('Not saved: see the marked fields below.'));
          const first = Object.keys(details).find((key) => inputs[key]);
          if (first) inputs[first].focus();
        } else {
          A.showError(formError, e);
        }
      } finally {
        save.disabled = false;
      }
    });
    cancel.addEventListener('click', () => { fill(null); inputs.id.focus(); });

    // ---- the list ----
    function row(provider) {
      const callback = callbackURL(provider);
      return el('tr', { 'data-provider': provider.id },
        el('td', {}, el('strong', { text: provider.name || provider.id }), el('div', { class: 'hint', text: provider.id })),
        el('td', {}, TYPE_NAMES[provider.type] || provider.type),
        el('td', {}, provider.issuer ? el('code', { text: provider.issuer }) : el('span', { class: 'hint', text: 'default' })),
        el('td', {}, kit.clip(provider.client_id, 28)),
        el('td', {}, el('div', { class: 'callback-url' }, el('code', { class: 'callback', text: callback }),
          navigator.clipboard ? el('button', { type: 'button', class: 'small', text: 'Copy', 'aria-label': `Copy the callback URL of ${provider.name || provider.id}`,
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(callback);
                status.textContent = `Copied the callback URL of ${provider.id}.`;
              } catch {
                status.textContent = 'Could not copy: select the URL and copy it.';
              }
            } }) : null)),
        el('td', {}, el('div', { class: 'row-actions' },
          el('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit ${provider.name || provider.id}`,
            onclick: () => { fill(provider); status.textContent = ''; inputs.name.focus(); form.scrollIntoView({ block: 'nearest' }); } }),
          el('button', { type: 'button', class: 'small danger', text: 'Delete', 'aria-label': `Delete ${provider.name || provider.id}`,
            onclick: (event) => remove(provider, event.currentTarget) }))));
    }

    async function remove(provider, button) {
      if (!window.confirm(`Delete the sign-in provider "${provider.name}" (${provider.id})? Its button leaves the sign-in pages; `
        + 'accounts that used it stay and can sign in another way.')) return;
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        await A.api('DELETE', `/api/admin/auth-providers/${enc(provider.id)}`);
        if (editing && editing.id === provider.id) fill(null);
        await load();
        status.textContent = `Sign-in provider ${provider.id} deleted.`;
      } catch (e) {
        button.disabled = false;
        if (!kit.is401(e)) A.showError(error, e);
      }
    }

    const body = el('div');
    const section = el('section', { class: 'panel', 'aria-labelledby': 'providers-title' },
      el('h2', { id: 'providers-title', text: 'Sign-in providers' }),
      el('p', { class: 'hint', text: 'Besides a password, people can sign in with these accounts (OpenID Connect, Google, GitHub). '
        + 'Register Cairn with the provider using the callback URL shown, then enter the client id and secret it gives you.' }),
      status, error, body);

    async function load() {
      let data;
      try {
        data = await A.api('GET', '/api/admin/auth-providers');
      } catch (e) {
        if (!alive() || kit.is401(e)) return;
        if (kit.is404(e)) {
          body.replaceChildren(el('p', { class: 'notice', text: 'Sign-in providers are not available on this server yet.' }));
          return;
        }
        A.showError(error, e);
        return;
      }
      if (!alive()) return;
      providers = kit.itemsOf(data);
      rows.replaceChildren(...providers.map(row));
      if (!providers.length) rows.append(el('tr', {}, el('td', { colspan: '6', class: 'hint', text: 'No sign-in providers yet: people sign in with a password only.' })));
      if (!body.contains(form)) {
        body.replaceChildren(kit.table(['Name', 'Type', 'Issuer', 'Client id', 'Callback URL', 'Actions'], rows, { stack: true }), formTitle, formError, form);
      }
    }

    fill(null);
    return { section, load };
  }

  async function render(kit, alive) {
    const { A, el, enc, badge, table, person, clip, query } = kit;

    let items;
    try {
      items = kit.itemsOf(await A.api('GET', '/api/admin/settings'));
    } catch (e) {
      if (kit.is404(e)) { if (alive()) kit.unavailable(); return; }
      throw e;
    }
    if (!alive()) return;

    const status = el('p', { class: 'status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const filter = el('input', { id: 'settings-filter', type: 'search', autocomplete: 'off', placeholder: 'e.g. auth or quotas' });
    const sections = el('div', { class: 'settings-sections' });
    const historyBody = el('div');
    const signIn = providersPanel(kit, alive);
    // Jump buttons rather than #anchors: the hash is the console's route.
    const jump = el('nav', { class: 'jump', 'aria-label': 'Configuration sections' });
    const jumpTo = (id) => {
      const heading = document.getElementById(id);
      if (!heading) return;
      heading.setAttribute('tabindex', '-1');
      heading.scrollIntoView({ block: 'start' });
      heading.focus({ preventScroll: true });
    };
    kit.body.replaceChildren(
      el('div', { class: 'toolbar' }, el('div', { class: 'field' }, el('label', { for: 'settings-filter', text: 'Filter settings' }), filter)),
      jump,
      el('p', { class: 'hint', text: 'Editable settings take effect at once and are stored as runtime overrides. '
        + 'The others are read at start: change them in the config file, environment or flags and restart.' }),
      status, error, sections, signIn.section,
      el('section', { class: 'panel', 'aria-labelledby': 'history-title' }, el('h2', { id: 'history-title', text: 'History' }), historyBody));
    signIn.load();

    // ---- the settings ----

    function editor(item) {
      const id = `setting-${item.key.replace(/[^a-z0-9]+/gi, '-')}`;
      const label = `Value of ${item.key}`;
      if (item.type === 'choice' || item.type === 'boolean') {
        const options = item.type === 'boolean' ? ['true', 'false'] : (item.options || []).map(String);
        const select = el('select', { id, 'aria-label': label },
          ...options.map((option) => el('option', { value: option, text: option, selected: String(item.value) === option })));
        return select;
      }
      if (item.type === 'integer') {
        return el('input', { id, type: 'number', step: '1', inputmode: 'numeric', 'aria-label': label,
          min: item.min ?? null, max: item.max ?? null, value: item.value ?? '' });
      }
      if (item.secret) {
        return el('input', { id, type: 'password', autocomplete: 'new-password', 'aria-label': label,
          placeholder: item.value ? 'set (type to replace)' : 'not set' });
      }
      return el('input', { id, type: 'text', spellcheck: 'false', autocomplete: 'off', 'aria-label': label, value: item.value ?? '' });
    }

    // The editor's value as the JSON the server expects, or a sentence saying what is wrong.
    function valueOf(item, input) {
      if (item.type === 'boolean') return { value: input.value === 'true' };
      if (item.type === 'integer') {
        const raw = input.value.trim();
        if (!/^-?\d+$/.test(raw)) return { problem: 'enter a whole number' + (item.min !== undefined && item.max !== undefined ? ` between ${item.min} and ${item.max}` : '') };
        return { value: Number(raw) };
      }
      if (item.secret && input.value === '') return { problem: 'type the new value first' };
      return { value: input.value };
    }

    function row(item) {
      const message = el('div', { class: 'row-message', role: 'alert', 'aria-live': 'polite' });
      let valueCell;
      const actions = [];
      if (item.editable) {
        const input = editor(item);
        const save = el('button', { type: 'button', class: 'small primary', text: 'Save', 'aria-label': `Save ${item.key}` });
        const submit = () => change(item, input, save, message);
        save.addEventListener('click', submit);
        if (input.tagName === 'INPUT') input.addEventListener('keydown', (event) => { if (event.key === 'Enter') { event.preventDefault(); submit(); } });
        valueCell = input;
        actions.push(save);
        if (item.source === 'runtime') {
          actions.push(el('button', { type: 'button', class: 'small', text: 'Clear override', 'aria-label': `Clear the runtime override of ${item.key}`,
            title: 'Drop the runtime value: the flag, environment, file or default decides again',
            onclick: (event) => clear(item, event.currentTarget, message) }));
        }
      } else {
        valueCell = el('div', { class: 'readonly-value' }, el('code', { title: shown(item.value), text: shown(item.value) }),
          item.restart_required !== false ? el('span', { class: 'badge warn', title: 'Not editable at runtime: set it in the config file, environment or flags and restart', text: 'restart required' }) : null);
      }
      return el('tr', { 'data-key': item.key },
        el('th', { scope: 'row', class: 'setting-key' }, el('code', { text: item.key }), item.summary ? el('div', { class: 'hint', text: item.summary }) : null),
        el('td', { class: 'setting-value', 'data-label': 'Value' }, valueCell, message),
        el('td', { 'data-label': 'Source' }, el('span', { class: `badge source source-${item.source}`, title: `${SOURCE_HINT[item.source] || item.source}${item.origin ? `: ${item.origin}` : ''}`, text: item.source })),
        el('td', { class: 'setting-default', 'data-label': 'Default' }, clip(item.default === undefined ? null : shown(item.default), 30)),
        el('td', { 'data-label': '' }, el('div', { class: 'row-actions' }, ...actions)));
    }

    function draw() {
      const needle = filter.value.trim().toLowerCase();
      const groups = new Map();
      for (const item of items) {
        if (needle && !`${item.key} ${item.summary || ''}`.toLowerCase().includes(needle)) continue;
        const section = item.section || item.key.split('.')[0];
        if (!groups.has(section)) groups.set(section, []);
        groups.get(section).push(item);
      }
      if (!groups.size) {
        jump.replaceChildren();
        sections.replaceChildren(el('p', { class: 'hint', text: needle ? 'No setting matches.' : 'The server reports no settings.' }));
        return;
      }
      const ordered = [...groups.entries()].sort(([a], [b]) => a.localeCompare(b));
      jump.replaceChildren(el('span', { class: 'hint', text: 'Go to:' }),
        ...ordered.map(([section]) => el('button', { type: 'button', class: 'small link', text: section,
          onclick: () => jumpTo(`section-${section.replace(/[^a-z0-9]+/gi, '-')}`) })),
        el('button', { type: 'button', class: 'small link', text: 'Sign-in providers', onclick: () => jumpTo('providers-title') }),
        el('button', { type: 'button', class: 'small link', text: 'History', onclick: () => jumpTo('history-title') }));
      sections.replaceChildren(...ordered.map(([section, list]) => {
        const titleId = `section-${section.replace(/[^a-z0-9]+/gi, '-')}`;
        return el('section', { class: 'panel settings-section', 'aria-labelledby': titleId },
          el('h2', { id: titleId, text: section }),
          el('div', { class: 'table-wrap' }, el('table', { class: 'settings stack' },
            el('colgroup', {}, ...['key', 'value', 'source', 'default', 'actions'].map((c) => el('col', { class: `c-${c}` }))),
            el('thead', {}, el('tr', {}, ...['Setting', 'Value', 'Source', 'Default', 'Actions'].map((h) => el('th', { scope: 'col', text: h })))),
            el('tbody', {}, ...list.map(row)))));
      }));
    }

    function replaceItems(changed) {
      for (const updated of changed) {
        const index = items.findIndex((item) => item.key === updated.key);
        if (index >= 0) items[index] = updated;
        else items.push(updated);
        const old = sections.querySelector(`tr[data-key="${CSS.escape(updated.key)}"]`);
        if (old) old.replaceWith(row(updated));
      }
    }

    async function patch(item, value, button, message, done) {
      button.disabled = true;
      message.replaceChildren();
      message.className = 'row-message';
      A.clearError(error);
      status.textContent = '';
      try {
        const answer = await A.api('PATCH', '/api/admin/settings', { [item.key]: value });
        const changed = kit.itemsOf(answer);
        replaceItems(changed.length ? changed : [{ ...item, value }]);
        const now = changed.find((c) => c.key === item.key) || { value };
        status.textContent = done(now);
        const focusTarget = sections.querySelector(`tr[data-key="${CSS.escape(item.key)}"] select, tr[data-key="${CSS.escape(item.key)}"] input`);
        if (focusTarget) focusTarget.focus();
        loadHistory();
      } catch (e) {
        button.disabled = false;
        if (kit.is401(e)) return;
        if (e instanceof A.ApiError && e.details && typeof e.details === 'object') {
          const problem = e.details[item.key] || Object.values(e.details)[0];
          message.className = 'row-message error-text';
          message.textContent = `Not saved: ${item.key} ${typeof problem === 'string' ? problem : JSON.stringify(problem)}.`;
        } else {
          message.className = 'row-message error-text';
          message.textContent = `Not saved: ${A.errorLines(e).join(' ')}`;
        }
      }
    }

    function change(item, input, button, message) {
      const { value, problem } = valueOf(item, input);
      if (problem) {
        message.className = 'row-message error-text';
        message.textContent = `Not saved: ${problem}.`;
        input.focus();
        return;
      }
      patch(item, value, button, message, (now) => `${item.key} is now ${item.secret ? 'set' : shown(now.value)}.`);
    }

    function clear(item, button, message) {
      if (!window.confirm(`Drop the runtime override of ${item.key}? The flag, environment, file or default value applies again.`)) return;
      patch(item, null, button, message, (now) => `${item.key} has no runtime override any more; it is ${shown(now.value)} (${now.source || 'default'}).`);
    }

    filter.addEventListener('input', draw);
    draw();

    // ---- the history ----

    const historyError = el('div', { class: 'error', role: 'alert', hidden: true });
    const historyRows = el('tbody');
    const older = el('button', { type: 'button', text: 'Older', hidden: true });
    let cursor = null;
    let historyLoad = 0;

    function historyRow(entry) {
      const effective = entry.effective_before !== undefined || entry.effective_after !== undefined
        ? el('div', { class: 'hint', text: `in force: ${shown(entry.effective_before)} → ${shown(entry.effective_after)}` }) : null;
      return el('tr', { 'data-id': entry.id },
        el('td', {}, kit.cell(entry.at)),
        el('td', {}, person(entry.actor_email, entry.actor)),
        el('td', {}, el('code', { text: entry.key })),
        el('td', {}, el('span', { class: 'change' }, clip(overrideText(entry.before), 40), ' → ', clip(overrideText(entry.after), 40)), effective,
          entry.reverted_from ? el('div', { class: 'hint', title: entry.reverted_from, text: 'a revert' }) : null),
        el('td', {}, el('button', { type: 'button', class: 'small', text: 'Revert', 'aria-label': `Revert ${entry.key} to ${overrideText(entry.before)} (change of ${entry.at})`,
          onclick: (event) => revert(entry, event.currentTarget) })));
    }

    async function loadHistory(append = false) {
      const id = ++historyLoad;
      A.clearError(historyError);
      try {
        const page = await A.api('GET', `/api/admin/settings/history${query({ limit: '20', cursor: append ? cursor : null })}`);
        if (id !== historyLoad || !alive()) return;
        const entries = kit.itemsOf(page);
        if (!append) historyRows.replaceChildren();
        historyRows.append(...entries.map(historyRow));
        if (!append && !entries.length) historyRows.append(el('tr', {}, el('td', { colspan: '5', class: 'hint', text: 'No runtime changes yet.' })));
        cursor = page.next_cursor || null;
        older.hidden = !cursor;
      } catch (e) {
        if (id !== historyLoad || !alive() || kit.is401(e)) return;
        if (kit.is404(e)) {
          historyBody.replaceChildren(el('p', { class: 'notice', text: 'The change history is not available on this server yet.' }));
          return;
        }
        A.showError(historyError, e);
      }
    }

    async function revert(entry, button) {
      const target = entry.before === null || entry.before === undefined
        ? 'no runtime override (the flag, environment, file or default decides)' : shown(entry.before);
      if (!window.confirm(`Revert ${entry.key} to ${target}?`)) return;
      button.disabled = true;
      A.clearError(historyError);
      status.textContent = '';
      try {
        await A.api('POST', `/api/admin/settings/history/${enc(entry.id)}/revert`);
        const fresh = kit.itemsOf(await A.api('GET', '/api/admin/settings'));
        if (!alive()) return;
        items = fresh;
        draw();
        const now = items.find((item) => item.key === entry.key);
        status.textContent = `Reverted ${entry.key}${now ? `: it is ${shown(now.value)} again` : ''}.`;
        await loadHistory();
      } catch (e) {
        button.disabled = false;
        if (!kit.is401(e)) A.showError(historyError, e);
      }
    }

    older.addEventListener('click', () => loadHistory(true));
    historyBody.replaceChildren(historyError, table(['Time', 'By', 'Setting', 'Change (runtime override)', 'Actions'], historyRows, { stack: true }),
      el('div', { class: 'actions' }, older));
    await loadHistory();
  }

  (window.CairnAdminPages = window.CairnAdminPages || {}).settings = { title: 'Configuration', render };
})();
