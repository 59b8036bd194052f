// Shared by the chat page and the admin console: the session, an authenticated fetch that
// refreshes once on a 401, and turning API errors into readable lines. A classic script
// (no build step, no modules) that exposes window.CairnAuth.
//
// No token is ever written to storage: the access token lives in this page's memory only, and
// the refresh token in an HttpOnly cookie the server sets when asked with `X-Cairn-Refresh:
// cookie` (script cannot read it). A reload starts with a refresh that the cookie pays for;
// the readable `cairn_signed_in` cookie only says whether that is worth trying.
(() => {
  'use strict';

  const SESSION_ENDED = 'Your session has ended. Please sign in again.';
  const signedOutListeners = [];
  const signingOutListeners = []; // told before a sign-out this page asked for

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.name = 'ApiError';
      this.status = status;
      this.code = code;
      this.details = details || null;
    }
  }

  const REFRESH_BY_COOKIE = { 'X-Cairn-Refresh': 'cookie' };
  let access = null;
  const accessToken = () => access;
  const hasSession = () => Boolean(access) || /(?:^|;\s*)cairn_signed_in=1(?:;|$)/.test(document.cookie);

  function storeTokens(body) {
    access = body.access_token;
  }

  // The HttpOnly refresh cookie is the server's to remove (logout does); dropping the marker
  // here means this browser stops trying it even when the server could not be told.
  function clearTokens() {
    access = null;
    document.cookie = 'cairn_signed_in=; Path=/; Max-Age=0; SameSite=Strict';
  }

  function signedOut(message) {
    clearTokens();
    for (const listener of signedOutListeners) listener(message);
  }

  async function errorFrom(response) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON (a proxy page, say): fall back to the status line below.
    }
    const error = body && body.error;
    if (error && typeof error.message === 'string') {
      return new ApiError(response.status, error.code || 'error', error.message, error.details);
    }
    return new ApiError(response.status, `http_${response.status}`,
      `The server answered ${response.status} ${response.statusText}`.trim());
  }

  async function parse(response) {
    if (!response.ok) throw await errorFrom(response);
    const text = response.status === 204 ? '' : await response.text();
    return text ? JSON.parse(text) : null;
  }

  function jsonInit(method, body) {
    const init = { method, headers: { Accept: 'application/json', ...REFRESH_BY_COOKIE } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    return init;
  }

  function withBearer(init, token) {
    const headers = new Headers(init.headers || {});
    if (token) headers.set('Authorization', `Bearer ${token}`);
    return { ...init, headers };
  }

  // Refresh tokens rotate, and presenting a used one revokes the whole session, so only one
  // refresh may run at a time: per page through a shared promise, across tabs (which share the
  // cookie) through a Web Lock where the browser has them.
  let refreshing = null;
  function refreshOnce(staleAccess) {
    if (!refreshing) {
      const run = () => refreshTokens(staleAccess);
      const pending = navigator.locks ? navigator.locks.request('cairn.refresh', run) : run();
      refreshing = pending.finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // Resolves true when a fresh access token is held, false when the session is over; throws
  // when the server could not be asked (offline, 5xx), which must not sign anyone out.
  async function refreshTokens(staleAccess) {
    const current = accessToken();
    if (current && current !== staleAccess) return true; // refreshed meanwhile
    if (!hasSession()) return false;
    const response = await fetch('/api/auth/refresh', jsonInit('POST', {}));
    if (response.ok) {
      storeTokens(await response.json());
      return true;
    }
    if (response.status >= 500 || response.status === 429) throw await errorFrom(response);
    return false;
  }

  // Called once on page load: true when the cookie still holds a live session (an access token
  // is then held), false when there is none; throws when the server cannot be asked.
  async function resumeSession() {
    if (accessToken()) return true;
    return refreshOnce(null);
  }

  async function authFetch(path, init = {}) {
    const used = accessToken();
    const response = await fetch(path, withBearer(init, used));
    if (response.status !== 401) return response;
    if (!(await refreshOnce(used))) {
      signedOut(SESSION_ENDED);
      return response;
    }
    const retried = await fetch(path, withBearer(init, accessToken()));
    if (retried.status === 401) signedOut(SESSION_ENDED);
    return retried;
  }

  const api = async (method, path, body) => parse(await authFetch(path, jsonInit(method, body)));
  const publicApi = async (method, path, body) => parse(await fetch(path, jsonInit(method, body)));

  async function login(email, password) {
    const body = await publicApi('POST', '/api/auth/login', { email, password });
    storeTokens(body);
    return body.user;
  }

  // 201 signs the new user in; 202 means an administrator has to approve the account first.
  async function register(email, password, name) {
    const body = await publicApi('POST', '/api/auth/register', { email, password, name: name || undefined });
    if (body && body.access_token) {
      storeTokens(body);
      return { user: body.user, pending: false };
    }
    return { user: body && body.user, pending: true };
  }

  async function setup(setupToken, email, password, name) {
    const body = await publicApi('POST', '/api/auth/setup',
      { setup_token: setupToken, email, password, name: name || undefined });
    storeTokens(body);
    return body.user;
  }

  // The local tokens go whatever happens, so an unreachable server cannot keep anyone signed in.
  async function logout() {
    try {
      const used = accessToken();
      const init = { method: 'POST', headers: REFRESH_BY_COOKIE };
      const response = await fetch('/api/auth/logout', withBearer(init, used));
      if (response.status === 401 && await refreshOnce(used)) {
        await fetch('/api/auth/logout', withBearer(init, accessToken()));
      }
    } catch {
      // Best effort: see above.
    }
    clearTokens();
  }

  // The one sign-out behaviour of both pages: the button, and any ended session, show sign-in.
  function bindSignOut(button, showSignIn) {
    button.addEventListener('click', async () => {
      button.disabled = true;
      for (const listener of signingOutListeners) listener();
      await logout();
      button.disabled = false;
      showSignIn('You are signed out.');
    });
    signedOutListeners.push((message) => showSignIn(message));
  }

  function errorLines(error) {
    if (error instanceof ApiError) {
      const lines = [error.message];
      if (error.details && typeof error.details === 'object') {
        for (const [field, problem] of Object.entries(error.details)) {
          lines.push(`${field}: ${typeof problem === 'string' ? problem : JSON.stringify(problem)}`);
        }
      }
      return lines;
    }
    if (error instanceof TypeError) return ['Could not reach the server. Check the connection and try again.'];
    return [String((error && error.message) || error)];
  }

  function showError(element, error) {
    element.replaceChildren(...errorLines(error).map((line) => {
      const div = document.createElement('div');
      div.textContent = line;
      return div;
    }));
    element.hidden = false;
  }

  function clearError(element) {
    element.replaceChildren();
    element.hidden = true;
  }


  // ---- sign-in through an identity provider (OpenID Connect, Google, GitHub) ----
  // A button navigates to the server's /start, which sends the browser to the provider; the
  // server then sends it back to `redirect` with #login_code=<one-time code> or
  // #login_error=<reason> in the fragment.

  const PROVIDER_ERRORS = {
    access_denied: 'The sign-in was cancelled at the provider, so you are not signed in.',
    email_not_verified: 'Your account with that provider has no verified email address, so it cannot sign in here.',
    registration_closed: 'Registration is closed on this server. Ask an administrator to create your account.',
    pending_approval: "Your account is waiting for an administrator's approval. You can sign in once it is approved.",
    account_disabled: 'Your account is disabled. Ask an administrator.',
    provider_unavailable: 'The sign-in provider could not be reached. Try again in a moment.',
    provider_refused: 'The sign-in provider refused the sign-in.',
    provider_error: 'The sign-in provider answered with an error. Try again, or sign in another way.',
    provider_misconfigured: 'This sign-in provider is not set up correctly on this server. Tell an administrator.',
    invalid_id_token: "The provider's answer could not be verified, so you are not signed in. Tell an administrator if this keeps happening.",
    provider_removed: 'That sign-in provider was removed from this server while you were signing in.',
  };
  const providerErrorText = (reason) => PROVIDER_ERRORS[reason]
    || `Signing in with the provider did not work${reason ? ` (${reason})` : ''}. Try again, or sign in another way.`;

  // The configured providers ([{ id, name, type }]); an empty list when the server has none or
  // cannot be asked, so the pages simply show no provider buttons.
  async function signInProviders() {
    try {
      const list = await publicApi('GET', '/api/auth/providers');
      return Array.isArray(list) ? list.filter((p) => p && typeof p.id === 'string') : [];
    } catch {
      return [];
    }
  }

  const providerSignInURL = (id, redirect) =>
    `/api/auth/oauth/${encodeURIComponent(id)}/start?redirect=${encodeURIComponent(redirect)}`;

  // Fills `container` with one "Sign in with <name>" button per provider and shows it, or hides
  // it when there are none. `list` is where the buttons go (the container itself by default).
  let providersDrawn = 0;
  async function showSignInProviders(container, redirect, list = container) {
    const drawn = ++providersDrawn;
    const providers = await signInProviders();
    if (drawn !== providersDrawn) return;
    list.replaceChildren(...providers.map((provider) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'wide provider';
      button.dataset.provider = provider.id;
      button.textContent = `Sign in with ${provider.name || provider.id}`;
      button.addEventListener('click', () => {
        button.disabled = true;
        location.assign(providerSignInURL(provider.id, redirect));
      });
      return button;
    }));
    container.hidden = providers.length === 0;
  }

  // Called first thing on page load: takes #login_code= / #login_error= out of the address bar
  // (and the history) at once. Resolves null when there was neither, { user } once the code is
  // exchanged for tokens (stored as a password sign-in stores them), or { error } (an Error whose
  // message reads as a sentence) to show on the sign-in form.
  async function completeProviderSignIn() {
    const match = /^#login_(code|error)=([^&]*)/.exec(location.hash);
    if (!match) return null;
    history.replaceState(null, '', location.pathname + location.search);
    let value = match[2];
    try {
      value = decodeURIComponent(value.replace(/\+/g, ' '));
    } catch {
      // Left as it came.
    }
    if (match[1] === 'error') return { error: new Error(providerErrorText(value)) };
    try {
      const body = await publicApi('POST', '/api/auth/oauth/exchange', { login_code: value });
      storeTokens(body);
      return { user: body.user };
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        return { error: new Error('This sign-in has expired or was already used. Sign in again.') };
      }
      return { error };
    }
  }

  // The start-up of both pages. Back from a sign-in provider (#login_code=… or #login_error=…,
  // taken out of the address bar at once), the user is entered or the sign-in form says why not;
  // else `interrupt()` may take over by returning true (the chat page's password-reset link);
  // else a live session (a reload) is resumed and its user entered; else the sign-in form shows.
  // page: { enter(user), showSignIn(), errorBox (the sign-in form's error element), interrupt() }
  async function startPage(page) {
    const failed = (error) => {
      page.showSignIn();
      showError(page.errorBox, error);
    };
    const provider = await completeProviderSignIn();
    if (provider && provider.user) {
      page.enter(provider.user);
      return;
    }
    if (provider) {
      failed(provider.error);
      return;
    }
    if (page.interrupt && page.interrupt()) return;
    try {
      if (!(await resumeSession())) {
        page.showSignIn();
        return;
      }
    } catch (error) {
      failed(error);
      return;
    }
    try {
      page.enter(await api('GET', '/api/auth/me'));
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return; // onSignedOut already showed the form
      failed(error);
    }
  }

  window.CairnAuth = Object.freeze({
    ApiError,
    hasSession,
    resumeSession,
    clearTokens,
    authFetch,
    api,
    publicApi,
    errorFrom,
    login,
    register,
    setup,
    logout,
    signInProviders,
    providerSignInURL,
    showSignInProviders,
    completeProviderSignIn,
    startPage,
    providerErrorText,
    onSignedOut: (listener) => signedOutListeners.push(listener),
    onSigningOut: (listener) => signingOutListeners.push(listener),
    bindSignOut,
    errorLines,
    showError,
    clearError,
  });
})();
