// The console's "Agents" section (Providers & agents): the model providers (type, base URL,
// model, whether a key is set, breaker state, prices) with Edit, Test connection, Delete and Add
// (/api/admin/providers), and the agent definitions with Edit and Add (/api/admin/agents; every
// save is a new version). A 422 is shown beside the field it names. admin.js calls `render`
// with its shared helpers.
(() => {
  'use strict';

  const TYPE_NAMES = { openai: 'OpenAI-compatible', anthropic: 'Anthropic', offline: 'Offline (built-in model)' };
  const SHORT_TYPE = { openai: 'OpenAI-compatible', anthropic: 'Anthropic', offline: 'Offline' };
  const DEFAULT_BASE = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' };
  const TOOLS = ['calculator', 'current_time', 'search_messages', 'remember', 'recall', 'http_get'];
  const PROVIDER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;
  const AGENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
  let formCount = 0;

  const money = (value) => (typeof value === 'number' ? `$${value}` : null);
  const names = (text) => text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean);

  // One form's fields: each has a label, an optional hint and a slot for the server's reason
  // (422 `details` are keyed by the API's field names, e.g. `options.chunk_delay_ms`).
  function fieldSet(kit, prefix) {
    const { A, el } = kit;
    const id = `${prefix}${++formCount}`;
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

  // ---- providers ----

  // The form for a new provider (provider = null) or an existing one.
  function providerForm(kit, provider, { existing, onSaved, onCancel }) {
    const { A, el, enc } = kit;
    const f = fieldSet(kit, 'pf');
    const options = (provider && kit.isObject(provider.options)) ? provider.options : {};
    const num = (attrs, value) => el('input', { type: 'number', inputmode: 'numeric', ...attrs, value: value ?? '' });
    const inputs = {
      name: el('input', { required: true, maxlength: '64', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. openai-main' }),
      type: el('select', {}, ...Object.entries(TYPE_NAMES).map(([value, text]) => el('option', { value, text }))),
      base_url: el('input', { type: 'url', autocomplete: 'off', spellcheck: 'false', value: (provider && provider.base_url) || '' }),
      api_key: el('input', { type: 'password', autocomplete: 'new-password', spellcheck: 'false',
        placeholder: provider && provider.api_key_set ? `leave empty to keep ${provider.api_key || ''}`.trim() : '' }),
      model: el('input', { autocomplete: 'off', spellcheck: 'false', maxlength: '200', value: (provider && provider.model) || '', placeholder: 'e.g. gpt-4o-mini' }),
      timeout_ms: num({ min: '100', max: '600000', step: '100', placeholder: '60000' }, provider ? provider.timeout_ms : ''),
      max_retries: num({ min: '0', max: '10', step: '1', placeholder: '2' }, provider ? provider.max_retries : ''),
      chunk_delay_ms: num({ min: '0', max: '60000', step: '1', placeholder: '15' }, options.chunk_delay_ms),
      include_usage: el('select', {}, el('option', { value: 'true', text: 'Yes (stream_options.include_usage)' }), el('option', { value: 'false', text: 'No (the server rejects stream_options)' })),
      headers: el('textarea', { rows: '2', spellcheck: 'false', placeholder: 'api-key: …' }),
      max_tokens: num({ min: '1', max: '1000000', step: '1', placeholder: '4096' }, options.max_tokens),
      price_in: el('input', { type: 'number', inputmode: 'decimal', min: '0', max: '1000', step: 'any', placeholder: 'none', value: options.price_per_1k_input ?? '' }),
      price_out: el('input', { type: 'number', inputmode: 'decimal', min: '0', max: '1000', step: 'any', placeholder: 'none', value: options.price_per_1k_output ?? '' }),
    };
    inputs.type.value = provider ? provider.type : 'openai';
    inputs.include_usage.value = options.include_usage === false ? 'false' : 'true';
    inputs.headers.value = kit.isObject(options.headers) ? Object.entries(options.headers).map(([k, v]) => `${k}: ${v}`).join('\n') : '';
    const clearKey = el('input', { type: 'checkbox' });
    const baseHint = document.createTextNode('');
    const remote = ['openai', 'anthropic'];

    const title = provider ? `Edit provider ${provider.name}` : 'New provider';
    const save = el('button', { type: 'submit', class: 'primary', text: provider ? 'Save provider' : 'Create provider' });
    const cancel = el('button', { type: 'button', text: 'Cancel' });
    const form = el('form', { class: 'edit-form', 'aria-label': title, novalidate: true, 'data-provider-form': provider ? provider.name : '' },
      provider ? null : f.field('name', 'Provider name', inputs.name, { hint: 'Letters, digits, _ - and . (at most 64). Agents name it in their provider list.' }),
      f.field('type', 'Type', inputs.type),
      f.field('base_url', 'Base URL', inputs.base_url, { hint: baseHint, types: remote, wide: true }),
      f.field('api_key', 'API key', inputs.api_key, {
        hint: provider && provider.api_key_set ? 'Write-only: leave empty to keep the stored key. It must be entered again when the base URL points to another host.'
          : 'Write-only: it is never shown again.',
        types: remote,
      }),
      f.field('model', 'Model', inputs.model, { hint: 'The default model; an agent may name another.', types: remote }),
      f.field('timeout_ms', 'Timeout (ms)', inputs.timeout_ms, { hint: 'Longest silence tolerated: 100 to 600000 (default 60000).' }),
      f.field('max_retries', 'Max retries', inputs.max_retries, { hint: '0 to 10 (default 2).' }),
      f.field('options.chunk_delay_ms', 'Chunk delay (ms)', inputs.chunk_delay_ms, { hint: 'Wait before each streamed word: 0 to 60000 (default 15).', types: ['offline'] }),
      f.field('options.include_usage', 'Ask for usage', inputs.include_usage, { types: ['openai'] }),
      f.field('options.max_tokens', 'Max tokens', inputs.max_tokens, { hint: 'When a request names none: 1 to 1000000 (default 4096).', types: ['anthropic'] }),
      f.field('options.price_per_1k_input', 'Price per 1k input tokens (USD)', inputs.price_in, { hint: 'For the cost estimate in Usage; 0 to 1000.' }),
      f.field('options.price_per_1k_output', 'Price per 1k output tokens (USD)', inputs.price_out),
      f.field('options.headers', 'Extra headers', inputs.headers, { hint: 'One "Name: value" per line, e.g. api-key: … for an Azure-style gateway.', types: ['openai'], wide: true }),
      provider && provider.api_key_set
        ? el('label', { class: 'checkbox wide-row', 'data-types': remote.join(' ') }, clearKey, ` Remove the stored key (${provider.api_key || 'set'})`) : null,
      f.error,
      el('div', { class: 'actions' }, save, cancel));

    function typeChanged() {
      const type = inputs.type.value;
      for (const node of form.querySelectorAll('[data-types]')) node.hidden = !node.dataset.types.split(' ').includes(type);
      baseHint.textContent = `Empty: ${DEFAULT_BASE[type] || 'the vendor default'}. ${type === 'openai'
        ? 'The part before /chat/completions (also Ollama, vLLM, LM Studio, OpenRouter).' : 'The part before /v1/messages.'}`;
    }
    inputs.type.addEventListener('change', typeChanged);
    typeChanged();

    function number(key, input, body, target = key) {
      const raw = input.value.trim();
      if (raw === '') return true;
      const value = Number(raw);
      if (!Number.isFinite(value) || input.validity.badInput) {
        f.problem(key, 'enter a number');
        return false;
      }
      body[target] = value;
      return true;
    }

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      f.clear();
      const type = inputs.type.value;
      const name = provider ? provider.name : inputs.name.value.trim();
      if (!provider) {
        if (!PROVIDER_NAME.test(name)) {
          f.problem('name', 'use 1 to 64 letters, digits, _, - or .');
          inputs.name.focus();
          return;
        }
        if (existing().some((p) => p.name === name && !p.builtin)) {
          f.problem('name', `a provider named ${name} exists already: use its Edit button`);
          inputs.name.focus();
          return;
        }
      }
      const body = { type };
      const opts = {};
      let ok = true;
      if (remote.includes(type)) {
        if (inputs.base_url.value.trim()) body.base_url = inputs.base_url.value.trim();
        if (inputs.model.value.trim()) body.model = inputs.model.value.trim();
        if (clearKey.checked) body.api_key = '';
        else if (inputs.api_key.value) body.api_key = inputs.api_key.value;
      }
      ok = number('timeout_ms', inputs.timeout_ms, body) && ok;
      ok = number('max_retries', inputs.max_retries, body) && ok;
      ok = number('options.price_per_1k_input', inputs.price_in, opts, 'price_per_1k_input') && ok;
      ok = number('options.price_per_1k_output', inputs.price_out, opts, 'price_per_1k_output') && ok;
      if (type === 'offline') ok = number('options.chunk_delay_ms', inputs.chunk_delay_ms, opts, 'chunk_delay_ms') && ok;
      if (type === 'anthropic') ok = number('options.max_tokens', inputs.max_tokens, opts, 'max_tokens') && ok;
      if (type === 'openai') {
        if (inputs.include_usage.value === 'false' || 'include_usage' in options) opts.include_usage = inputs.include_usage.value === 'true';
        const headers = {};
        for (const line of inputs.headers.value.split('\n').map((l) => l.trim()).filter(Boolean)) {
          const colon = line.indexOf(':');
          if (colon < 1) {
            f.problem('options.headers', `"${line.slice(0, 40)}" is not "Name: value"`);
            ok = false;
            break;
          }
          headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
        }
        if (Object.keys(headers).length) opts.headers = headers;
      }
      if (!ok) {
        const bad = form.querySelector('[aria-invalid="true"]');
        if (bad) bad.focus();
        return;
      }
      body.options = opts;
      save.disabled = true;
      try {
        const saved = await A.api('PUT', `/api/admin/providers/${enc(name)}`, body);
        await onSaved(saved, Boolean(provider));
      } catch (e) {
        if (!kit.is401(e)) f.refused(e);
      } finally {
        save.disabled = false;
      }
    });
    cancel.addEventListener('click', onCancel);
    return { form, focus: () => (provider ? inputs.type : inputs.name).focus() };
  }

  // ---- agents ----

  function agentForm(kit, agent, { agents, providers, onSaved, onCancel }) {
    const { A, el, enc } = kit;
    const f = fieldSet(kit, 'af');
    const inputs = {
      name: el('input', { required: true, maxlength: '64', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. researcher' }),
      description: el('input', { required: true, maxlength: '2000', autocomplete: 'off', value: (agent && agent.description) || '' }),
      kind: el('select', {}, el('option', { value: 'chat', text: 'Chat (model with tools)' }), el('option', { value: 'pipeline', text: 'Pipeline (steps in order)' })),
      system_prompt: el('textarea', { rows: '6' }),
      provider: el('input', { autocomplete: 'off', spellcheck: 'false', value: agent && Array.isArray(agent.provider) ? agent.provider.join(', ') : '', placeholder: 'offline' }),
      model: el('input', { autocomplete: 'off', spellcheck: 'false', maxlength: '200', value: (agent && agent.model) || '', placeholder: 'the provider\u2019s default' }),
      max_steps: el('input', { type: 'number', inputmode: 'numeric', min: '1', max: '50', step: '1', placeholder: '6', value: agent && agent.max_steps != null ? agent.max_steps : '' }),
      temperature: el('input', { type: 'number', inputmode: 'decimal', min: '0', max: '2', step: '0.1', placeholder: 'the model\u2019s default', value: agent && agent.temperature != null ? agent.temperature : '' }),
    };
    inputs.kind.value = agent ? agent.kind : 'chat';
    inputs.system_prompt.value = (agent && agent.system_prompt) || '';
    const had = new Set((agent && agent.tools) || []);
    const toolNames = [...TOOLS, ...[...had].filter((t) => !TOOLS.includes(t))];
    const toolBoxes = toolNames.map((tool) => el('input', { type: 'checkbox', value: tool, id: `${f.id}-tool-${tool}`, checked: had.has(tool) }));
    const tools = el('div', { class: 'checks' }, ...toolBoxes.map((box) => el('label', { class: 'checkbox', for: box.id }, box, ` ${box.value}`)));

    // Pipeline steps: one row per step (agent, continue on error, remove).
    const stepList = el('ol', { class: 'step-list' });
    const choices = agents.filter((a) => !agent || a.name !== agent.name).map((a) => a.name);
    function stepRow(step) {
      const n = stepList.children.length + 1;
      const select = el('select', { id: `${f.id}-step-${n}-${formCount++}` }, ...choices.map((name) => el('option', { value: name, text: name })));
      if (step && step.agent) {
        if (!choices.includes(step.agent)) select.append(el('option', { value: step.agent, text: step.agent }));
        select.value = step.agent;
      }
      const keepOn = el('input', { type: 'checkbox', id: `${select.id}-coe`, checked: Boolean(step && step.continue_on_error) });
      const li = el('li', { class: 'step-row' });
      const label = el('label', { for: select.id, class: 'visually-hidden' });
      const remove = el('button', { type: 'button', class: 'small danger', text: 'Remove', onclick: () => { li.remove(); numberSteps(); } });
      li.append(label, select, el('label', { class: 'checkbox', for: keepOn.id }, keepOn, ' continue on error'), remove);
      stepList.append(li);
      numberSteps();
    }
    function numberSteps() {
      [...stepList.children].forEach((li, index) => {
        li.querySelector('label.visually-hidden').textContent = `Step ${index + 1} agent`;
        li.querySelector('button').setAttribute('aria-label', `Remove step ${index + 1}`);
      });
    }
    for (const step of (agent && agent.steps) || []) stepRow(step);
    const addStep = el('button', { type: 'button', class: 'small', text: 'Add step', onclick: () => { stepRow(null); stepList.lastElementChild.querySelector('select').focus(); } });

    const configured = providers.map((p) => p.name);
    const title = agent ? `Edit agent ${agent.name}` : 'New agent';
    const save = el('button', { type: 'submit', class: 'primary', text: agent ? 'Save agent' : 'Create agent' });
    const cancel = el('button', { type: 'button', text: 'Cancel' });
    const form = el('form', { class: 'edit-form', 'aria-label': title, novalidate: true, 'data-agent-form': agent ? agent.name : '' },
      agent ? null : f.field('name', 'Agent name', inputs.name, { hint: 'Letters, digits, _ and - (at most 64). It cannot be changed later.' }),
      f.field('kind', 'Kind', inputs.kind),
      f.field('description', 'Description', inputs.description, { wide: true }),
      f.field('system_prompt', 'System prompt', inputs.system_prompt, { wide: true, types: ['chat'] }),
      f.field('provider', 'Providers', inputs.provider, { hint: `Names in order of preference, separated by commas; empty means offline. Configured: ${configured.join(', ') || 'offline'}.` }),
      f.field('model', 'Model', inputs.model, { hint: 'Sent to the first provider only.' }),
      f.field('max_steps', 'Max steps', inputs.max_steps, { hint: 'Model calls per run: 1 to 50.', types: ['chat'] }),
      f.field('temperature', 'Temperature', inputs.temperature, { hint: '0 to 2.', types: ['chat'] }),
      f.group('tools', 'Tools', tools, { types: ['chat'] }),
      f.group('steps', 'Steps', el('div', {}, stepList, addStep), { hint: 'Run in order; each gets the request and the earlier steps\u2019 outputs.', types: ['pipeline'] }),
      f.error,
      el('div', { class: 'actions' }, save, cancel));

    function kindChanged() {
      for (const node of form.querySelectorAll('[data-types]')) node.hidden = !node.dataset.types.split(' ').includes(inputs.kind.value);
      if (inputs.kind.value === 'pipeline' && !stepList.children.length && choices.length) stepRow(null);
    }
    inputs.kind.addEventListener('change', kindChanged);
    kindChanged();

    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      f.clear();
      const name = agent ? agent.name : inputs.name.value.trim();
      if (!agent) {
        if (!AGENT_NAME.test(name)) {
          f.problem('name', 'use 1 to 64 letters, digits, _ or -');
          inputs.name.focus();
          return;
        }
        if (agents.some((a) => a.name === name)) {
          f.problem('name', `an agent named ${name} exists already: use its Edit button`);
          inputs.name.focus();
          return;
        }
      }
      const kind = inputs.kind.value;
      const body = { description: inputs.description.value.trim(), kind };
      if (!body.description) {
        f.problem('description', 'is required');
        inputs.description.focus();
        return;
      }
      const chosen = names(inputs.provider.value);
      if (chosen.length) body.provider = chosen;
      if (inputs.model.value.trim()) body.model = inputs.model.value.trim();
      if (kind === 'chat') {
        if (inputs.system_prompt.value.trim()) body.system_prompt = inputs.system_prompt.value;
        // The tools the agent had keep their order; newly ticked ones follow.
        const ticked = toolBoxes.filter((box) => box.checked).map((box) => box.value);
        body.tools = [...((agent && agent.tools) || []).filter((t) => ticked.includes(t)), ...ticked.filter((t) => !had.has(t))];
        for (const key of ['max_steps', 'temperature']) {
          const raw = inputs[key].value.trim();
          if (!raw) continue;
          if (!Number.isFinite(Number(raw)) || inputs[key].validity.badInput) {
            f.problem(key, 'enter a number');
            inputs[key].focus();
            return;
          }
          body[key] = Number(raw);
        }
      } else {
        body.steps = [...stepList.children].map((li) => {
          const step = { agent: li.querySelector('select').value };
          if (li.querySelector('input[type="checkbox"]').checked) step.continue_on_error = true;
          return step;
        });
      }
      save.disabled = true;
      try {
        const saved = await A.api('PUT', `/api/admin/agents/${enc(name)}`, body);
        await onSaved(saved, agent);
      } catch (e) {
        if (!kit.is401(e)) f.refused(e);
      } finally {
        save.disabled = false;
      }
    });
    cancel.addEventListener('click', onCancel);
    return { form, focus: () => (agent ? inputs.description : inputs.name).focus() };
  }

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
