// The Users page's "Sessions & keys" panel, opened under a user's row by users.js: the user's
// live sessions (signed in, last used, expires, IP address, device) and personal API keys (name,
// prefix, scopes, created, expires, last used), each with a Revoke button that asks first and
// ends just that one (GET/DELETE /api/admin/users/{id}/sessions and …/keys).
(() => {
  'use strict';

  // panel(kit, { user, columns, close }) → a <tr class="detail access-detail"> to put after the
  // user's row; `close()` is called by its Close button; `tr.reload()` fetches both lists again.
  function panel(kit, { user, columns, close }) {
    const { A, el, enc, cell, clip, table } = kit;
    const base = `/api/admin/users/${enc(user.id)}`;
    const id = (part) => `access-${part}-${user.id}`;
    const message = el('div', { class: 'row-message error-text', role: 'alert' });
    const status = el('p', { class: 'status', role: 'status' });
    const sessionsTitle = el('h3', { id: id('sessions'), text: 'Live sessions' });
    const keysTitle = el('h3', { id: id('keys'), text: 'API keys' });
    const sessionsBody = el('div', { 'aria-labelledby': id('sessions'), role: 'group' }, el('p', { class: 'hint', text: 'Loading…' }));
    const keysBody = el('div', { 'aria-labelledby': id('keys'), role: 'group' }, el('p', { class: 'hint', text: 'Loading…' }));
    const closeButton = el('button', { type: 'button', class: 'small', text: 'Close', 'aria-label': `Close sessions and keys of ${user.email}`, onclick: close });
    const box = el('section', { class: 'detail-box access-box', 'aria-label': `Sessions and API keys of ${user.email}` },
      el('div', { class: 'access-head' },
        el('p', { class: 'hint', text: `Sessions and API keys of ${user.email}. Revoking one ends it at once; the other sessions and keys keep working.` }),
        closeButton),
      status, message, sessionsTitle, sessionsBody, keysTitle, keysBody);
    const detail = el('tr', { class: 'detail access-detail', 'data-user': user.id }, el('td', { colspan: String(columns) }, box));

    const never = () => el('span', { class: 'hint', text: 'never' });
    const when = (value) => (value ? new Date(value).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }) : '');

    function title(heading, text, count) {
      heading.textContent = count === null ? text : `${text} (${count})`;
    }

    // One list (sessions or keys): a table whose rows leave as they are revoked.
    function list({ body, heading, text, empty, headings, items, row }) {
      let count = items.length;
      title(heading, text, count);
      if (!count) {
        body.replaceChildren(el('p', { class: 'hint', text: empty }));
        return;
      }
      const tbody = el('tbody');
      const gone = (tr) => {
        const next = tr.nextElementSibling || tr.previousElementSibling;
        tr.remove();
        count -= 1;
        title(heading, text, count);
        if (!count) {
          body.replaceChildren(el('p', { class: 'hint', text: empty }));
          closeButton.focus();
        } else {
          // Keyboard users stay in the list: on the neighbour's Revoke button.
          const button = next && next.querySelector('button');
          if (button) button.focus();
        }
      };
      tbody.append(...items.map((item) => row(item, gone)));
      body.replaceChildren(table(headings, tbody, { stack: true }));
    }

    // DELETE one session or key after a confirmation; a 404 means it had ended already.
    async function revoke(button, question, path, done, gone) {
      if (!window.confirm(question)) return;
      button.disabled = true;
      A.clearError(message);
      status.textContent = '';
      try {
        await A.api('DELETE', path);
        status.textContent = done;
        gone(button.closest('tr'));
      } catch (e) {
        if (kit.is401(e)) return;
        if (kit.is404(e) && !/no route/i.test(e.message)) {
          status.textContent = 'It had already ended.';
          gone(button.closest('tr'));
          return;
        }
        button.disabled = false;
        A.showError(message, e);
      }
    }

    function sessionRow(session, gone) {
      const device = session.user_agent || 'unknown device';
      const where = session.ip || 'an unknown address';
      const button = el('button', { type: 'button', class: 'small danger', text: 'Revoke',
        'aria-label': `Revoke session: ${device.slice(0, 60)}, from ${where}, signed in ${when(session.created_at)}` });
      button.addEventListener('click', () => revoke(button,
        `End this session of ${user.email}?\n\nSigned in ${when(session.created_at)} from ${where}\n${device.slice(0, 200)}\n\nThat browser or app is signed out at once; the user's other sessions keep working.`,
        `${base}/sessions/${enc(session.id)}`, `Session of ${user.email} from ${where} revoked: it is signed out.`, gone));
      return el('tr', { 'data-session': session.id },
        el('td', {}, cell(session.created_at)),
        el('td', {}, cell(session.last_used_at)),
        el('td', {}, cell(session.expires_at)),
        el('td', {}, clip(session.ip, 40)),
        el('td', { class: 'agent-cell' }, clip(session.user_agent, 48)),
        el('td', {}, button));
    }

    function keyRow(key, gone) {
      const name = key.name || key.prefix || key.id;
      const button = el('button', { type: 'button', class: 'small danger', text: 'Revoke', 'aria-label': `Revoke API key ${name}` });
      button.addEventListener('click', () => revoke(button,
        `Revoke the API key "${name}" (${key.prefix}…) of ${user.email}?\n\nEvery program using it is refused from the next request on. This cannot be undone.`,
        `${base}/keys/${enc(key.id)}`, `API key ${name} of ${user.email} revoked.`, gone));
      const scopes = Array.isArray(key.scopes) && key.scopes.length ? key.scopes.join(', ') : null;
      return el('tr', { 'data-key': key.id },
        el('td', {}, clip(key.name, 40)),
        el('td', {}, el('code', { text: key.prefix ? `${key.prefix}…` : '' })),
        el('td', {}, cell(scopes)),
        el('td', {}, cell(key.created_at)),
        el('td', {}, key.expires_at ? cell(key.expires_at) : never()),
        el('td', {}, key.last_used_at ? cell(key.last_used_at) : never()),
        el('td', {}, button));
    }

    function failed(body, heading, text, what, error) {
      title(heading, text, null);
      if (kit.is404(error) && /no route/i.test(error.message)) {
        body.replaceChildren(el('p', { class: 'notice', text: `Listing a user's ${what} is not available on this server yet.` }));
        return;
      }
      const box = el('div', { class: 'error', role: 'alert' });
      A.showError(box, error);
      box.prepend(el('div', { text: `Could not load the ${what}:` }));
      body.replaceChildren(box);
    }

    let loadId = 0;
    async function load() {
      const current = ++loadId;
      A.clearError(message);
      const [sessions, keys] = await Promise.allSettled([A.api('GET', `${base}/sessions`), A.api('GET', `${base}/keys`)]);
      if (current !== loadId || !detail.isConnected) return;
      if ([sessions, keys].some((result) => result.status === 'rejected' && kit.is401(result.reason))) return;
      if (sessions.status === 'fulfilled') {
        list({ body: sessionsBody, heading: sessionsTitle, text: 'Live sessions', empty: 'No live sessions: the user is signed in nowhere.',
          headings: ['Signed in', 'Last used', 'Expires', 'IP address', 'Device (user agent)', ''],
          items: kit.itemsOf(sessions.value), row: sessionRow });
      } else {
        failed(sessionsBody, sessionsTitle, 'Live sessions', 'sessions', sessions.reason);
      }
      if (keys.status === 'fulfilled') {
        list({ body: keysBody, heading: keysTitle, text: 'API keys', empty: 'No API keys.',
          headings: ['Name', 'Prefix', 'Scopes', 'Created', 'Expires', 'Last used', ''],
          items: kit.itemsOf(keys.value), row: keyRow });
      } else {
        failed(keysBody, keysTitle, 'API keys', 'API keys', keys.reason);
      }
    }

    detail.reload = () => { status.textContent = ''; load(); };
    load();
    return detail;
  }

  window.CairnAdminUserAccess = Object.freeze({ panel });
})();
