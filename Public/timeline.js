// A run's timeline on the chat page: agents (pipeline steps nested in their pipeline) with their
// durations, thinking, each tool call with its arguments and result, notices and the outcome in
// plain words, and the token usage. Open while the run goes on; when it ends it folds into one
// summary line that can be opened again. The same code rebuilds a past run from its stored events.
(() => {
  'use strict';

  const { el } = window.CairnDOM;
  const QUEUED_AFTER_MS = 500;

  // What a failed, cancelled or interrupted run means, in words (error.code -> sentence).
  const REASONS = {
    provider_unavailable: 'The AI model could not be reached, so no answer was written.',
    provider_error: 'The AI model refused the request.',
    breaker_open: 'The AI model is paused after repeated failures.',
    context_length_exceeded: 'The conversation is too long for the AI model.',
    timeout: 'It took too long and was stopped.',
    max_steps: 'The agent needed too many steps and gave up.',
    unknown_agent: 'This agent is set up wrongly: one of its steps does not exist.',
    internal_error: 'Something went wrong on the server.',
    cancelled: 'Run cancelled before it finished.',
    interrupted: 'Interrupted by a server restart before it finished.',
  };

  const seconds = (ms) => (ms < 1000 ? `${Math.max(0, Math.round(ms))} ms` : `${(ms / 1000).toFixed(1)} s`);
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  const errorCode = (error) => (error && typeof error === 'object' ? error.code : null);
  const errorMessage = (error) => (typeof error === 'string' ? error : (error && (error.message || error.code)) || '');
  const reasonOf = (error, status) => REASONS[errorCode(error)] || REASONS[status]
    || (errorMessage(error) ? `${errorMessage(error)}.`.replace(/\.\.$/, '.') : 'It ended without an answer.');
  const json = (value) => (typeof value === 'string' ? value : JSON.stringify(value, null, 2));
  const short = (text, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

  // The one argument or result value worth showing on the collapsed line of a tool call.
  function brief(value) {
    if (value === undefined || value === null) return '';
    if (typeof value !== 'object') return short(String(value));
    if ('value' in value) return short(String(value.value));
    const entries = Object.entries(value);
    if (entries.length === 1 && typeof entries[0][1] !== 'object') return short(String(entries[0][1]));
    return short(JSON.stringify(value));
  }

  function noticeText(p) {
    switch (p.code) {
      case 'queued_behind_n':
        return `Waiting in line: number ${p.position || '?'} of your runs waiting to start.`;
      case 'retrying':
        return `${p.provider || 'The AI model'} did not answer; trying again${typeof p.delay_ms === 'number' ? ` in ${seconds(p.delay_ms)}` : ''} (attempt ${(p.attempt || 0) + 1}).`;
      case 'breaker_open':
        return `${p.provider || 'The AI model'} is paused after repeated failures, so it is skipped for now.`;
      case 'provider_fallback':
        return `Switching from ${p.from || 'one AI model'} to ${p.to || 'another'}.`;
      default:
        return p.message || p.code || 'Notice';
    }
  }

  // The live region shared by every timeline: short progress words for screen readers.
  let announcer = null;
  function announce(text) {
    if (!announcer) {
      announcer = el('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', id: 'run-announcer' });
      document.body.append(announcer);
    }
    if (announcer.textContent !== text) announcer.textContent = text;
  }

  // create({ live }) -> a timeline; `live` timelines announce and show "Queued…" after a moment.
  function create({ live = false } = {}) {
    const label = el('span', { class: 'timeline-label', text: live ? 'Starting…' : 'Loading…' });
    const summary = el('summary', {}, label);
    const list = el('ol', { class: 'timeline-steps' });
    // Its own changes are announced briefly through the status region, not line by line by the log.
    const node = el('details', { class: 'timeline running', open: true, 'aria-live': 'off' }, summary, list);
    const agents = new Map(); // agent name -> { item, list, title, started, status }
    const open = []; // open agents, innermost last
    const tools = new Map(); // call_id -> { details, title, tool, args }
    const shown = new Set(); // texts already on the timeline, said once
    const counts = { agents: 0, tools: 0 };
    let firstTs = null;
    let queuedTimer = null;
    let queuedLine = null;
    let queuedAt = null;
    let done = false;

    const where = () => (open.length ? agents.get(open[open.length - 1]).list : list);
    const setLabel = (text) => { label.textContent = text; };

    function line(text, kind, into) {
      const item = el('li', { class: `timeline-line ${kind || ''}`.trim(), text });
      (into || where()).append(item);
      shown.add(text);
      return item;
    }

    // A text said once: later repeats (the same failure as notice, step and run) are dropped.
    function once(text, kind, into) {
      if (!text || shown.has(text)) return null;
      return line(text, kind, into);
    }

    function showQueued(text) {
      if (done) return;
      if (!queuedLine) queuedLine = line(text || 'Queued… waiting for a free slot.', 'wait', list);
      else if (text) queuedLine.textContent = text;
      setLabel('Queued…');
      if (live) announce('Queued');
    }

    function agentStarted(envelope, p) {
      const name = p.agent || envelope.agent || 'agent';
      const parent = p.parent && agents.get(p.parent);
      const title = el('span', { class: 'agent-title', text: `${name} is working…` });
      const children = el('ol', { class: 'timeline-steps' });
      const item = el('li', { class: 'timeline-agent running' }, title, children);
      (parent ? parent.list : where()).append(item);
      agents.set(name, { item, list: children, title, name, step: p.step });
      open.push(name);
      counts.agents += 1;
      setLabel(`${name} is working…`);
      if (live) announce(`${name} started`);
    }

    function agentCompleted(envelope, p) {
      const name = p.agent || envelope.agent || 'agent';
      const agent = agents.get(name);
      const index = open.lastIndexOf(name);
      if (index >= 0) open.splice(index, 1);
      if (!agent) return;
      const status = p.status || 'succeeded';
      // An agent closed at start-up after a crash has no real duration (0).
      const took = typeof p.duration_ms === 'number' && (p.duration_ms > 0 || status === 'succeeded') ? ` in ${seconds(p.duration_ms)}` : '';
      const words = { succeeded: 'finished', failed: 'failed', cancelled: 'was stopped', interrupted: 'was interrupted' }[status] || status;
      agent.title.textContent = `${name} ${words}${took}`;
      agent.item.classList.remove('running');
      agent.item.classList.add(status === 'succeeded' ? 'ok' : 'bad');
      if (status === 'failed' && p.error) once(errorMessage(p.error), 'bad', agent.list);
    }

    function toolExecuting(p) {
      counts.tools += 1;
      const args = p.arguments;
      const title = el('span', { text: `${p.tool || 'tool'}(${brief(args)}) running…` });
      const details = el('details', { class: 'tool-call' }, el('summary', {}, title),
        el('div', { class: 'tool-part' }, el('span', { class: 'hint', text: 'Arguments' }), el('pre', { class: 'tool-args', text: json(args) })));
      where().append(el('li', { class: 'timeline-tool running' }, details));
      tools.set(p.call_id, { details, title, tool: p.tool || 'tool', args });
      setLabel(`Using the ${p.tool || ''} tool…`);
      if (live) announce(`Using the ${p.tool || ''} tool`);
    }

    function toolCompleted(p) {
      const call = tools.get(p.call_id);
      if (!call) return;
      const took = typeof p.duration_ms === 'number' ? ` · ${seconds(p.duration_ms)}` : '';
      const item = call.details.parentElement;
      item.classList.remove('running');
      if (p.ok === false) {
        call.title.textContent = `${call.tool}(${brief(call.args)}) failed: ${short(errorMessage(p.error) || 'error')}${took}`;
        item.classList.add('bad');
        call.details.append(el('div', { class: 'tool-part' }, el('span', { class: 'hint', text: 'Error' }), el('pre', { class: 'tool-result', text: errorMessage(p.error) })));
      } else {
        call.title.textContent = `${call.tool}(${brief(call.args)}) → ${brief(p.result)}${took}`;
        item.classList.add('ok');
        call.details.append(el('div', { class: 'tool-part' }, el('span', { class: 'hint', text: 'Result' }), el('pre', { class: 'tool-result', text: json(p.result) })));
      }
    }

    // The run's end: the outcome in words and the usage, then one summary line.
    function finish({ status, error, usage, ts }) {
      if (done) return;
      done = true;
      clearTimeout(queuedTimer);
      node.classList.remove('running');
      const elapsed = firstTs && ts ? Date.parse(ts) - firstTs : null;
      const tokens = usage ? (usage.input_tokens || 0) + (usage.output_tokens || 0) : 0;
      if (status === 'succeeded') {
        const parts = [elapsed !== null ? `Done in ${seconds(elapsed)}` : 'Done', plural(counts.agents, 'agent', 'agents')];
        if (counts.tools) parts.push(plural(counts.tools, 'tool call', 'tool calls'));
        if (tokens) parts.push(plural(tokens, 'token', 'tokens'));
        setLabel(parts.join(' · '));
        node.classList.add('ok');
      } else {
        const reason = reasonOf(error, status);
        const head = { cancelled: 'Cancelled', interrupted: 'Interrupted by a server restart' }[status];
        setLabel(head ? `${head}${elapsed !== null && status === 'cancelled' ? ` after ${seconds(elapsed)}` : ''}` : `Failed: ${reason}`);
        node.classList.add(status === 'cancelled' ? 'warn' : 'bad');
        if (status === 'cancelled') once(reason, 'warn', list); // the summary line says the rest already
        else shown.add(reason);
        // The server's own words, unless a notice or a step already said them.
        const detail = errorMessage(error);
        if (detail && status === 'failed' && !shown.has(detail) && !reason.startsWith(detail)) once(`Details: ${detail}`, 'hint', list);
      }
      if (usage && tokens) line(`Tokens: ${usage.input_tokens || 0} in, ${usage.output_tokens || 0} out.`, 'hint', list);
      node.open = false;
      if (live) announce(status === 'succeeded' ? 'Answer finished' : label.textContent);
    }

    function event(envelope) {
      if (done) return;
      const p = envelope.payload || {};
      const ts = Date.parse(envelope.ts);
      if (firstTs === null && !Number.isNaN(ts)) firstTs = ts;
      switch (envelope.type) {
        case 'run_status':
          if (p.status === 'queued') {
            queuedAt = Number.isNaN(ts) ? null : ts;
            // A run that starts at once never flashes "Queued…".
            if (live) queuedTimer = setTimeout(() => showQueued(), QUEUED_AFTER_MS);
          } else if (p.status === 'running') {
            clearTimeout(queuedTimer);
            const waited = queuedAt !== null && !Number.isNaN(ts) ? ts - queuedAt : 0;
            if (queuedLine || waited >= QUEUED_AFTER_MS) {
              const text = `Waited ${seconds(waited)} in the queue.`;
              if (queuedLine) queuedLine.textContent = text;
              else queuedLine = line(text, 'wait', list);
            }
            setLabel('Working…');
            if (live) announce('Working');
          }
          break;
        case 'notice':
          if (p.code === 'queued_behind_n') showQueued(noticeText(p)); // the server says runs are ahead: say so now
          else {
            once(noticeText(p), ['retrying', 'breaker_open', 'provider_fallback', 'step_failed'].includes(p.code) ? 'warn' : null);
            if (p.message) shown.add(p.message); // so a failure repeating it is not shown again
          }
          break;
        case 'agent_started': agentStarted(envelope, p); break;
        case 'agent_thinking':
          if (p.text) line(`${p.text}…`, 'thinking');
          break;
        case 'tool_executing': toolExecuting(p); break;
        case 'tool_completed': toolCompleted(p); break;
        case 'agent_completed': agentCompleted(envelope, p); break;
        case 'message_delta':
          if (!node.dataset.writing) {
            node.dataset.writing = '1';
            setLabel('Writing the answer…');
            if (live) announce('Writing the answer');
          }
          break;
        case 'run_completed':
          finish({ status: p.status || 'succeeded', error: p.error, usage: p.usage, ts: envelope.ts });
          break;
        default:
          break;
      }
    }

    return {
      node,
      event,
      finish,
      get done() { return done; },
      // A line from the page itself ("Stopping…", a lost connection).
      note(text, kind) {
        if (!done) setLabel(text);
        return line(text, kind, list);
      },
    };
  }

  window.CairnTimeline = Object.freeze({ create, reasonOf, announce });
})();
