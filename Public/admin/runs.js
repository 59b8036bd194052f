// The console's "Runs" section: every user's runs, refreshed every 3 s while the page is open,
// filtered by status, user and agent; a run's event timeline (GET /api/admin/runs/{id}/events)
// and Cancel for queued or running runs. admin.js calls `render` with its shared helpers.
(() => {
  'use strict';

  const REFRESH_MS = 3000;
  const STATUSES = ['active', 'queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'];
  const KIND = { queued: 'warn', running: 'warn', succeeded: 'ok', failed: 'bad', cancelled: '', interrupted: 'bad', cancelling: 'warn' };
  const ACTIVE = new Set(['queued', 'running']);

  function duration(ms) {
    if (typeof ms !== 'number') return null;
    if (ms < 1000) return `${ms} ms`;
    if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
  }

  // What an event says, in one line: its text, tool, error or status rather than raw JSON.
  function summarize(event) {
    const p = event.payload || {};
    if (typeof p === 'string') return p;
    for (const key of ['text', 'delta', 'content', 'message']) if (typeof p[key] === 'string') return p[key];
    if (p.error && typeof p.error === 'object') return `${p.error.code || 'error'}: ${p.error.message || ''}`;
    if (p.tool || p.name) return `${p.tool || p.name}${p.arguments ? ` ${JSON.stringify(p.arguments)}` : ''}`;
    if (p.status) return String(p.status);
    const json = JSON.stringify(p);
    return json === '{}' ? '' : json;
  }

  async function render(kit, alive) {
    const { A, el, enc, cell, badge, table, query, person, clip } = kit;
    const statusFilter = el('select', { id: 'run-status' }, el('option', { value: '', text: 'Any status' }),
      ...STATUSES.map((s) => el('option', { value: s, text: s === 'active' ? 'active (queued or running)' : s })));
    const userFilter = el('input', { id: 'run-user', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'email or usr_…' });
    const agentFilter = el('input', { id: 'run-agent', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'e.g. assistant' });
    const live = el('input', { id: 'run-live', type: 'checkbox', checked: true });
    const form = el('form', { class: 'toolbar' },
      el('div', { class: 'field' }, el('label', { for: 'run-status', text: 'Status' }), statusFilter),
      el('div', { class: 'field' }, el('label', { for: 'run-user', text: 'User' }), userFilter),
      el('div', { class: 'field' }, el('label', { for: 'run-agent', text: 'Agent' }), agentFilter),
      el('button', { type: 'submit', text: 'Filter' }),
      el('label', { for: 'run-live', class: 'checkbox' }, live, ' Live (every 3 s)'));
    const status = el('p', { class: 'status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const tbody = el('tbody');
    const more = el('button', { type: 'button', text: 'Older', hidden: true });
    const timeline = el('section', { class: 'panel timeline-panel', 'aria-labelledby': 'timeline-title', hidden: true });
    const COLUMNS = ['Created', 'User', 'Agent', 'Status', 'Duration', 'Tokens in / out', 'Error', 'Actions'];
    kit.body.replaceChildren(form, status, error, table(COLUMNS, tbody, { stack: true }), el('div', { class: 'actions' }, more), timeline);

    let filters = {};
    let first = []; // the newest page, refreshed while live
    let older = []; // pages loaded with "Older"
    let cursor = null;
    let loadId = 0;
    let selected = null; // the run whose timeline is open
    let events = [];

    function row(run) {
      const actions = [el('button', { type: 'button', class: 'small', text: 'Events', 'aria-label': `Events of run ${run.id}`,
        'aria-pressed': selected === run.id ? 'true' : 'false', onclick: () => openTimeline(run) })];
      if (ACTIVE.has(run.status)) {
        actions.push(el('button', { type: 'button', class: 'small danger', text: 'Cancel', 'aria-label': `Cancel run ${run.id}`,
          onclick: (event) => cancel(run, event.currentTarget) }));
      }
      const tokens = (typeof run.input_tokens === 'number' || typeof run.output_tokens === 'number')
        ? `${run.input_tokens ?? 0} / ${run.output_tokens ?? 0}` : null;
      const failure = run.error && typeof run.error === 'object' ? `${run.error.code}: ${run.error.message}` : run.error;
      return el('tr', { 'data-id': run.id, 'data-status': run.status, class: selected === run.id ? 'selected' : null },
        el('td', { title: run.id }, cell(run.created_at)),
        el('td', {}, person(run.user_email, run.user_id)),
        el('td', {}, clip(run.agent, 16)),
        el('td', {}, badge(run.status, KIND[run.status])),
        el('td', {}, cell(duration(run.duration_ms))),
        el('td', {}, cell(tokens)),
        el('td', {}, clip(failure, 16)),
        el('td', { class: 'run-actions' }, el('div', { class: 'row-actions' }, ...actions)));
    }

    // Rows are rebuilt only when their run changed, so focus and selection survive a refresh.
    function draw() {
      const seen = new Set(first.map((run) => run.id));
      const runs = [...first, ...older.filter((run) => !seen.has(run.id))];
      const existing = new Map([...tbody.querySelectorAll('tr[data-id]')].map((tr) => [tr.dataset.id, tr]));
      const focused = document.activeElement && tbody.contains(document.activeElement) ? document.activeElement : null;
      const focusRun = focused ? focused.closest('tr').dataset.id : null;
      const focusText = focused ? focused.textContent : null;
      const rows = runs.map((run) => {
        const json = JSON.stringify(run) + (selected === run.id);
        const old = existing.get(run.id);
        if (old && old.dataset.json === json) return old;
        const fresh = row(run);
        fresh.dataset.json = json;
        return fresh;
      });
      if (!runs.length) {
        tbody.replaceChildren(el('tr', {}, el('td', { colspan: String(COLUMNS.length), class: 'hint',
          text: Object.values(filters).some(Boolean) ? 'No runs match.' : 'No runs yet.' })));
        return;
      }
      tbody.replaceChildren(...rows);
      if (focusRun && !(focused && tbody.contains(focused))) {
        const tr = tbody.querySelector(`tr[data-id="${CSS.escape(focusRun)}"]`);
        const target = tr && ([...tr.querySelectorAll('button')].find((b) => b.textContent === focusText) || tr.querySelector('button'));
        if (target) target.focus();
      } else if (focused && tbody.contains(focused)) {
        focused.focus();
      }
    }

    let unavailable = false;
    async function load(mode) { // 'refresh' (the newest page) or 'older'
      const id = ++loadId;
      try {
        const page = await A.api('GET', `/api/admin/runs${query({ ...filters, limit: '50', cursor: mode === 'older' ? cursor : null })}`);
        if (id !== loadId || !alive()) return;
        A.clearError(error);
        if (mode === 'older') {
          older.push(...kit.itemsOf(page));
          cursor = page.next_cursor || null;
        } else {
          first = kit.itemsOf(page);
          if (!older.length) cursor = page.next_cursor || null;
        }
        more.hidden = !cursor;
        draw();
      } catch (e) {
        if (id !== loadId || !alive() || kit.is401(e)) return;
        if (kit.is404(e)) { unavailable = true; kit.unavailable(); return; }
        A.showError(error, e);
      }
    }

    async function cancel(run, button) {
      if (!window.confirm(`Cancel run ${run.id} of ${run.user_email || run.user_id}? The agent stops and the run ends as cancelled.`)) return;
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        await A.api('POST', `/api/admin/runs/${enc(run.id)}/cancel`);
        status.textContent = `Run ${run.id} is being cancelled.`;
        await load('refresh');
      } catch (e) {
        button.disabled = false;
        if (kit.is401(e)) return;
        if (e instanceof A.ApiError && e.status === 409) {
          A.showError(error, new Error(`Run ${run.id} has already ended; there is nothing to cancel.`));
          await load('refresh');
        } else {
          A.showError(error, e);
        }
      }
    }

    // ---- the timeline ----

    const timelineList = el('ol', { class: 'timeline' });
    const timelineError = el('div', { class: 'error', role: 'alert', hidden: true });
    const timelineTitle = el('h2', { id: 'timeline-title' });
    const closeTimeline = el('button', { type: 'button', class: 'small', text: 'Close timeline' });
    timeline.append(el('div', { class: 'panel-head' }, timelineTitle, closeTimeline), timelineError, timelineList);
    closeTimeline.addEventListener('click', () => {
      const id = selected;
      selected = null;
      timeline.hidden = true;
      draw();
      const button = id && tbody.querySelector(`tr[data-id="${CSS.escape(id)}"] button`);
      if (button) button.focus();
    });

    function drawTimeline() {
      // Streamed text arrives word by word: consecutive events of one type become one line.
      const groups = [];
      for (const event of events) {
        const last = groups[groups.length - 1];
        const text = summarize(event);
        if (last && last.type === event.type && /delta|token|chunk|text/.test(event.type || '')) {
          last.count += 1;
          last.text += text;
          last.lastSeq = event.seq;
        } else {
          groups.push({ type: event.type, at: event.at || event.ts, seq: event.seq, lastSeq: event.seq, count: 1, text });
        }
      }
      timelineList.replaceChildren(...(groups.length ? groups.map((g) => el('li', { class: `event event-${String(g.type).replace(/[^a-z0-9_-]/gi, '')}` },
        el('span', { class: 'event-meta' }, cell(g.at), el('span', { class: 'hint', text: g.count > 1 ? ` #${g.seq}–${g.lastSeq}` : ` #${g.seq}` })),
        el('code', { class: 'event-type', text: g.count > 1 ? `${g.type} ×${g.count}` : g.type }),
        el('span', { class: 'event-text', title: g.text.slice(0, 4000), text: g.text.length > 400 ? `${g.text.slice(0, 399)}…` : g.text })))
        : [el('li', { class: 'hint', text: 'No events yet.' })]));
    }

    async function fetchEvents(run) {
      const after = events.length ? events[events.length - 1].seq : null;
      const page = await A.api('GET', `/api/admin/runs/${enc(run.id)}/events${query({ after: after === null ? null : String(after) })}`);
      if (selected !== run.id) return;
      const last = events.length ? events[events.length - 1].seq : -Infinity; // another fetch may have landed meanwhile
      events.push(...kit.itemsOf(page).filter((event) => !(event.seq <= last)));
      drawTimeline();
    }

    async function openTimeline(run) {
      selected = run.id;
      events = [];
      timeline.hidden = false;
      timelineTitle.textContent = `Events of run ${run.id} (${run.user_email || run.user_id}, ${run.agent})`;
      A.clearError(timelineError);
      timelineList.replaceChildren(el('li', { class: 'hint', text: 'Loading…' }));
      draw();
      timeline.scrollIntoView({ block: 'nearest' });
      try {
        await fetchEvents(run);
      } catch (e) {
        if (kit.is401(e)) return;
        timelineList.replaceChildren();
        A.showError(timelineError, kit.is404(e) && /no route/i.test(e.message)
          ? new Error('Run timelines are not available on this server yet.') : e);
      }
    }

    // ---- live refresh ----

    async function tick() {
      if (!alive() || unavailable) return;
      if (live.checked && !document.hidden) {
        await load('refresh');
        const run = selected && first.find((r) => r.id === selected);
        // Follow the open run: only events after the last one shown are asked for.
        if (run) {
          try {
            await fetchEvents(run);
          } catch {
            // The timeline keeps what it has; the next tick tries again.
          }
        }
      }
      if (alive()) setTimeout(tick, REFRESH_MS);
    }

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      filters = { status: statusFilter.value, user: userFilter.value.trim(), agent: agentFilter.value.trim() };
      older = [];
      cursor = null;
      load('refresh');
    });
    statusFilter.addEventListener('change', () => form.requestSubmit());
    more.addEventListener('click', () => load('older'));
    await load('refresh');
    if (!unavailable) setTimeout(tick, REFRESH_MS);
  }

  (window.CairnAdminPages = window.CairnAdminPages || {}).runs = { title: 'Runs', render };
})();
