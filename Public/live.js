// One /ws socket per tab while signed in: it carries the events of the user's runs and
// authenticates with a single-use ticket. After a network drop or a server restart it reconnects
// by itself (exponential backoff with jitter, at most ~10 s apart) and resumes every followed
// run from its last seq, so nothing is missed or shown twice. The top bar's #connection
// indicator says honestly how the connection stands.
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { enc } = window.CairnDOM;
  const MAX_DELAY_MS = 10000;
  // Behind a proxy without WebSockets runs are followed over HTTP; the socket is tried again this often.
  const STREAMING_RETRY_MS = 60000;
  // run id -> { lastSeq, onEvent(envelope), onLost(message, fallback), queue: [] while catching up }
  const followers = new Map();
  let socket = null;
  let opening = null;
  let wanted = false; // signed in and the chat is showing: keep a socket open
  let failures = 0;
  let refusedUpgrades = 0; // the ticket worked but the socket did not open (a proxy without WebSockets)
  let retryTimer = null;
  let retryAt = 0;
  let tick = null;
  let state = 'idle';

  const indicator = () => document.getElementById('connection');

  function show(next) {
    state = next;
    const node = indicator();
    clearInterval(tick);
    tick = null;
    if (!node) return;
    node.hidden = next === 'idle';
    node.dataset.state = next;
    const render = () => {
      if (state === 'connected') node.replaceChildren('Connected');
      else if (state === 'offline') node.replaceChildren('Offline');
      else if (state === 'connecting') node.replaceChildren('Connecting…');
      else if (state === 'streaming') node.replaceChildren('Live over HTTP');
      else if (state === 'reconnecting') {
        const left = Math.ceil((retryAt - Date.now()) / 1000);
        // The countdown is for the eye; a screen reader hears "Reconnecting" once.
        const count = document.createElement('span');
        count.setAttribute('aria-hidden', 'true');
        count.textContent = left > 0 ? ` in ${left} s` : '…';
        node.replaceChildren('Reconnecting', count);
      }
    };
    render();
    if (next === 'reconnecting') tick = setInterval(render, 1000);
  }

  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const resume = (runId, follower) => send({ type: 'resume', run_id: runId, after_seq: follower.lastSeq });

  function deliver(follower, message) {
    if (typeof message.seq !== 'number' || message.seq <= follower.lastSeq) return; // each seq once
    follower.lastSeq = message.seq;
    follower.onEvent(message);
  }

  function dispatch(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const follower = message && message.run_id ? followers.get(message.run_id) : null;
    if (!follower) return;
    if (follower.queue) follower.queue.push(message);
    else deliver(follower, message);
  }

  function lost(message, fallback = false) {
    const all = Array.from(followers.values());
    followers.clear();
    all.forEach((follower) => follower.onLost(message, fallback));
  }

  // Opens the socket (once, however many callers wait) and resumes every followed run on it.
  function open() {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve();
    if (opening) return opening;
    opening = (async () => {
      if (state !== 'reconnecting' && state !== 'offline') show('connecting');
      let ticket;
      try {
        ({ ticket } = await A.api('POST', '/api/auth/ws-ticket'));
      } catch (error) {
        if (error instanceof A.ApiError && error.status === 401) {
          disconnect(); // signed out; the sign-in form is showing
          error.final = true;
        }
        throw error;
      }
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://${window.location.host}/ws?ticket=${encodeURIComponent(ticket)}`, ['cairn.v1']);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => {
          refusedUpgrades += 1;
          reject(new Error('the live connection could not be opened'));
        };
      });
      ws.onerror = null;
      ws.onmessage = (event) => dispatch(event.data);
      ws.onclose = (event) => closed(ws, event.code);
      if (!wanted) {
        ws.close(1000);
        return;
      }
      socket = ws;
      failures = 0;
      refusedUpgrades = 0;
      clearTimeout(retryTimer);
      show('connected');
      followers.forEach((follower, runId) => { if (!follower.queue) resume(runId, follower); });
    })();
    return opening.finally(() => { opening = null; });
  }

  function closed(ws, code) {
    if (socket !== ws) return;
    socket = null;
    if (code === 4401) {
      // The server ended this socket's session (signed out elsewhere, revoked, disabled). Ask once
      // whether it stands: when it does not, authFetch shows the sign-in form with the reason
      // (which disconnects); when it does (the tokens were refreshed), reconnect and resume.
      show('connecting');
      A.api('GET', '/api/auth/me').then(() => attempt(), (error) => retry(error));
    } else if (wanted) {
      retry();
    }
  }

  // The next attempt after 0.5 s, 1 s, 2 s … at most 10 s, each somewhere between half and all of it.
  function retry(error) {
    if (!wanted || (error && error.final)) return;
    if (refusedUpgrades >= 3) {
      // HTTP works but WebSockets never open here: the page follows runs over SSE instead, says
      // so, and tries the socket again once a minute in case the way opens.
      lost('', true);
      retryAt = Date.now() + STREAMING_RETRY_MS;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(attempt, STREAMING_RETRY_MS);
      show('streaming');
      return;
    }
    failures += 1;
    const ceiling = Math.min(MAX_DELAY_MS, 500 * 2 ** (failures - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    retryAt = Date.now() + delay;
    clearTimeout(retryTimer);
    retryTimer = setTimeout(attempt, delay);
    show(navigator.onLine === false ? 'offline' : 'reconnecting');
  }

  function attempt() {
    clearTimeout(retryTimer);
    if (wanted && !socket) open().catch(retry);
  }

  function disconnect() {
    wanted = false;
    clearTimeout(retryTimer);
    failures = 0;
    followers.clear();
    if (socket) {
      const ws = socket;
      socket = null;
      ws.close(1000);
    }
    show('idle');
  }

  // Signing out here closes the socket first, so the server's 4401 for it finds nothing to ask about.
  A.onSigningOut(disconnect);

  window.addEventListener('online', () => { if (wanted && !socket) attempt(); });
  window.addEventListener('offline', () => { if (wanted && !socket) show('offline'); });

  // Stored events after `after` over HTTP: what this socket sent before the run was followed.
  async function stored(runId, after) {
    const data = await A.api('GET', `/api/runs/${enc(runId)}/events?after=${after}`);
    return Array.isArray(data && data.items) ? data.items : [];
  }

  window.CairnLive = {
    // Keeps a socket open (and reopened) from now on, until `disconnect` or the session ends.
    connect() {
      if (typeof WebSocket === 'undefined') return;
      wanted = true;
      attempt();
    },

    disconnect,

    get state() { return state; },

    // Delivers the run's events after `after` (each seq once, in order) until `unfollow`:
    // first the stored ones, then live ones, resumed after every reconnect. Rejects when this
    // browser cannot use WebSockets here, so the caller can use the SSE stream instead.
    async follow(runId, follower, after = 0) {
      if (typeof WebSocket === 'undefined' || refusedUpgrades >= 3) throw new Error('no live connection');
      const entry = { lastSeq: after, ...follower, queue: [] };
      followers.set(runId, entry);
      if (!wanted) window.CairnLive.connect();
      try {
        for (const event of await stored(runId, after)) {
          if (followers.get(runId) !== entry) return;
          deliver(entry, event);
        }
      } catch {
        // The server may be restarting: the resume below (or after reconnecting) fills in.
      }
      if (followers.get(runId) !== entry) return;
      const queued = entry.queue;
      entry.queue = null;
      queued.forEach((event) => deliver(entry, event));
      resume(runId, entry);
    },

    // Stops delivering a run's events; the socket stays open for the next run.
    unfollow(runId) {
      followers.delete(runId);
    },
  };
})();
