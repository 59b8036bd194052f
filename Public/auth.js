// Shared by the chat page and the admin console: token storage, an authenticated fetch that
// refreshes once on a 401, and turning API errors into readable lines. A classic script
// (no build step, no modules) that exposes window.CairnAuth.
(() => {
  'use strict';

  const ACCESS = 'cairn.access_token';
  const REFRESH = 'cairn.refresh_token';
  const SESSION_ENDED = 'Your session has ended. Please sign in again.';
  const signedOutListeners = [];

  class ApiError extends Error {
    constructor(status, code, message, details) {
      super(message);
      this.name = 'ApiError';
      this.status = status;
      this.code = code;
      this.details = details || null;
    }
  }

  const accessToken = () => localStorage.getItem(ACCESS);
  const hasTokens = () => Boolean(accessToken() || localStorage.getItem(REFRESH));

  function storeTokens(body) {
    localStorage.setItem(ACCESS, body.access_token);
    localStorage.setItem(REFRESH, body.refresh_token);
  }

  function clearTokens() {
    localStorage.removeItem(ACCESS);
    localStorage.removeItem(REFRESH);
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
    const init = { method, headers: { Accept: 'application/json' } };
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
  // refresh may run at a time: per page through a shared promise, across tabs through a Web
  // Lock where the browser has them.
  let refreshing = null;
  function refreshOnce(staleAccess) {
    if (!refreshing) {
      const run = () => refreshTokens(staleAccess);
      const pending = navigator.locks ? navigator.locks.request('cairn.refresh', run) : run();
      refreshing = pending.finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  // Resolves true when fresh tokens are stored, false when the session is over; throws when
  // the server could not be asked (offline, 5xx), which must not sign anyone out.
  async function refreshTokens(staleAccess) {
    const current = accessToken();
    if (current && current !== staleAccess) return true; // another tab refreshed meanwhile
    const refreshToken = localStorage.getItem(REFRESH);
    if (!refreshToken) return false;
    const response = await fetch('/api/auth/refresh', jsonInit('POST', { refresh_token: refreshToken }));
    if (response.ok) {
      storeTokens(await response.json());
      return true;
    }
    if (response.status >= 500 || response.status === 429) throw await errorFrom(response);
    return false;
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
      const response = await fetch('/api/auth/logout', withBearer({ method: 'POST' }, used));
      if (response.status === 401 && await refreshOnce(used)) {
        await fetch('/api/auth/logout', withBearer({ method: 'POST' }, accessToken()));
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

  window.CairnAuth = Object.freeze({
    ApiError,
    hasTokens,
    clearTokens,
    authFetch,
    api,
    publicApi,
    errorFrom,
    login,
    register,
    setup,
    logout,
    onSignedOut: (listener) => signedOutListeners.push(listener),
    bindSignOut,
    errorLines,
    showError,
    clearError,
  });
})();
