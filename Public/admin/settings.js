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

  // The sign-in providers panel is admin/sign-in-providers.js.
  const { providersPanel } = window.CairnAdminSignInProviders;

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
