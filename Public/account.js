// The chat page's Account dialog: who you are, usage against your quota, changing the password,
// your sessions (sign out another device, or every other one) and your personal API keys
// (created with the key shown once, listed, revoked). A classic script loaded before app.js;
// app.js calls window.CairnAccount.signedIn(user) / signedOut().
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, el, enc, itemsOf } = window.CairnDOM;

  const when = (iso) => (iso ? new Date(iso).toLocaleString() : '');
  const FIELD_NAMES = {
    current_password: 'Current password', new_password: 'New password', name: 'Name',
    expires_in_days: 'Expiry (days)', scopes: 'Scope',
  };
  // "Current password is incorrect." rather than "current_password: is incorrect".
  function problemLines(error) {
    if (error instanceof A.ApiError && error.details && typeof error.details === 'object' && Object.keys(error.details).length) {
      return Object.entries(error.details).map(([field, problem]) =>
        `${FIELD_NAMES[field] || field} ${typeof problem === 'string' ? problem : JSON.stringify(problem)}.`);
    }
    return A.errorLines(error);
  }
  const showProblem = (box, error) => {
    box.replaceChildren(...problemLines(error).map((line) => el('div', { text: line })));
    box.hidden = false;
  };

  const button = $('account-button');
  let user = null;
  let view = null;

  function field(id, label, attrs = {}) {
    const input = el('input', { id, ...attrs });
    return [input, el('div', { class: 'field' }, el('label', { for: id, text: label }), input)];
  }

  function build() {
    const close = el('button', { type: 'button', class: 'small', text: 'Close' });
    const profile = el('dl', { class: 'kv' });
    const usage = el('dl', { class: 'kv', id: 'account-usage' });

    const [current, currentField] = field('account-current-password', 'Current password', { type: 'password', autocomplete: 'current-password', required: true });
    const [fresh, freshField] = field('account-new-password', 'New password', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
    const [again, againField] = field('account-new-password-again', 'New password again', { type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
    const passwordError = el('div', { class: 'error', role: 'alert', hidden: true });
    const passwordStatus = el('p', { class: 'status', role: 'status' });
    const passwordForm = el('form', { class: 'account-form', 'aria-labelledby': 'account-security-title' }, passwordError, passwordStatus,
      currentField, freshField, againField,
      el('p', { class: 'hint', text: 'At least 10 characters. Your other sessions are signed out; this one stays.' }),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', text: 'Change password' })));

    const sessions = el('ul', { class: 'account-list', 'aria-label': 'Your sessions' });
    const sessionsStatus = el('p', { class: 'status', role: 'status' });
    const othersOut = el('button', { type: 'button', text: 'Sign out everywhere else' });

    const [keyName, keyNameField] = field('account-key-name', 'Key name', { maxlength: '100', required: true, placeholder: 'e.g. laptop script' });
    const [keyDays, keyDaysField] = field('account-key-days', 'Expires after (days)', { type: 'number', min: '1', max: '3650', placeholder: 'never' });
    const keyScope = el('select', { id: 'account-key-scope' },
      el('option', { value: 'chat', text: 'chat: threads, runs, search' }), el('option', { value: 'read', text: 'read: only reading' }));
    const keyError = el('div', { class: 'error', role: 'alert', hidden: true });
    const keyForm = el('form', { class: 'account-form key-form', 'aria-labelledby': 'account-new-key-title' },
      el('h3', { id: 'account-new-key-title', text: 'New API key' }), keyError,
      el('div', { class: 'key-fields' }, keyNameField, keyDaysField,
        el('div', { class: 'field' }, el('label', { for: 'account-key-scope', text: 'Scope' }), keyScope)),
      el('div', { class: 'actions' }, el('button', { type: 'submit', class: 'primary', text: 'Create key' })));
    const newKey = el('div', { class: 'new-key notice', hidden: true, role: 'region', 'aria-label': 'New API key, shown once' });
    const keys = el('ul', { class: 'account-list', 'aria-label': 'Your API keys' });
    const keysStatus = el('p', { class: 'status', role: 'status' });

    const section = (id, title, ...children) => el('section', { class: 'account-section', 'aria-labelledby': id },
      el('h2', { id, text: title }), ...children);
    const dialog = el('dialog', { id: 'account-dialog', class: 'account-dialog', 'aria-labelledby': 'account-title' },
      el('div', { class: 'account-head' }, el('h1', { id: 'account-title', text: 'Account' }), close),
      section('account-profile-title', 'You', profile),
      section('account-usage-title', 'Usage', usage),
      section('account-security-title', 'Change password', passwordForm),
      section('account-sessions-title', 'Sessions', sessionsStatus, sessions, el('div', { class: 'actions' }, othersOut)),
      section('account-keys-title', 'API keys',
        el('p', { class: 'hint', text: 'A key lets a program use Cairn as you (a Bearer token). "read" keys can only read.' }),
        keyForm, newKey, keysStatus, keys));
    document.body.append(dialog);

    view = { dialog, close, profile, usage, passwordForm, passwordError, passwordStatus, current, fresh, again,
      sessions, sessionsStatus, othersOut, keyForm, keyName, keyDays, keyScope, keyError, newKey, keys, keysStatus };
    close.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      newKey.replaceChildren(); // the key is shown once: gone when the dialog closes
      newKey.hidden = true;
      if (button && !button.hidden) button.focus();
    });
    passwordForm.addEventListener('submit', changePassword);
    othersOut.addEventListener('click', signOutOthers);
    keyForm.addEventListener('submit', createKey);
    return view;
  }

  async function open() {
    const v = view || build();
    A.clearError(v.passwordError);
    A.clearError(v.keyError);
    v.passwordStatus.textContent = '';
    if (!v.dialog.open) v.dialog.showModal();
    v.close.focus();
    await Promise.all([loadMe(), loadSessions(), loadKeys()]);
  }

  // ---- you and your usage ----

  async function loadMe() {
    try {
      const me = await A.api('GET', '/api/auth/me');
      user = me;
      view.profile.replaceChildren(
        el('dt', { text: 'Name' }), el('dd', { text: me.name || '—' }),
        el('dt', { text: 'Email' }), el('dd', { text: me.email || '' }),
        el('dt', { text: 'Role' }), el('dd', { text: me.role || 'user' }));
      const used = me.usage || {};
      const quota = me.quota || {};
      const line = (label, value, limit) => [el('dt', { text: label }),
        el('dd', { text: `${Number(value || 0).toLocaleString()} ${limit ? `of ${Number(limit).toLocaleString()}` : '(no limit)'}` })];
      view.usage.replaceChildren(
        ...line('Runs today', used.runs_today, quota.runs_per_day),
        ...line('Tokens today', used.tokens_today, quota.tokens_per_day),
        ...line('Tokens this month', used.tokens_month, quota.tokens_per_month));
    } catch (error) {
      view.usage.replaceChildren(el('dd', { class: 'error-text', text: A.errorLines(error).join(' ') }));
    }
  }

  // ---- password ----

  async function changePassword(event) {
    event.preventDefault();
    const v = view;
    A.clearError(v.passwordError);
    v.passwordStatus.textContent = '';
    if (v.fresh.value !== v.again.value) {
      A.showError(v.passwordError, new Error('The two new passwords differ. Type the same password twice.'));
      v.again.focus();
      return;
    }
    const submit = v.passwordForm.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      await A.api('POST', '/api/auth/password', { current_password: v.current.value, new_password: v.fresh.value });
      v.passwordForm.reset();
      v.passwordStatus.textContent = 'Password changed. Your other sessions were signed out; this one stays signed in.';
      loadSessions();
    } catch (error) {
      showProblem(v.passwordError, error);
    } finally {
      submit.disabled = false;
    }
  }

  // ---- sessions ----

  async function loadSessions() {
    const v = view;
    try {
      const items = itemsOf(await A.api('GET', '/api/auth/sessions'));
      v.sessions.replaceChildren(...items.map((session) => {
        const end = session.current ? null : el('button', { type: 'button', class: 'small danger', text: 'Sign out this device' });
        if (end) end.addEventListener('click', () => endSession(session, end));
        return el('li', { class: 'account-item', 'data-id': session.id },
          el('div', { class: 'item-main' },
            el('strong', { text: session.current ? 'This device' : (session.ip ? `Signed in from ${session.ip}` : 'Another device') }),
            el('span', { class: 'hint clip-line', text: session.user_agent || 'unknown browser', title: session.user_agent || null }),
            el('span', { class: 'hint', text: `Signed in ${when(session.created_at)} · last used ${when(session.last_used_at)}` })),
          end);
      }));
      v.othersOut.disabled = !items.some((session) => !session.current);
      v.sessionsStatus.textContent = `${items.length} live session${items.length === 1 ? '' : 's'}.`;
    } catch (error) {
      v.sessionsStatus.textContent = A.errorLines(error).join(' ');
    }
  }

  async function endSession(session, control) {
    control.disabled = true;
    try {
      await A.api('DELETE', `/api/auth/sessions/${enc(session.id)}`);
      view.sessionsStatus.textContent = 'That device is signed out.';
    } catch (error) {
      control.disabled = false;
      view.sessionsStatus.textContent = A.errorLines(error).join(' ');
      return;
    }
    await loadSessions();
    view.sessionsStatus.textContent = `That device is signed out. ${view.sessionsStatus.textContent}`;
  }

  async function signOutOthers() {
    const v = view;
    v.othersOut.disabled = true;
    try {
      const others = itemsOf(await A.api('GET', '/api/auth/sessions')).filter((session) => !session.current);
      for (const session of others) await A.api('DELETE', `/api/auth/sessions/${enc(session.id)}`);
      await loadSessions();
      v.sessionsStatus.textContent = `Signed out ${others.length} other session${others.length === 1 ? '' : 's'}. ${v.sessionsStatus.textContent}`;
    } catch (error) {
      v.sessionsStatus.textContent = A.errorLines(error).join(' ');
      v.othersOut.disabled = false;
    }
  }

  // ---- API keys ----

  async function loadKeys() {
    const v = view;
    try {
      const items = itemsOf(await A.api('GET', '/api/keys'));
      v.keys.replaceChildren(...items.map((key) => {
        const revoke = el('button', { type: 'button', class: 'small danger', text: 'Revoke', 'aria-label': `Revoke key "${key.name}"` });
        revoke.addEventListener('click', () => revokeKey(key, revoke));
        const scopes = (key.scopes || []).join(', ') || 'chat';
        return el('li', { class: 'account-item', 'data-id': key.id },
          el('div', { class: 'item-main' },
            el('strong', { text: key.name }),
            el('span', { class: 'hint' }, el('code', { text: `${key.prefix}…` }), ` · ${scopes}`),
            el('span', { class: 'hint', text: `Created ${when(key.created_at)} · ${key.expires_at ? `expires ${when(key.expires_at)}` : 'never expires'} · ${key.last_used_at ? `last used ${when(key.last_used_at)}` : 'never used'}` })),
          revoke);
      }));
      v.keysStatus.textContent = items.length ? `${items.length} key${items.length === 1 ? '' : 's'}.` : 'No API keys yet.';
    } catch (error) {
      v.keysStatus.textContent = A.errorLines(error).join(' ');
    }
  }

  async function createKey(event) {
    event.preventDefault();
    const v = view;
    A.clearError(v.keyError);
    const body = { name: v.keyName.value.trim(), scopes: [v.keyScope.value] };
    if (v.keyDays.value) body.expires_in_days = Number(v.keyDays.value);
    const submit = v.keyForm.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      const created = await A.api('POST', '/api/keys', body);
      v.keyForm.reset();
      showNewKey(created);
      await loadKeys();
    } catch (error) {
      showProblem(v.keyError, error);
    } finally {
      submit.disabled = false;
    }
  }

  // The secret is in this box only until Done or the dialog closes; the server keeps a digest.
  function showNewKey(created) {
    const v = view;
    const value = el('input', { id: 'account-new-key', readonly: true, value: created.key, class: 'key-value', spellcheck: 'false' });
    const copy = el('button', { type: 'button', class: 'primary', text: 'Copy' });
    const done = el('button', { type: 'button', text: 'Done' });
    const copied = el('span', { class: 'hint', role: 'status' });
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(created.key);
        copied.textContent = 'Copied.';
      } catch {
        value.select();
        copied.textContent = document.execCommand && document.execCommand('copy') ? 'Copied.' : 'Select the key and copy it by hand.';
      }
    });
    done.addEventListener('click', () => {
      v.newKey.replaceChildren();
      v.newKey.hidden = true;
      v.keyName.focus();
    });
    v.newKey.replaceChildren(
      el('p', {}, el('strong', { text: `Key "${created.name}" created. Copy it now: you will not see it again.` })),
      el('label', { for: 'account-new-key', text: 'Your new API key' }),
      el('div', { class: 'inline-field' }, value, copy, done), copied);
    v.newKey.hidden = false;
    value.focus();
    value.select();
  }

  async function revokeKey(key, control) {
    if (!window.confirm(`Revoke the API key "${key.name}"? Programs using it stop working at once.`)) return;
    control.disabled = true;
    try {
      await A.api('DELETE', `/api/keys/${enc(key.id)}`);
      await loadKeys();
      view.keysStatus.textContent = `Key "${key.name}" revoked. ${view.keysStatus.textContent}`;
    } catch (error) {
      control.disabled = false;
      view.keysStatus.textContent = A.errorLines(error).join(' ');
    }
  }

  // ---- shown while signed in ----

  if (button) button.addEventListener('click', open);
  function signedOut() {
    user = null;
    if (button) button.hidden = true;
    if (view) {
      if (view.dialog.open) view.dialog.close();
      view.dialog.remove(); // its labels and any key shown go with it
      view = null;
    }
  }
  A.onSignedOut(signedOut);

  window.CairnAccount = Object.freeze({
    signedIn(who) {
      user = who || null;
      if (button) button.hidden = false;
    },
    signedOut,
    open,
    user: () => user,
  });
})();
