// The chat page's runs: sending a message (or retrying the last one), following its run over the
// /ws socket (live.js) or, when no socket can be opened, over Server-Sent Events read with fetch()
// (sse.js; EventSource cannot send a bearer token), stopping it, and rebuilding an opened thread's
// past runs from their stored events. A classic script loaded before app.js; app.js creates it
// with window.CairnRuns.create(state, hooks).
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, enc, itemsOf } = window.CairnDOM;
  const C = window.CairnConversation;
  const ACTIVE = new Set(['queued', 'running']);

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  // A new thread is named after its first message, as the server names threads it creates itself.
  const titleFrom = (text) => Array.from(text.replace(/\s+/g, ' ').trim()).slice(0, 80).join('');

  // state: the page's { threadId, run, sending, view }, shared with app.js.
  // hooks: { openThread(id), loadThreads(), rememberThread(id), agent() -> name }
  function create(state, hooks) {
    const ui = { log: $('log'), composer: $('composer'), message: $('message'), send: $('send'), stop: $('stop'), retry: $('retry') };

    // ---- sending ----

    async function send() {
      const input = ui.message.value.trim();
      if (!input || state.run || state.sending) return;
      state.sending = true;
      ui.send.disabled = true;
      ui.message.value = '';
      const view = state.view;
      let created = false;
      const sent = C.append(C.bubble('user', input).node);
      try {
        if (!state.threadId) {
          let thread;
          try {
            thread = await A.api('POST', '/api/threads', { title: titleFrom(input), agent: hooks.agent() });
          } catch (error) {
            if (error instanceof A.ApiError && error.status === 404) error.chatMissing = true;
            throw error;
          }
          if (view !== state.view) return;
          state.threadId = thread.id;
          created = true;
        }
        const run = await A.api('POST', `/api/threads/${enc(state.threadId)}/runs`, { input, agent: hooks.agent() });
        if (view !== state.view) return;
        startRun(run.id);
      } catch (error) {
        if (view !== state.view) return;
        if (!ui.message.value) {
          ui.message.value = input; // nothing typed is lost: it goes back to the field
          sent.remove();
        }
        if (error.chatMissing || C.routeMissing(error)) C.noteUnavailable();
        else if (!(error instanceof A.ApiError && error.status === 401)) C.noteError(error);
      } finally {
        state.sending = false;
        if (!state.run) ui.send.disabled = false;
        if (created || state.run) hooks.loadThreads();
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
          C.note('There is no message of yours in this thread to retry.');
          return;
        }
        C.append(C.bubble('user', input).node);
        const run = await A.api('POST', `/api/threads/${enc(id)}/runs`, { input, agent: hooks.agent() });
        if (view !== state.view) return;
        startRun(run.id);
      } catch (error) {
        if (view !== state.view) return;
        if (C.routeMissing(error)) C.noteUnavailable();
        else if (!(error instanceof A.ApiError && error.status === 401)) C.noteError(error);
      } finally {
        state.sending = false;
        if (!state.run) ui.send.disabled = false;
        else hooks.loadThreads();
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

    // ---- following ----

    // Follows run `id` in `turn` (a new one at the end of the log unless given), from seq 0.
    function startRun(id, turn) {
      const run = { id, controller: new AbortController(), turn: turn || C.addTurn(), finished: false, status: null, messageId: null, lastSeq: 0 };
      state.run = run;
      hooks.rememberThread(state.threadId); // a thread made by this message: a reload reopens it
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
            C.statusLine(run.turn, message, 'warn');
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
            C.statusLine(run.turn, 'Live updates are not available on this server yet.', 'warn');
            break;
          }
          if (response.status === 401) break; // signed out; the sign-in form is showing
          if (!response.ok) throw await A.errorFrom(response);
          await window.CairnSSE.readEvents(response.body, signal, (envelope, id) => {
            const seq = typeof envelope.seq === 'number' ? envelope.seq : Number(id) || 0;
            if (seq && seq <= lastSeq) return; // replayed after a reconnect
            if (seq) lastSeq = seq;
            received = true;
            handleEvent(run, envelope);
          });
        } catch (error) {
          if (signal.aborted) break;
          if (error instanceof A.ApiError && error.status < 500 && error.status !== 429) {
            A.errorLines(error).forEach((line) => C.statusLine(run.turn, line, 'bad'));
            break;
          }
        }
        if (run.finished || signal.aborted) break;
        failures = received ? 0 : failures + 1;
        if (failures > 5) {
          C.statusLine(run.turn, 'Lost the connection to this run. Open the thread again to see its result.', 'warn');
          break;
        }
        await sleep(500 * 2 ** Math.min(failures, 4));
      }
      finishRun(run);
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
            C.scheduleAnswer(turn);
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
          C.keepScrolled();
          break;
      }
    }

    function finishRun(run) {
      if (!run.finished && !run.turn.timeline.done && state.run === run) {
        C.statusLine(run.turn, 'Stopped following this run. Open the thread again to see its result.', 'warn');
      }
      run.turn.answer.node.classList.remove('pending');
      if (!run.turn.text) run.turn.answer.node.remove();
      if (state.run !== run) return;
      state.run = null;
      resetComposer();
      // A server that stores the answer without streaming deltas still gets it shown.
      if (run.status === 'succeeded' && !run.turn.text && run.messageId && state.threadId) hooks.openThread(state.threadId);
      else hooks.loadThreads();
    }

    async function stop() {
      const run = state.run;
      if (!run) return;
      ui.stop.disabled = true;
      try {
        await A.api('POST', `/api/runs/${enc(run.id)}/cancel`);
        // The stream may already have said "Run cancelled" while the request was answered.
        if (run.finished || state.run !== run) return;
        C.statusLine(run.turn, 'Stopping…');
        // The stream normally ends with run_completed; do not leave the page waiting forever.
        setTimeout(() => { if (!run.finished) run.controller.abort(); }, 10000);
      } catch (error) {
        if (run.finished || state.run !== run) return; // it ended first (409 "already ended"): nothing to stop
        ui.stop.disabled = false;
        if (C.routeMissing(error)) C.statusLine(run.turn, 'Stopping runs is not available on this server yet.', 'warn');
        else A.errorLines(error).forEach((line) => C.statusLine(run.turn, line, 'bad'));
      }
    }

    // ---- an opened thread's history ----

    // Shows `messages` in the (emptied) log: each run's answer goes in its turn, under the user's
    // message that started it; then the runs' timelines are rebuilt (resumeIfRunning).
    async function showHistory(messages, view) {
      const text = (message) => (typeof message.content === 'string' ? message.content : JSON.stringify(message.content));
      const asked = new Set(messages.filter((m) => m.role === 'user' && m.run_id).map((m) => m.run_id));
      const answers = new Map(messages.filter((m) => m.role === 'assistant' && asked.has(m.run_id)).map((m) => [m.run_id, m]));
      const turns = [];
      for (const message of messages) {
        if (message.role === 'assistant' && asked.has(message.run_id)) continue;
        C.append(C.bubble(message.role, text(message)).node);
        if (message.role !== 'user' || !message.run_id) continue;
        const turn = C.addTurn(false);
        const answer = answers.get(message.run_id);
        if (answer) C.setAnswer(turn, text(answer));
        turns.push({ runId: message.run_id, turn, answered: Boolean(answer) });
      }
      if (!messages.length) C.note('No messages in this thread yet.');
      ui.log.scrollTop = ui.log.scrollHeight;
      await resumeIfRunning(turns, view);
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
          if (view === state.view) C.statusLine(turn, `Could not load this run: ${A.errorLines(error).join(' ')}`, 'bad');
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
        if (!entry.answered && streamed) C.setAnswer(turn, streamed);
        if (ACTIVE.has(run.status)) C.statusLine(turn, 'Still running. Open the thread again later to see the answer.', 'warn');
        else turn.timeline.finish({ status: run.status, error: run.error, usage: run.usage, ts: run.finished_at });
        turn.answer.node.classList.remove('pending');
        if (!turn.text) turn.answer.node.remove();
      }));
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

    return Object.freeze({ detachRun, showHistory });
  }

  window.CairnRuns = Object.freeze({ create });
})();
