// The chat page's composition root: the top bar, the thread list (threads.js) and the views it
// switches between, signed out (signin.js) and the chat itself, whose runs are runs.js (sent and
// followed over live.js or sse.js) drawn in the conversation log (conversation.js).
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, el, enc, itemsOf } = window.CairnDOM;
  const C = window.CairnConversation;

  const ui = {
    who: $('who'), adminLink: $('admin-link'), signOut: $('sign-out'),
    chatView: $('chat-view'), newThread: $('new-thread'), threadList: $('thread-list'),
    threadsNote: $('threads-note'), log: $('log'), message: $('message'),
    send: $('send'), agent: $('agent'), retry: $('retry'),
  };

  const state = { threadId: null, run: null, sending: false, view: 0 };

  // ---- views ----

  function showSignIn(message) {
    runs.detachRun();
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
    signin.show(message);
  }

  function showChat(user) {
    signin.hide();
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

  const signin = window.CairnSignIn.create({
    signedIn: (user) => showChat(user),
    restart: (message) => start(message),
    hideChat: () => { ui.chatView.hidden = true; },
  });

  A.bindSignOut(ui.signOut, showSignIn);

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
        C.noteUnavailable();
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
    runs.detachRun();
    state.view += 1;
    state.threadId = null;
    rememberThread(null);
    markCurrentThread();
    ui.log.replaceChildren();
    ui.message.focus();
  }

  async function openThread(id) {
    runs.detachRun();
    const view = ++state.view;
    state.threadId = id;
    rememberThread(id);
    markCurrentThread();
    ui.log.replaceChildren(el('p', { class: 'line note', text: 'Loading…' }));
    try {
      const messages = itemsOf(await A.api('GET', `/api/threads/${enc(id)}/messages`));
      if (view !== state.view) return;
      ui.log.replaceChildren();
      await runs.showHistory(messages, view);
    } catch (error) {
      if (view !== state.view) return;
      ui.log.replaceChildren();
      if (C.routeMissing(error)) C.noteUnavailable();
      else if (error instanceof A.ApiError && error.status === 404 && threadFromHash() === id) startNewThread(); // gone since
      else C.noteError(error);
    }
  }

  // ---- runs: sending, following, stopping (runs.js) ----

  const runs = window.CairnRuns.create(state, {
    openThread: (id) => openThread(id),
    loadThreads: () => loadThreads(),
    rememberThread: (id) => rememberThread(id),
    agent: () => agents.value(),
  });

  ui.newThread.addEventListener('click', startNewThread);

  // ---- start: back from a sign-in provider, else a password-reset link, else the session ----

  function start(message) {
    return A.startPage({
      enter: showChat,
      showSignIn,
      errorBox: signin.errorBox,
      interrupt: () => {
        if (signin.openResetLink()) return true;
        if (message) showSignIn(message);
        return Boolean(message);
      },
    });
  }

  start();
})();
