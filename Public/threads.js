// The chat page's thread list (rename inline, delete after a confirmation), the search over the
// user's own messages above it, and the composer's agent picker. A classic script loaded before
// app.js; app.js fetches the list and hands it over (window.CairnThreads).
(() => {
  'use strict';

  const A = window.CairnAuth;
  const { el, enc, itemsOf } = window.CairnDOM;

  // hooks: { list, note, open(id), current() -> id, onDeleted(id), reload() }
  function create(hooks) {
    const { list, note } = hooks;
    const known = new Map(); // thread id -> thread, from the last list and search look-ups
    let editing = null;

    // ---- the list ----

    function render(threads) {
      for (const thread of threads) known.set(thread.id, thread);
      if (editing) return; // a rename in progress is not thrown away; the next load redraws
      note.textContent = threads.length ? '' : 'No threads yet.';
      list.replaceChildren(...threads.map(row));
      mark();
    }

    function row(thread) {
      const when = thread.updated_at || thread.created_at;
      const title = thread.title || 'Untitled thread';
      const open = el('button', { type: 'button', class: 'thread', 'data-id': thread.id, onclick: () => hooks.open(thread.id) },
        el('span', { class: 'thread-title', text: title }),
        when ? el('span', { class: 'hint', text: new Date(when).toLocaleString() }) : null);
      const rename = el('button', { type: 'button', class: 'link small', text: 'Rename', 'aria-label': `Rename thread "${title}"` });
      const remove = el('button', { type: 'button', class: 'link small danger', text: 'Delete', 'aria-label': `Delete thread "${title}"` });
      const item = el('li', { class: 'thread-row', 'data-id': thread.id }, open, el('div', { class: 'thread-tools' }, rename, remove));
      rename.addEventListener('click', () => startRename(item, thread));
      remove.addEventListener('click', () => removeThread(thread, remove));
      return item;
    }

    function mark() {
      const current = hooks.current();
      for (const item of list.querySelectorAll('li.thread-row')) {
        const here = item.dataset.id === current;
        item.classList.toggle('current', here);
        const button = item.querySelector('button.thread');
        if (!button) continue;
        if (here) button.setAttribute('aria-current', 'true');
        else button.removeAttribute('aria-current');
      }
    }

    // Enter saves, Escape cancels, leaving the field saves what was typed.
    function startRename(item, thread) {
      const open = item.querySelector('button.thread');
      const tools = item.querySelector('.thread-tools');
      const input = el('input', { class: 'rename', value: thread.title || '', maxlength: '200', 'aria-label': 'Thread title' });
      const error = el('p', { class: 'error-text small-text', role: 'alert' });
      open.hidden = true;
      tools.hidden = true;
      item.prepend(input, error);
      editing = thread.id;
      let done = false;
      const finish = async (save) => {
        if (done) return;
        const title = input.value.trim();
        if (save && title && title !== thread.title) {
          input.disabled = true;
          try {
            const saved = await A.api('PATCH', `/api/threads/${enc(thread.id)}`, { title });
            known.set(saved.id, saved);
            thread.title = saved.title;
          } catch (failure) {
            input.disabled = false;
            error.textContent = A.errorLines(failure).join(' ');
            input.focus();
            return; // stays open to correct
          }
        }
        done = true;
        editing = null;
        input.remove();
        error.remove();
        open.hidden = false;
        tools.hidden = false;
        open.querySelector('.thread-title').textContent = thread.title || 'Untitled thread';
        item.querySelector('.thread-tools button').focus();
        if (save) hooks.reload();
      };
      input.addEventListener('keydown', (event) => {
        if (event.key === 'Enter') { event.preventDefault(); finish(true); }
        else if (event.key === 'Escape') { event.preventDefault(); event.stopPropagation(); finish(false); }
      });
      input.addEventListener('blur', () => { if (!input.disabled) finish(true); });
      input.focus();
      input.select();
    }

    async function removeThread(thread, button) {
      const title = thread.title || 'Untitled thread';
      if (!window.confirm(`Delete the thread "${title}"? It leaves your thread list and search.`)) return;
      button.disabled = true;
      try {
        await A.api('DELETE', `/api/threads/${enc(thread.id)}`);
        known.delete(thread.id);
        note.textContent = `Deleted "${title}".`;
        if (hooks.current() === thread.id) hooks.onDeleted(thread.id);
      } catch (failure) {
        note.textContent = A.errorLines(failure).join(' ');
      }
      button.disabled = false;
      hooks.reload();
    }

    // ---- search over the user's own messages ----

    const query = el('input', { id: 'thread-search', type: 'search', placeholder: 'Words to find', autocomplete: 'off' });
    const status = el('p', { class: 'hint search-status', role: 'status' });
    const results = el('ul', { id: 'search-results', class: 'thread-list search-results', 'aria-label': 'Search results', hidden: true });
    const form = el('form', { role: 'search', class: 'thread-search' },
      el('label', { for: 'thread-search', text: 'Search threads' }), query);
    list.before(form, status, results);
    let searched = 0;
    let timer = null;

    form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearTimeout(timer);
      search();
    });
    query.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(search, 300);
    });
    query.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && query.value) {
        event.preventDefault();
        clearSearch();
      }
    });

    function clearSearch() {
      query.value = '';
      searched += 1;
      showResults(false);
      status.textContent = '';
    }

    function showResults(on) {
      results.hidden = !on;
      list.hidden = on;
      note.hidden = on;
    }

    async function search() {
      const q = query.value.trim();
      const ticket = ++searched;
      if (!q) {
        showResults(false);
        status.textContent = '';
        return;
      }
      status.textContent = 'Searching…';
      try {
        const found = itemsOf(await A.api('GET', `/api/search?q=${enc(q)}&limit=20`));
        await titlesFor(found.map((message) => message.thread_id));
        if (ticket !== searched) return;
        const words = wordsOf(q);
        results.replaceChildren(...found.map((message) => {
          const thread = known.get(message.thread_id);
          return el('li', {}, el('button', { type: 'button', class: 'thread result', onclick: () => hooks.open(message.thread_id) },
            el('span', { class: 'thread-title', text: (thread && thread.title) || 'Untitled thread' }),
            el('span', { class: 'snippet' }, ...highlight(snippet(String(message.content || ''), words), words))));
        }));
        status.textContent = found.length ? `${found.length} message${found.length === 1 ? '' : 's'} found. Escape clears the search.`
          : `No message contains "${q}".`;
        showResults(true);
      } catch (failure) {
        if (ticket !== searched) return;
        status.textContent = A.errorLines(failure).join(' ');
      }
    }

    // Titles of threads the list has not shown yet (an older page) are looked up once.
    async function titlesFor(ids) {
      const missing = [...new Set(ids)].filter((id) => !known.has(id));
      await Promise.all(missing.map(async (id) => {
        try {
          known.set(id, await A.api('GET', `/api/threads/${enc(id)}`));
        } catch {
          // Shown as "Untitled thread".
        }
      }));
    }

    return { render, mark, clearSearch, thread: (id) => known.get(id) };
  }

  // The search's words, as the server splits them: runs of letters and digits.
  const wordsOf = (q) => (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) || []).slice(0, 16);
  const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

  // About 160 characters of the message around its first matching word.
  function snippet(text, words) {
    const flat = text.replace(/\s+/g, ' ').trim();
    const lower = flat.toLowerCase();
    const at = words.map((word) => lower.indexOf(word)).filter((i) => i >= 0).sort((a, b) => a - b)[0] || 0;
    const start = Math.max(0, at - 50);
    const end = Math.min(flat.length, start + 160);
    return `${start > 0 ? '…' : ''}${flat.slice(start, end)}${end < flat.length ? '…' : ''}`;
  }

  // Text nodes and <mark> elements (never HTML parsing): the matched words stand out.
  function highlight(text, words) {
    if (!words.length) return [text];
    const pattern = new RegExp(`(${words.map(escapeRegExp).join('|')})`, 'giu');
    return text.split(pattern).map((part, index) => (index % 2 === 1 ? el('mark', { text: part }) : part))
      .filter((part) => part !== '');
  }

  // ---- the composer's agent picker ----

  // select: the <select>; fills it from GET /api/agents, the built-in default "assistant" first chosen.
  function agentPicker(select) {
    let fallback = 'assistant';
    async function load() {
      try {
        const agents = await A.api('GET', '/api/agents');
        if (!Array.isArray(agents) || !agents.length) return;
        const chosen = select.value;
        select.replaceChildren(...agents.map((agent) => el('option', {
          value: agent.name, text: agent.name, title: agent.description || null,
        })));
        fallback = agents.some((agent) => agent.name === 'assistant') ? 'assistant' : agents[0].name;
        set(chosen || fallback);
      } catch {
        // Without the list the server's default agent answers (the option already there).
      }
    }
    function set(name) {
      const wanted = name || fallback;
      if (![...select.options].some((option) => option.value === wanted)) return;
      select.value = wanted;
      const option = select.selectedOptions[0];
      select.title = (option && option.title) || '';
    }
    select.addEventListener('change', () => set(select.value));
    return { load, set, reset: () => set(fallback), value: () => select.value || undefined };
  }

  window.CairnThreads = Object.freeze({ create, agentPicker, snippet, wordsOf });
})();
