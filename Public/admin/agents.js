// The console's "Agents" section (Providers & agents): the model providers (type, base URL,
// model, whether a key is set, breaker state, prices) with Edit, Test connection, Delete and Add
// (/api/admin/providers), and the agent definitions with Edit and Add (/api/admin/agents; every
// save is a new version). A 422 is shown beside the field it names. admin.js calls `render`
// with its shared helpers.
(() => {
  'use strict';

  const { providerForm, SHORT_TYPE, DEFAULT_BASE, money } = window.CairnAdminProviderForm;
  const { agentForm } = window.CairnAdminAgentForm;

  // ---- the page ----

  async function render(kit, alive) {
    const { A, el, enc, badge, table, clip, stateKind } = kit;
    let providers = [];
    let agents = [];
    let breakers = new Map();

    // Providers panel.
    const pStatus = el('p', { class: 'status', role: 'status' });
    const pError = el('div', { class: 'error', role: 'alert', hidden: true });
    const pRows = el('tbody');
    const P_COLUMNS = ['Provider', 'Type', 'Base URL', 'Model', 'Key set', 'Breaker', 'Price per 1k in / out', 'Actions'];
    const addProvider = el('button', { type: 'button', text: 'Add provider', 'aria-expanded': 'false', 'aria-controls': 'new-provider' });
    const newProvider = el('div', { id: 'new-provider', class: 'panel new-form', hidden: true });
    const providersPanel = el('section', { class: 'panel', 'aria-labelledby': 'model-providers-title' },
      el('div', { class: 'panel-head' }, el('h2', { id: 'model-providers-title', text: 'Model providers' }), addProvider),
      el('p', { class: 'hint', text: 'Where agents\u2019 model calls go. Each provider has its own circuit breaker; the built-in offline model needs no configuration. '
        + 'Keys are write-only: they are never shown again.' }),
      pStatus, pError, table(P_COLUMNS, pRows, { stack: true }), newProvider);

    // Agents panel.
    const aStatus = el('p', { class: 'status', role: 'status' });
    const aError = el('div', { class: 'error', role: 'alert', hidden: true });
    const aRows = el('tbody');
    const A_COLUMNS = ['Agent', 'Kind', 'Providers', 'Model', 'Tools or steps', 'Version', 'Actions'];
    const addAgent = el('button', { type: 'button', text: 'Add agent', 'aria-expanded': 'false', 'aria-controls': 'new-agent' });
    const newAgent = el('div', { id: 'new-agent', class: 'panel new-form', hidden: true });
    const agentsPanel = el('section', { class: 'panel', 'aria-labelledby': 'agent-definitions-title' },
      el('div', { class: 'panel-head' }, el('h2', { id: 'agent-definitions-title', text: 'Agents' }), addAgent),
      el('p', { class: 'hint', text: 'Saving an agent stores a new version; runs started afterwards use it. Built-in agents are version 0 until replaced. Definitions cannot be deleted.' }),
      aStatus, aError, table(A_COLUMNS, aRows, { stack: true }), newAgent);

    kit.body.replaceChildren(providersPanel, agentsPanel);

    const detailOf = (row, kind) => {
      const next = row.nextElementSibling;
      if (next && next.classList.contains('detail') && (!kind || next.dataset.kind === kind)) return next;
      const after = next && next.classList.contains('detail') ? next.nextElementSibling : null;
      return after && after.classList.contains('detail') && (!kind || after.dataset.kind === kind) ? after : null;
    };
    const closeDetails = (row) => {
      let next = row.nextElementSibling;
      while (next && next.classList.contains('detail')) {
        const drop = next;
        next = next.nextElementSibling;
        drop.remove();
      }
    };

    // ---- provider rows ----

    function providerRow(provider) {
      const options = kit.isObject(provider.options) ? provider.options : {};
      const prices = options.price_per_1k_input != null || options.price_per_1k_output != null
        ? `${money(options.price_per_1k_input) || '—'} / ${money(options.price_per_1k_output) || '—'}` : null;
      const state = breakers.get(provider.breaker);
      const actions = [
        el('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit provider ${provider.name}`, 'aria-expanded': 'false',
          onclick: (event) => toggleProviderEdit(provider, event.currentTarget) }),
        el('button', { type: 'button', class: 'small', text: 'Test connection', 'aria-label': `Test connection of ${provider.name}`,
          onclick: (event) => testProvider(provider, event.currentTarget) }),
      ];
      if (!provider.builtin) {
        actions.push(el('button', { type: 'button', class: 'small danger', text: 'Delete', 'aria-label': `Delete provider ${provider.name}`,
          onclick: (event) => deleteProvider(provider, event.currentTarget) }));
      }
      return el('tr', { 'data-provider': provider.name },
        el('td', { class: 'name-cell' }, el('strong', { text: provider.name }), provider.builtin ? el('div', { class: 'hint', text: 'built-in' }) : null),
        el('td', { text: SHORT_TYPE[provider.type] || provider.type }),
        el('td', {}, provider.base_url ? clip(provider.base_url, 36)
          : el('span', { class: 'hint', title: DEFAULT_BASE[provider.type] || null, text: DEFAULT_BASE[provider.type] ? 'vendor default' : '—' })),
        el('td', {}, clip(provider.model, 24)),
        el('td', {}, provider.api_key_set ? el('span', { title: provider.api_key || '' }, badge('yes', 'ok'), ' ', el('code', { text: provider.api_key || '' }))
          : el('span', { text: provider.type === 'offline' ? 'not needed' : 'no' })),
        el('td', {}, state ? badge(state, stateKind(state)) : el('span', { class: 'hint', text: 'not used yet' })),
        el('td', {}, prices ? el('span', { class: 'nowrap', text: prices }) : el('span', { class: 'hint', text: 'no price' })),
        el('td', { class: 'provider-actions' }, el('div', { class: 'row-actions' }, ...actions)));
    }

    function drawProviders() {
      pRows.replaceChildren(...providers.map(providerRow));
      if (!providers.length) pRows.append(el('tr', {}, el('td', { colspan: String(P_COLUMNS.length), class: 'hint', text: 'No providers.' })));
    }

    const findProviderRow = (name) => pRows.querySelector(`tr[data-provider="${CSS.escape(name)}"]`);
    const focusIn = (row, label) => {
      const target = row && ([...row.querySelectorAll('button')].find((b) => b.textContent === label) || row.querySelector('button'));
      if (target) target.focus();
    };

    async function loadProviders() {
      try {
        const [page, breakerPage] = await Promise.all([
          A.api('GET', '/api/admin/providers'),
          A.api('GET', '/api/admin/breakers').catch(() => null),
        ]);
        if (!alive()) return false;
        providers = kit.itemsOf(page);
        breakers = new Map(kit.itemsOf(breakerPage).map((b) => [b.name, b.state]));
        drawProviders();
        // The agents' "missing" marks follow the providers (unless an agent is being edited).
        if (agents.length && !aRows.querySelector('tr.detail')) drawAgents();
        return true;
      } catch (e) {
        if (!alive() || kit.is401(e)) return false;
        if (kit.is404(e)) {
          pRows.replaceChildren(el('tr', {}, el('td', { colspan: String(P_COLUMNS.length), class: 'hint', text: 'Providers are not available on this server yet.' })));
          addProvider.hidden = true;
          return false;
        }
        A.showError(pError, e);
        return false;
      }
    }

    // An inline editor row under a table row; pressing its button again closes it.
    function toggleEditorRow(button, columns, makeEditor, beforeOpen) {
      const row = button.closest('tr');
      const open = detailOf(row, 'edit');
      if (open) {
        open.remove();
        button.setAttribute('aria-expanded', 'false');
        return;
      }
      button.setAttribute('aria-expanded', 'true');
      if (beforeOpen) beforeOpen(row);
      let detail = null;
      const close = () => { detail.remove(); button.setAttribute('aria-expanded', 'false'); button.focus(); };
      const editor = makeEditor(close);
      detail = el('tr', { class: 'detail', 'data-kind': 'edit' }, el('td', { colspan: String(columns) }, editor.form));
      row.after(detail);
      editor.focus();
    }

    function toggleProviderEdit(provider, button) {
      toggleEditorRow(button, P_COLUMNS.length, (close) => providerForm(kit, provider, {
        existing: () => providers,
        onSaved: async (saved) => {
          await loadProviders();
          pStatus.textContent = `Provider ${saved.name} saved.`;
          focusIn(findProviderRow(saved.name), 'Edit');
        },
        onCancel: close,
      }));
    }

    async function testProvider(provider, button) {
      const row = button.closest('tr');
      let detail = detailOf(row, 'test');
      if (!detail) {
        detail = el('tr', { class: 'detail', 'data-kind': 'test' }, el('td', { colspan: String(P_COLUMNS.length) },
          el('div', { class: 'test-result', role: 'status', 'aria-live': 'polite' })));
        (detailOf(row, 'edit') || row).after(detail);
      }
      const out = detail.querySelector('.test-result');
      out.className = 'test-result';
      out.textContent = `Testing ${provider.name}…`;
      button.disabled = true;
      try {
        const result = await A.api('POST', `/api/admin/providers/${enc(provider.name)}/test`);
        const model = result.model ? ` (model ${result.model})` : '';
        if (result.ok) {
          const usage = result.usage ? `; ${result.usage.input_tokens ?? 0} tokens in, ${result.usage.output_tokens ?? 0} out` : '';
          out.className = 'test-result ok';
          out.dataset.ok = 'true';
          out.replaceChildren(badge('ok', 'ok'), ` ${provider.name}${model} answered in ${result.latency_ms} ms: `,
            el('q', { text: (result.reply || '').trim() || '(empty reply)' }), usage);
        } else {
          const why = result.error ? `${result.error.message || ''}${result.error.code ? ` (${result.error.code})` : ''}` : 'no reason given';
          out.className = 'test-result failed';
          out.dataset.ok = 'false';
          out.replaceChildren(badge('failed', 'bad'), ` ${provider.name}${model} failed after ${result.latency_ms} ms: `, el('span', { class: 'error-text', text: why }));
        }
      } catch (e) {
        if (kit.is401(e)) return;
        out.className = 'test-result failed';
        out.dataset.ok = 'false';
        out.replaceChildren(badge('failed', 'bad'), ` Could not test ${provider.name}: `, el('span', { class: 'error-text', text: A.errorLines(e).join(' ') }));
      } finally {
        button.disabled = false;
      }
    }

    async function deleteProvider(provider, button) {
      const users = agents.filter((a) => Array.isArray(a.provider) && a.provider.includes(provider.name)).map((a) => a.name);
      A.clearError(pError);
      pStatus.textContent = '';
      if (users.length) {
        A.showError(pError, new Error(`${provider.name} cannot be deleted: agent${users.length === 1 ? '' : 's'} ${users.join(', ')} still name${users.length === 1 ? 's' : ''} it. `
          + 'Edit them first.'));
        return;
      }
      if (!window.confirm(`Delete the provider ${provider.name}? Its settings and key are removed and its circuit breaker is forgotten.`)) return;
      button.disabled = true;
      try {
        await A.api('DELETE', `/api/admin/providers/${enc(provider.name)}`);
        await loadProviders();
        pStatus.textContent = `Provider ${provider.name} deleted.`;
        addProvider.focus();
      } catch (e) {
        button.disabled = false;
        if (kit.is401(e)) return;
        if (e instanceof A.ApiError && e.status === 409) {
          const named = e.details && e.details.agents ? String(e.details.agents).split(',').join(', ') : 'some agents';
          A.showError(pError, new Error(`${provider.name} cannot be deleted: ${named} still name it. Edit them first.`));
        } else {
          A.showError(pError, e);
        }
      }
    }

    addProvider.addEventListener('click', () => {
      if (!newProvider.hidden) {
        newProvider.hidden = true;
        addProvider.setAttribute('aria-expanded', 'false');
        return;
      }
      const close = () => { newProvider.hidden = true; newProvider.replaceChildren(); addProvider.setAttribute('aria-expanded', 'false'); };
      const editor = providerForm(kit, null, {
        existing: () => providers,
        onSaved: async (saved) => {
          close();
          await loadProviders();
          pStatus.textContent = `Provider ${saved.name} added.`;
          focusIn(findProviderRow(saved.name), 'Test connection');
        },
        onCancel: () => { close(); addProvider.focus(); },
      });
      newProvider.replaceChildren(el('h3', { text: 'New provider' }), editor.form);
      newProvider.hidden = false;
      addProvider.setAttribute('aria-expanded', 'true');
      editor.focus();
    });

    // ---- agent rows ----

    function agentRow(agent) {
      const list = Array.isArray(agent.provider) ? agent.provider : [];
      const known = new Set(providers.map((p) => p.name));
      const providerCell = list.length
        ? el('span', { class: 'provider-names' }, ...list.flatMap((name, index) => [index ? ', ' : null,
          known.has(name) || !providers.length ? el('code', { text: name })
            : el('span', { title: 'No provider of this name is configured' }, el('code', { text: name }), ' ', badge('missing', 'warn'))]).filter(Boolean))
        : el('span', { class: 'hint', text: 'offline (default)' });
      const what = agent.kind === 'pipeline'
        ? (agent.steps || []).map((s) => s.agent + (s.continue_on_error ? ' (continues on error)' : '')).join(' → ')
        : (agent.tools || []).join(', ');
      return el('tr', { 'data-agent': agent.name, 'data-version': String(agent.version ?? 0) },
        el('td', { class: 'name-cell' }, el('strong', { text: agent.name }), agent.description ? el('div', { class: 'hint', text: agent.description }) : null),
        el('td', { text: agent.kind }),
        el('td', {}, providerCell),
        el('td', {}, clip(agent.model, 24)),
        el('td', {}, what ? el('span', { class: 'tool-list', text: what }) : el('span', { class: 'hint', text: agent.kind === 'pipeline' ? '—' : 'no tools' })),
        el('td', { class: 'version' }, agent.version ? String(agent.version) : el('span', { title: 'Built-in: version 0' }, 'built-in')),
        el('td', {}, el('div', { class: 'row-actions' },
          el('button', { type: 'button', class: 'small', text: 'Edit', 'aria-label': `Edit agent ${agent.name}`, 'aria-expanded': 'false',
            onclick: (event) => toggleAgentEdit(agent, event.currentTarget) }))));
    }

    function drawAgents() {
      aRows.replaceChildren(...agents.map(agentRow));
      if (!agents.length) aRows.append(el('tr', {}, el('td', { colspan: String(A_COLUMNS.length), class: 'hint', text: 'No agents.' })));
    }

    async function loadAgents() {
      try {
        const page = await A.api('GET', '/api/admin/agents');
        if (!alive()) return;
        agents = kit.itemsOf(page);
        drawAgents();
      } catch (e) {
        if (!alive() || kit.is401(e)) return;
        if (kit.is404(e)) {
          aRows.replaceChildren(el('tr', {}, el('td', { colspan: String(A_COLUMNS.length), class: 'hint', text: 'Agents are not available on this server yet.' })));
          addAgent.hidden = true;
          return;
        }
        A.showError(aError, e);
      }
    }

    async function agentSaved(saved, before) {
      const index = agents.findIndex((a) => a.name === saved.name);
      if (index >= 0) agents[index] = saved;
      else agents = [...agents, saved].sort((a, b) => a.name.localeCompare(b.name));
      drawAgents();
      const was = before ? ` (was ${before.version ? `version ${before.version}` : 'built-in'})` : '';
      aStatus.textContent = `Agent ${saved.name} saved as version ${saved.version}${was}.`;
      focusIn(aRows.querySelector(`tr[data-agent="${CSS.escape(saved.name)}"]`), 'Edit');
    }

    function toggleAgentEdit(agent, button) {
      toggleEditorRow(button, A_COLUMNS.length, (close) => agentForm(kit, agent, {
        agents, providers,
        onSaved: agentSaved,
        onCancel: close,
      }), (row) => { A.clearError(aError); closeDetails(row); });
    }

    addAgent.addEventListener('click', () => {
      if (!newAgent.hidden) {
        newAgent.hidden = true;
        addAgent.setAttribute('aria-expanded', 'false');
        return;
      }
      const close = () => { newAgent.hidden = true; newAgent.replaceChildren(); addAgent.setAttribute('aria-expanded', 'false'); };
      const editor = agentForm(kit, null, {
        agents, providers,
        onSaved: async (saved) => { close(); await agentSaved(saved, null); },
        onCancel: () => { close(); addAgent.focus(); },
      });
      newAgent.replaceChildren(el('h3', { text: 'New agent' }), editor.form);
      newAgent.hidden = false;
      addAgent.setAttribute('aria-expanded', 'true');
      editor.focus();
    });

    await loadProviders();
    await loadAgents();
  }

  (window.CairnAdminPages = window.CairnAdminPages || {}).agents = { title: 'Providers & agents', render };
})();
