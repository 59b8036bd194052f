// The chat page: sign-in and registration, the thread list, sending a message and following
// its run over the /ws socket (live.js), or, when no socket can be opened, over Server-Sent
// Events read with fetch() (EventSource cannot send a bearer token).
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, el, enc, itemsOf } = window.CairnDOM;
  const NOT_AVAILABLE = 'Chat is not available on this server yet.';
  const PENDING = 'Thanks! Your account is pending approval by an administrator. You can sign in once it is approved.';
  const CLOSED = 'Registration is closed on this server. Ask an administrator to create your account.';
  const ACTIVE = new Set(['queued', 'running']);

  const ui = {
    who: $('who'), adminLink: $('admin-link'), signOut: $('sign-out'),
    signinView: $('signin-view'), form: $('signin-form'), title: $('signin-title'),
    status: $('signin-status'), error: $('signin-error'), nameField: $('name-field'),
    name: $('name'), email: $('email'), password: $('password'), passwordHint: $('password-hint'),
    signIn: $('signin-button'), create: $('create-button'), providers: $('signin-providers'),
    chatView: $('chat-view'), newThread: $('new-thread'), threadList: $('thread-list'),
    threadsNote: $('threads-note'), log: $('log'), composer: $('composer'), message: $('message'),
    send: $('send'), stop: $('stop'), agent: $('agent'), retry: $('retry'),
  };

  const state = { threadId: null, run: null, sending: false, view: 0 };

  const routeMissing = (error) => error instanceof A.ApiError && error.status === 404 && /no route/i.test(error.message);
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // A new thread is named after its first message, as the server names threads it creates itself.
  const titleFrom = (text) => Array.from(text.replace(/\s+/g, ' ').trim()).slice(0, 80).join('');

  // ---- views ----

  function showSignIn(message) {
    detachRun();
    window.CairnLive.disconnect();
    state.threadId = null;
    ui.log.replaceChildren();
    ui.threadList.replaceChildren();
    ui.chatView.hidden = true;
    ui.signOut.hidden = true;
    window.CairnAccount.signedOut();
    threadUI.clearSearch();
    ui.adminLink.hidden = true;
    ui.who.textContent = '';
    ui.who.title = '';
    ui.signinView.hidden = false;
    ui.status.textContent = message || '';
    A.clearError(ui.error);
    setMode('signin');
    A.showSignInProviders(ui.providers, '/', providerList);
    ui.email.focus();
  }

  function showChat(user) {
    ui.signinView.hidden = true;
    ui.status.textContent = '';
    ui.password.value = '';
    ui.who.textContent = user ? (user.name || user.email) : '';
    ui.who.title = user ? user.email || '' : '';
    ui.adminLink.hidden = !(user && user.role === 'admin');
    ui.signOut.hidden = false;
    window.CairnAccount.signedIn(user);
    ui.chatView.hidden = false;
    agents.load();
    window.CairnLive.connect();
    const saved = threadFromHash(); // a reload reopens the thread that was open
    if (saved) openThread(saved);
    else startNewThread();
    loadThreads();
  }

  // "Sign in with <provider>" buttons, below the password form (hidden when there are none).
  const providerList = el('div', { class: 'provider-list' });
  ui.providers.append(providerList);

  // ---- sign-in and registration share one form so each label names exactly one field ----

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
          showChat(result.user);
        }
      } else {
        showChat(await A.login(email, ui.password.value));
      }
    } catch (error) {
      if (mode === 'register' && error instanceof A.ApiError && error.status === 403) A.showError(ui.error, new Error(CLOSED));
      else A.showError(ui.error, error);
    } finally {
      ui.signIn.disabled = ui.create.disabled = false;
    }
  });

  A.bindSignOut(ui.signOut, showSignIn);

  // ---- the log ----

  function append(node) {
    const log = ui.log;
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    log.append(node);
    if (nearBottom) log.scrollTop = log.scrollHeight;
    return node;
  }

  function keepScrolled() {
    const log = ui.log;
    if (log.scrollHeight - log.scrollTop - log.clientHeight < 160) log.scrollTop = log.scrollHeight;
  }

  function bubble(role, text) {
    const speaker = { user: 'You', assistant: 'Cairn', tool: 'Tool' }[role] || role;
    const body = el(role === 'assistant' ? 'div' : 'span', { class: role === 'assistant' ? 'text md' : 'text' });
    if (role === 'assistant') renderAnswer(body, text || '');
    else body.append(text || '');
    const node = el('div', { class: `bubble ${role === 'user' || role === 'tool' ? role : 'assistant'}` },
      el('span', { class: 'visually-hidden', text: `${speaker}: ` }), body);
    return { node, body };
  }

  // The assistant's answer as Markdown (markdown.js builds it with DOM calls only, never HTML).
  function renderAnswer(body, text) {
    body.replaceChildren(window.CairnMarkdown ? window.CairnMarkdown.render(text) : text);
  }

  // While an answer streams it is rendered again at most once per frame, not once per piece.
  function scheduleAnswer(turn) {
    if (turn.frame) return;
    turn.frame = requestAnimationFrame(() => {
      turn.frame = 0;
      renderAnswer(turn.answer.body, turn.text);
      keepScrolled();
    });
  }

  function note(text, kind = 'note') {
    return append(el('p', { class: `line ${kind}`, text }));
  }

  // Said once: an older copy moves down rather than repeating.
  function noteUnavailable() {
    for (const old of ui.log.querySelectorAll('.unavailable')) old.remove();
    return note(NOT_AVAILABLE, 'notice unavailable');
  }

  function noteError(error) {
    return append(el('div', { class: 'line error' }, ...A.errorLines(error).map((line) => el('div', { text: line }))));
  }

  // A turn: the assistant's streamed answer with the run's timeline (timeline.js) under it.
  // `live` turns announce progress; a rebuilt past run's turn does not.
  function addTurn(live = true) {
    const answer = bubble('assistant', '');
    answer.node.classList.add('pending');
    const timeline = window.CairnTimeline.create({ live });
    append(el('div', { class: 'turn' }, answer.node, timeline.node));
    return { timeline, answer, text: '' };
  }

  function statusLine(turn, text, kind) {
    turn.timeline.note(text, kind);
    keepScrolled();
  }

  // The open thread lives in the address (#thread=<id>) so a reload reopens it; never a token.
  const THREAD_HASH = /^#thread=([a-z]{3}_[A-Za-z0-9]+)$/;
  const threadFromHash = () => (THREAD_HASH.exec(location.hash) || [])[1] || null;
  function rememberThread(id) {
    if ((threadFromHash() || null) === (id || null)) return;
    history.replaceState(null, '', id ? `#thread=${id}` : location.pathname + location.search);
  }

  // ---- threads ----

  async function loadThreads() {
    const view = state.view;
    try {
      const threads = itemsOf(await A.api('GET', '/api/threads'));
      if (view !== state.view) return;
      renderThreads(threads);
    } catch (error) {
      if (view !== state.view || (error instanceof A.ApiError && error.status === 401)) return;
      ui.threadList.replaceChildren();
      if (error instanceof A.ApiError && error.status === 404) {
        ui.threadsNote.textContent = 'No threads.';
        noteUnavailable();
      } else {
        ui.threadsNote.textContent = A.errorLines(error).join(' ');
      }
    }
  }

  // The list itself (rename, delete, search) is threads.js; this page fetches it.
  const threadUI = window.CairnThreads.create({
    list: ui.threadList,
    note: ui.threadsNote,
    open: (id) => openThread(id),
    current: () => state.threadId,
    onDeleted: () => startNewThread(),
    reload: () => loadThreads(),
  });
  const agents = window.CairnThreads.agentPicker(ui.agent);

  function renderThreads(threads) {
    threadUI.render(threads);
    markCurrentThread();
  }

  function markCurrentThread() {
    threadUI.mark();
    // An opened thread's runs go to the agent it was made with unless another is chosen.
    const thread = state.threadId && threadUI.thread(state.threadId);
    if (!state.threadId) state.agentFor = null;
    if (thread && thread.id !== state.agentFor) {
      state.agentFor = thread.id;
      agents.set(thread.agent);
    }
    syncRetry();
  }

  // Retry is offered in an opened thread and usable whenever Send is.
  function syncRetry() {
    ui.retry.hidden = !state.threadId;
    ui.retry.disabled = ui.send.disabled;
  }
  new MutationObserver(syncRetry).observe(ui.send, { attributes: true, attributeFilter: ['disabled'] });

  function startNewThread() {
    detachRun();
    state.view += 1;
    state.threadId = null;
    rememberThread(null);
    markCurrentThread();
    ui.log.replaceChildren();
    ui.message.focus();
  }

  async function openThread(id) {
    detachRun();
    const view = ++state.view;
    state.threadId = id;
    rememberThread(id);
    markCurrentThread();
    ui.log.replaceChildren(el('p', { class: 'line note', text: 'Loading…' }));
    try {
      const messages = itemsOf(await A.api('GET', `/api/threads/${enc(id)}/messages`));
      if (view !== state.view) return;
      ui.log.replaceChildren();
      const text = (message) => (typeof message.content === 'string' ? message.content : JSON.stringify(message.content));
      // Each run's answer goes in its turn, under the user's message that started it.
      const asked = new Set(messages.filter((m) => m.role === 'user' && m.run_id).map((m) => m.run_id));
      const answers = new Map(messages.filter((m) => m.role === 'assistant' && asked.has(m.run_id)).map((m) => [m.run_id, m]));
      const turns = [];
      for (const message of messages) {
        if (message.role === 'assistant' && asked.has(message.run_id)) continue;
        append(bubble(message.role, text(message)).node);
        if (message.role !== 'user' || !message.run_id) continue;
        const turn = addTurn(false);
        const answer = answers.get(message.run_id);
        if (answer) setAnswer(turn, text(answer));
        turns.push({ runId: message.run_id, turn, answered: Boolean(answer) });
      }
      if (!messages.length) note('No messages in this thread yet.');
      ui.log.scrollTop = ui.log.scrollHeight;
      await resumeIfRunning(turns, view);
    } catch (error) {
      if (view !== state.view) return;
      ui.log.replaceChildren();
      if (routeMissing(error)) noteUnavailable();
      else if (error instanceof A.ApiError && error.status === 404 && threadFromHash() === id) startNewThread(); // gone since
      else noteError(error);
    }
  }

  function setAnswer(turn, content) {
    turn.text = content;
    renderAnswer(turn.answer.body, content);
    turn.answer.node.classList.remove('pending');
  }

  // Rebuilds every past run's timeline and outcome from its stored events; the thread's last
  // run, when still queued or running, is followed again from seq 0 so its text is whole, once.
  async function resumeIfRunning(turns, view) {
    const last = turns[turns.length - 1];
    await Promise.all(turns.map(async (entry) => {
      const { turn } = entry;
      let run;
      let events;
      try {
        [run, events] = await Promise.all([A.api('GET', `/api/runs/${enc(entry.runId)}`),
          A.api('GET', `/api/runs/${enc(entry.runId)}/events`).then(itemsOf)]);
      } catch (error) {
        if (view === state.view) statusLine(turn, `Could not load this run: ${A.errorLines(error).join(' ')}`, 'bad');
        return;
      }
      if (view !== state.view) return;
      if (ACTIVE.has(run.status) && entry === last && !state.run) {
        turn.answer.body.replaceChildren();
        turn.text = '';
        startRun(run.id, turn);
        return;
      }
      let streamed = '';
      for (const envelope of events) {
        if (envelope.type === 'message_delta' && envelope.payload && typeof envelope.payload.text === 'string') streamed += envelope.payload.text;
        else turn.timeline.event(envelope);
      }
      if (!entry.answered && streamed) setAnswer(turn, streamed);
      if (ACTIVE.has(run.status)) statusLine(turn, 'Still running. Open the thread again later to see the answer.', 'warn');
      else turn.timeline.finish({ status: run.status, error: run.error, usage: run.usage, ts: run.finished_at });
      turn.answer.node.classList.remove('pending');
      if (!turn.text) turn.answer.node.remove();
    }));
  }

  // ---- sending and following a run ----

  async function send() {
    const input = ui.message.value.trim();
    if (!input || state.run || state.sending) return;
    state.sending = true;
    ui.send.disabled = true;
    ui.message.value = '';
    const view = state.view;
    let created = false;
    const sent = append(bubble('user', input).node);
    try {
      if (!state.threadId) {
        let thread;
        try {
          thread = await A.api('POST', '/api/threads', { title: titleFrom(input), agent: agents.value() });
        } catch (error) {
          if (error instanceof A.ApiError && error.status === 404) error.chatMissing = true;
          throw error;
        }
        if (view !== state.view) return;
        state.threadId = thread.id;
        created = true;
      }
      const run = await A.api('POST', `/api/threads/${enc(state.threadId)}/runs`, { input, agent: agents.value() });
      if (view !== state.view) return;
      startRun(run.id);
    } catch (error) {
      if (view !== state.view) return;
      if (!ui.message.value) {
        ui.message.value = input; // nothing typed is lost: it goes back to the field
        sent.remove();
      }
      if (error.chatMissing || routeMissing(error)) noteUnavailable();
      else if (!(error instanceof A.ApiError && error.status === 401)) noteError(error);
    } finally {
      state.sending = false;
      if (!state.run) ui.send.disabled = false;
      if (created || state.run) loadThreads();
    }
  }

  // Retry: the thread's last message of the user again, as a new run in the same thread.
  async function retry() {
    const id = state.threadId;
    if (!id || state.run || state.sending) return;
    state.sending = true;
    ui.send.disabled = true;
    const view = state.view;
    try {
      const input = await lastUserInput(id);
      if (view !== state.view) return;
      if (!input) {
        note('There is no message of yours in this thread to retry.');
        return;
      }
      append(bubble('user', input).node);
      const run = await A.api('POST', `/api/threads/${enc(id)}/runs`, { input, agent: agents.value() });
      if (view !== state.view) return;
      startRun(run.id);
    } catch (error) {
      if (view !== state.view) return;
      if (routeMissing(error)) noteUnavailable();
      else if (!(error instanceof A.ApiError && error.status === 401)) noteError(error);
    } finally {
      state.sending = false;
      if (!state.run) ui.send.disabled = false;
      else loadThreads();
    }
  }

  async function lastUserInput(id) {
    let last = null;
    let cursor = null;
    do {
      const page = await A.api('GET', `/api/threads/${enc(id)}/messages?limit=200${cursor ? `&cursor=${enc(cursor)}` : ''}`);
      for (const message of itemsOf(page)) {
        if (message.role === 'user' && typeof message.content === 'string') last = message.content;
      }
      cursor = page && page.next_cursor;
    } while (cursor);
    return last;
  }

  // Follows run `id` in `turn` (a new one at the end of the log unless given), from seq 0.
  function startRun(id, turn) {
    const run = { id, controller: new AbortController(), turn: turn || addTurn(), finished: false, status: null, messageId: null, lastSeq: 0 };
    state.run = run;
    rememberThread(state.threadId); // a thread made by this message: a reload reopens it
    ui.send.disabled = true;
    ui.stop.disabled = false;
    ui.log.setAttribute('aria-busy', 'true');
    follow(run);
  }

  // Stops watching the current run (on a thread switch or sign-out); the run itself goes on.
  function detachRun() {
    const run = state.run;
    if (!run) return;
    state.run = null;
    run.controller.abort();
    resetComposer();
  }

  function resetComposer() {
    ui.send.disabled = false;
    ui.stop.disabled = true;
    ui.log.removeAttribute('aria-busy');
  }

  async function follow(run) {
    if ((await followLive(run)) === true) finishRun(run);
    else await followStream(run);
  }

  // Follows the run over the socket until it ends or is detached (true); false when WebSockets
  // cannot be used here, so the SSE stream takes over from the last seq seen.
  function followLive(run) {
    return new Promise((resolve) => {
      const signal = run.controller.signal;
      let settled = false;
      const settle = (live) => {
        if (settled) return;
        settled = true;
        window.CairnLive.unfollow(run.id);
        resolve(live);
      };
      signal.addEventListener('abort', () => settle(true)); // run_completed, Stop timeout or detach
      window.CairnLive.follow(run.id, {
        onEvent: (envelope) => handleEvent(run, envelope),
        onLost: (message, fallback) => {
          if (fallback) {
            settle(false);
            return;
          }
          statusLine(run.turn, message, 'warn');
          settle(true);
        },
      }).catch(() => settle(false));
    });
  }

  async function followStream(run) {
    const signal = run.controller.signal;
    let lastSeq = run.lastSeq;
    let failures = 0;
    while (!run.finished && !signal.aborted) {
      let received = false;
      try {
        const headers = { Accept: 'text/event-stream' };
        if (lastSeq) headers['Last-Event-ID'] = String(lastSeq);
        const response = await A.authFetch(`/api/runs/${enc(run.id)}/stream`, { headers, signal, cache: 'no-store' });
        if (response.status === 404) {
          statusLine(run.turn, 'Live updates are not available on this server yet.', 'warn');
          break;
        }
        if (response.status === 401) break; // signed out; the sign-in form is showing
        if (!response.ok) throw await A.errorFrom(response);
        await readEvents(response.body, signal, (envelope, id) => {
          const seq = typeof envelope.seq === 'number' ? envelope.seq : Number(id) || 0;
          if (seq && seq <= lastSeq) return; // replayed after a reconnect
          if (seq) lastSeq = seq;
          received = true;
          handleEvent(run, envelope);
        });
      } catch (error) {
        if (signal.aborted) break;
        if (error instanceof A.ApiError && error.status < 500 && error.status !== 429) {
          A.errorLines(error).forEach((line) => statusLine(run.turn, line, 'bad'));
          break;
        }
      }
      if (run.finished || signal.aborted) break;
      failures = received ? 0 : failures + 1;
      if (failures > 5) {
        statusLine(run.turn, 'Lost the connection to this run. Open the thread again to see its result.', 'warn');
        break;
      }
      await sleep(500 * 2 ** Math.min(failures, 4));
    }
    finishRun(run);
  }

  // Minimal SSE parser: `field: value` lines, a blank line ends an event, `:` starts a comment.
  async function readEvents(body, signal, onEvent) {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let data = [];
    let id = null;
    const dispatch = () => {
      if (data.length) {
        try {
          onEvent(JSON.parse(data.join('\n')), id);
        } catch (error) {
          if (!(error instanceof SyntaxError)) throw error; // a malformed event is skipped
        }
      }
      data = [];
    };
    try {
      for (;;) {
        const { value: chunk, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(chunk, { stream: true });
        let newline;
        while ((newline = buffer.indexOf('\n')) >= 0) {
          const line = buffer.slice(0, newline).replace(/\r$/, '');
          buffer = buffer.slice(newline + 1);
          if (line === '') { dispatch(); continue; }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let value = colon < 0 ? '' : line.slice(colon + 1);
          if (value.startsWith(' ')) value = value.slice(1);
          if (field === 'data') data.push(value);
          else if (field === 'id') id = value;
        }
        if (signal.aborted) break;
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }

  function handleEvent(run, envelope) {
    if (run !== state.run) return;
    const turn = run.turn;
    const p = envelope.payload || {};
    if (typeof envelope.seq === 'number') run.lastSeq = envelope.seq;
    if (envelope.type === 'message_delta') turn.timeline.event(envelope); // "Writing the answer…"
    switch (envelope.type) {
      case 'message_delta':
        if (typeof p.text === 'string') {
          turn.text += p.text;
          scheduleAnswer(turn);
        }
        break;
      case 'run_completed':
        run.finished = true;
        run.status = p.status || 'succeeded';
        run.messageId = p.message_id || null;
        turn.timeline.event(envelope);
        run.controller.abort(); // the server closes the stream too; do not wait for it
        break;
      default:
        turn.timeline.event(envelope); // agents, thinking, tools, notices: timeline.js
        keepScrolled();
        break;
    }
  }

  function finishRun(run) {
    if (!run.finished && !run.turn.timeline.done && state.run === run) {
      statusLine(run.turn, 'Stopped following this run. Open the thread again to see its result.', 'warn');
    }
    run.turn.answer.node.classList.remove('pending');
    if (!run.turn.text) run.turn.answer.node.remove();
    if (state.run !== run) return;
    state.run = null;
    resetComposer();
    // A server that stores the answer without streaming deltas still gets it shown.
    if (run.status === 'succeeded' && !run.turn.text && run.messageId && state.threadId) openThread(state.threadId);
    else loadThreads();
  }

  async function stop() {
    const run = state.run;
    if (!run) return;
    ui.stop.disabled = true;
    try {
      await A.api('POST', `/api/runs/${enc(run.id)}/cancel`);
      // The stream may already have said "Run cancelled" while the request was answered.
      if (run.finished || state.run !== run) return;
      statusLine(run.turn, 'Stopping…');
      // The stream normally ends with run_completed; do not leave the page waiting forever.
      setTimeout(() => { if (!run.finished) run.controller.abort(); }, 10000);
    } catch (error) {
      if (run.finished || state.run !== run) return; // it ended first (409 "already ended"): nothing to stop
      ui.stop.disabled = false;
      if (routeMissing(error)) statusLine(run.turn, 'Stopping runs is not available on this server yet.', 'warn');
      else A.errorLines(error).forEach((line) => statusLine(run.turn, line, 'bad'));
    }
  }

  ui.composer.addEventListener('submit', (event) => {
    event.preventDefault();
    send();
  });
  ui.message.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send();
    }
  });
  ui.stop.addEventListener('click', stop);
  ui.retry.addEventListener('click', retry);
  ui.newThread.addEventListener('click', startNewThread);

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
    ui.chatView.hidden = true;
    reset.view.hidden = false;
    A.clearError(reset.error);
    reset.password.focus();
  }

  function leaveReset(message) {
    if (!reset) return;
    reset.view.remove(); // its labels would otherwise shadow the sign-in form's
    reset = null;
    start(message);
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

  // ---- start ----

  async function start(message) {
    // Back from a sign-in provider: /#login_code=… or /#login_error=… (taken out of the address bar at once).
    const provider = await A.completeProviderSignIn();
    if (provider && provider.user) {
      showChat(provider.user);
      return;
    }
    if (provider) {
      showSignIn();
      A.showError(ui.error, provider.error);
      return;
    }
    const token = takeResetToken();
    if (token) {
      showReset(token);
      return;
    }
    if (message) {
      showSignIn(message);
      return;
    }
    try {
      if (!(await A.resumeSession())) {
        showSignIn();
        return;
      }
    } catch (error) {
      showSignIn();
      A.showError(ui.error, error);
      return;
    }
    try {
      showChat(await A.api('GET', '/api/auth/me'));
    } catch (error) {
      if (error instanceof A.ApiError && error.status === 401) return; // onSignedOut showed the form
      showSignIn();
      A.showError(ui.error, error);
    }
  }

  start();
})();
