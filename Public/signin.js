// The chat page's signed-out views: sign-in and registration (one form, so each label names
// exactly one field), the "Sign in with <provider>" buttons, and choosing a new password from an
// administrator's one-time link (/#reset=<token>). A classic script loaded before app.js; app.js
// creates it with window.CairnSignIn.create(hooks).
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, el } = window.CairnDOM;
  const PENDING = 'Thanks! Your account is pending approval by an administrator. You can sign in once it is approved.';
  const CLOSED = 'Registration is closed on this server. Ask an administrator to create your account.';

  // hooks: { signedIn(user), restart(message), hideChat() }
  function create(hooks) {
    const ui = {
      signinView: $('signin-view'), form: $('signin-form'), title: $('signin-title'),
      status: $('signin-status'), error: $('signin-error'), nameField: $('name-field'),
      name: $('name'), email: $('email'), password: $('password'), passwordHint: $('password-hint'),
      signIn: $('signin-button'), create: $('create-button'), providers: $('signin-providers'),
    };

    function show(message) {
      ui.signinView.hidden = false;
      ui.status.textContent = message || '';
      A.clearError(ui.error);
      setMode('signin');
      A.showSignInProviders(ui.providers, '/', providerList);
      ui.email.focus();
    }

    function hide() {
      ui.signinView.hidden = true;
      ui.status.textContent = '';
      ui.password.value = '';
    }

    // "Sign in with <provider>" buttons, below the password form (hidden when there are none).
    const providerList = el('div', { class: 'provider-list' });
    ui.providers.append(providerList);

    // ---- sign-in and registration share one form ----

    let mode = 'signin';
    function setMode(next) {
      mode = next;
      const register = next === 'register';
      ui.nameField.hidden = !register;
      ui.passwordHint.hidden = !register;
      ui.title.textContent = register ? 'Create a Cairn account' : 'Sign in to Cairn';
      // The default button (what Enter presses) is the one action the mode is about.
      ui.signIn.type = register ? 'button' : 'submit';
      ui.create.type = register ? 'submit' : 'button';
      ui.signIn.classList.toggle('primary', !register);
      ui.create.classList.toggle('primary', register);
      ui.password.autocomplete = register ? 'new-password' : 'current-password';
    }

    ui.create.addEventListener('click', (event) => {
      if (mode === 'register') return; // it is the submit button now
      event.preventDefault();
      setMode('register');
      A.clearError(ui.error);
      ui.status.textContent = '';
      ui.name.focus();
    });

    ui.signIn.addEventListener('click', (event) => {
      if (mode === 'signin') return;
      event.preventDefault();
      setMode('signin');
      ui.form.requestSubmit(ui.signIn);
    });

    ui.form.addEventListener('submit', async (event) => {
      event.preventDefault();
      A.clearError(ui.error);
      ui.status.textContent = '';
      ui.signIn.disabled = ui.create.disabled = true;
      const email = ui.email.value.trim();
      try {
        if (mode === 'register') {
          const result = await A.register(email, ui.password.value, ui.name.value.trim());
          if (result.pending) {
            setMode('signin');
            ui.password.value = '';
            ui.status.textContent = PENDING;
          } else {
            hooks.signedIn(result.user);
          }
        } else {
          hooks.signedIn(await A.login(email, ui.password.value));
        }
      } catch (error) {
        if (mode === 'register' && error instanceof A.ApiError && error.status === 403) A.showError(ui.error, new Error(CLOSED));
        else A.showError(ui.error, error);
      } finally {
        ui.signIn.disabled = ui.create.disabled = false;
      }
    });

    // ---- password reset from an administrator's one-time link (/#reset=<token>) ----

    // Built only when a link is opened, so the sign-in form's labels stay unique on the page.
    let reset = null;
    function resetView() {
      if (reset) return reset;
      const field = (id, label) => {
        const input = el('input', { id, type: 'password', autocomplete: 'new-password', minlength: '10', required: true });
        return [input, el('div', { class: 'field' }, el('label', { for: id, text: label }), input)];
      };
      const [password, passwordField] = field('new-password', 'New password');
      const [again, againField] = field('new-password-again', 'New password again');
      const error = el('div', { class: 'error', role: 'alert', hidden: true });
      const button = el('button', { type: 'submit', class: 'primary', text: 'Set password' });
      const cancel = el('button', { type: 'button', text: 'Cancel' });
      const form = el('form', { class: 'card', 'aria-labelledby': 'reset-title' },
        el('h1', { id: 'reset-title', text: 'Choose a new password' }), error, passwordField, againField,
        el('p', { class: 'hint', text: 'At least 10 characters. Every session of the account is signed out.' }),
        el('div', { class: 'actions' }, button, cancel));
      const view = el('main', { id: 'reset-view', class: 'auth-view', hidden: true }, form);
      ui.signinView.after(view);
      reset = { view, form, error, password, again, button, cancel, token: null };
      form.addEventListener('submit', submitReset);
      cancel.addEventListener('click', () => leaveReset());
      return reset;
    }

    // The token leaves the address bar (and the history) at once; the page keeps it in memory.
    function takeResetToken() {
      const match = /^#reset=([^&]+)/.exec(location.hash);
      if (!match) return null;
      history.replaceState(null, '', location.pathname + location.search);
      return decodeURIComponent(match[1]);
    }

    function showReset(token) {
      resetView().token = token;
      ui.signinView.hidden = true;
      hooks.hideChat();
      reset.view.hidden = false;
      A.clearError(reset.error);
      reset.password.focus();
    }

    function leaveReset(message) {
      if (!reset) return;
      reset.view.remove(); // its labels would otherwise shadow the sign-in form's
      reset = null;
      hooks.restart(message);
    }

    async function submitReset(event) {
      event.preventDefault();
      const view = reset;
      A.clearError(view.error);
      if (view.password.value !== view.again.value) {
        A.showError(view.error, new Error('The two passwords differ. Type the same password twice.'));
        view.again.focus();
        return;
      }
      view.button.disabled = true;
      try {
        await A.publicApi('POST', '/api/auth/password-reset', { token: view.token, new_password: view.password.value });
        A.clearTokens(); // the reset ended every session of the account
        leaveReset('Your password is changed. Sign in with the new one.');
      } catch (error) {
        view.button.disabled = false;
        A.showError(view.error, error);
      }
    }

    window.addEventListener('hashchange', () => {
      const token = takeResetToken();
      if (token) showReset(token);
    });

    // The reset link, when the address holds one, is shown instead of anything else.
    function openResetLink() {
      const token = takeResetToken();
      if (token) showReset(token);
      return Boolean(token);
    }

    return Object.freeze({ show, hide, openResetLink, errorBox: ui.error });
  }

  window.CairnSignIn = Object.freeze({ create });
})();
