// One /ws socket per tab while a run is followed: it carries the events of the user's runs,
// authenticates with a single-use ticket, and after a drop reconnects and resumes every followed
// run from its last seq, so nothing is missed or shown twice.
(() => {
  'use strict';

  const A = window.CairnAuth;
  const followers = new Map(); // run id -> { lastSeq, onEvent(envelope), onLost(message) }
  let socket = null;
  let opening = null;
  let failures = 0;
  let retryTimer = null;

  const send = (message) => {
    if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
  };
  const resume = (runId, follower) => send({ type: 'resume', run_id: runId, after_seq: follower.lastSeq });

  function dispatch(data) {
    let message;
    try {
      message = JSON.parse(data);
    } catch {
      return;
    }
    const follower = message && message.run_id ? followers.get(message.run_id) : null;
    if (!follower || typeof message.seq !== 'number' || message.seq <= follower.lastSeq) return;
    follower.lastSeq = message.seq;
    follower.onEvent(message);
  }

  function lost(message) {
    const all = Array.from(followers.values());
    followers.clear();
    all.forEach((follower) => follower.onLost(message));
  }

  // Opens the socket (once, however many callers wait) and resumes every followed run on it.
  function open() {
    if (socket && socket.readyState === WebSocket.OPEN) return Promise.resolve();
    if (opening) return opening;
    opening = (async () => {
      const { ticket } = await A.api('POST', '/api/auth/ws-ticket');
      const scheme = window.location.protocol === 'https:' ? 'wss' : 'ws';
      const ws = new WebSocket(`${scheme}://${window.location.host}/ws?ticket=${encodeURIComponent(ticket)}`, ['cairn.v1']);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = () => reject(new Error('the live connection could not be opened'));
      });
      ws.onerror = null;
      ws.onmessage = (event) => dispatch(event.data);
      ws.onclose = (event) => closed(ws, event.code);
      socket = ws;
      failures = 0;
      followers.forEach((follower, runId) => resume(runId, follower));
    })();
    return opening.finally(() => { opening = null; });
  }

  function closed(ws, code) {
    if (socket !== ws) return;
    socket = null;
    if (!followers.size) return;
    if (code === 4401) lost('Signed out: the session ended.');
    else reconnectSoon();
  }

  function reconnectSoon() {
    failures += 1;
    if (failures > 5) {
      lost('Lost the live connection. Open the thread again to see the result.');
      return;
    }
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      if (followers.size) open().catch(reconnectSoon);
    }, 250 * 2 ** Math.min(failures, 5));
  }

  window.CairnLive = {
    // Delivers the run's events (each seq once, in order) until `unfollow`. Rejects when no
    // socket can be opened at all, so the caller can use the SSE stream instead.
    async follow(runId, follower) {
      followers.set(runId, { lastSeq: 0, ...follower });
      const wasOpen = socket && socket.readyState === WebSocket.OPEN;
      try {
        await open();
      } catch (error) {
        followers.delete(runId);
        throw error;
      }
      if (wasOpen && followers.has(runId)) resume(runId, followers.get(runId));
    },

    // Stops delivering a run's events; the socket closes when nothing is followed any more.
    unfollow(runId) {
      followers.delete(runId);
      if (!followers.size && socket) {
        const ws = socket;
        socket = null;
        ws.close(1000);
      }
    },
  };
})();
