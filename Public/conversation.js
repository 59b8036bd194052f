// The chat page's conversation log (#log): message bubbles, a turn (the assistant's streamed
// answer with its run's timeline under it) and the page's own notes and errors. A classic script
// loaded before runs.js and app.js; it exposes window.CairnConversation.
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { $, el } = window.CairnDOM;
  const NOT_AVAILABLE = 'Chat is not available on this server yet.';

  const log = $('log');

  // A 404 that says the route itself is missing: the server has no chat API (yet).
  const routeMissing = (error) => error instanceof A.ApiError && error.status === 404 && /no route/i.test(error.message);

  function append(node) {
    const nearBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 80;
    log.append(node);
    if (nearBottom) log.scrollTop = log.scrollHeight;
    return node;
  }

  function keepScrolled() {
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
    for (const old of log.querySelectorAll('.unavailable')) old.remove();
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

  function setAnswer(turn, content) {
    turn.text = content;
    renderAnswer(turn.answer.body, content);
    turn.answer.node.classList.remove('pending');
  }

  window.CairnConversation = Object.freeze({
    routeMissing,
    append,
    keepScrolled,
    bubble,
    scheduleAnswer,
    note,
    noteUnavailable,
    noteError,
    addTurn,
    statusLine,
    setAnswer,
  });
})();
