// The console's "Sign-in providers" panel on the Configuration page (OpenID Connect, Google,
// GitHub, /api/admin/auth-providers): the list with the callback URL to register, add, edit and
// delete. A classic script loaded before admin/settings.js; it exposes
// window.CairnAdminSignInProviders.
(() => {
  'use strict';

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

  window.CairnAdminSignInProviders = Object.freeze({ providersPanel });
})();
