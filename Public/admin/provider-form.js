// The console's provider form (Providers & agents): a new provider or an existing one's settings,
// saved with PUT /api/admin/providers/<name>; a 422 is shown beside the field it names. A classic
// script loaded before admin/agents.js; it exposes window.CairnAdminProviderForm.
(() => {
  'use strict';

  const { fieldSet } = window.CairnAdminFields;
  const TYPE_NAMES = { openai: 'OpenAI-compatible', anthropic: 'Anthropic', offline: 'Offline (built-in model)' };
  const SHORT_TYPE = { openai: 'OpenAI-compatible', anthropic: 'Anthropic', offline: 'Offline' };
  const DEFAULT_BASE = { openai: 'https://api.openai.com/v1', anthropic: 'https://api.anthropic.com' };
  const PROVIDER_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

  const money = (value) => (typeof value === 'number' ? `$${value}` : null);

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

  window.CairnAdminProviderForm = Object.freeze({ providerForm, SHORT_TYPE, DEFAULT_BASE, money });
})();
