// The console's "Users" section: search and status filter with paging, and per user: approve,
// role change, disable or enable, revoke sessions, unlock, a one-time password-reset link, a
// quota override (runs/day, tokens/day, tokens/month) beside the user's usage, and a "Sessions &
// keys" panel (user-access.js) to revoke one session or API key. admin.js calls `render` with
// its shared helpers.
(() => {
  'use strict';

  const QUOTA_FIELDS = [
    ['runs_per_day', 'Runs per day', 'runs_today', 'runs today'],
    ['tokens_per_day', 'Tokens per day', 'tokens_today', 'tokens today'],
    ['tokens_per_month', 'Tokens per month', 'tokens_month', 'tokens this month'],
  ];
  const number = (value) => (typeof value === 'number' ? value.toLocaleString() : '—');

  async function render(kit, alive) {
    const { A, el, enc, cell, statusBadge, table, query } = kit;
    const search = el('input', { id: 'user-search', type: 'search', autocomplete: 'off', placeholder: 'Name or email' });
    const statusFilter = el('select', { id: 'user-status' },
      ...[['', 'Any status'], ['active', 'Active'], ['pending', 'Pending approval'], ['disabled', 'Disabled']]
        .map(([value, text]) => el('option', { value, text })));
    const form = el('form', { class: 'toolbar', role: 'search' },
      el('div', { class: 'field' }, el('label', { for: 'user-search', text: 'Search users' }), search),
      el('div', { class: 'field' }, el('label', { for: 'user-status', text: 'Status' }), statusFilter),
      el('button', { type: 'submit', text: 'Search' }));
    const status = el('p', { class: 'status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const tbody = el('tbody');
    const more = el('button', { type: 'button', text: 'Load more', hidden: true });
    const COLUMNS = ['User', 'Role', 'Status', 'Usage (UTC day / month)', 'Last sign-in', 'Actions'];
    kit.body.replaceChildren(form, status, error, table(COLUMNS, tbody, { stack: true }), el('div', { class: 'actions' }, more));

    let cursor = null;
    let filters = { q: '', status: '' };
    let loadId = 0;

    async function load(append) {
      const id = ++loadId;
      A.clearError(error);
      more.disabled = true;
      try {
        const page = await A.api('GET', `/api/admin/users${query({ ...filters, cursor: append ? cursor : null })}`);
        if (id !== loadId || !alive()) return;
        // A server without the status filter returns everyone: filter here as well.
        const users = kit.itemsOf(page).filter((user) => !filters.status || user.status === filters.status);
        if (!append) tbody.replaceChildren();
        tbody.append(...users.map(userRow));
        if (!append && !users.length) {
          tbody.append(el('tr', {}, el('td', { colspan: String(COLUMNS.length), class: 'hint',
            text: filters.q || filters.status ? 'No users match.' : 'No users yet.' })));
        }
        cursor = page.next_cursor || null;
        more.hidden = !cursor;
      } catch (e) {
        if (id === loadId && alive() && !kit.is401(e)) A.showError(error, e);
      } finally {
        more.disabled = false;
      }
    }

    // Each quota line: what was used, and the override's limit when there is one (0 = unlimited).
    function usageText(user) {
      const usage = user.usage || {};
      const quota = user.quota || {};
      const lines = QUOTA_FIELDS.map(([key, , usageKey, usageLabel]) => {
        const limit = quota[key];
        const cap = limit === null || limit === undefined ? '' : limit === 0 ? ' / unlimited' : ` / ${number(limit)}`;
        return el('div', { class: cap ? 'quota-line override' : 'quota-line', text: `${number(usage[usageKey])}${cap} ${usageLabel}` });
      });
      return el('div', { class: 'usage-lines' }, ...lines,
        el('div', { class: 'hint', text: user.quota ? 'own quota (limits shown)' : 'default quota' }));
    }

    function userRow(user) {
      const who = user.name ? `${user.name} <${user.email}>` : user.email;
      const button = (label, onclick, extra = {}) => el('button', { type: 'button', class: 'small', text: label,
        'aria-label': `${label}: ${user.email}`, onclick, ...extra });
      const change = (label, body, done, question, extra) => button(label, (event) => {
        if (question && !window.confirm(question)) return;
        update(user, body, done, event.currentTarget);
      }, extra);
      const actions = [];
      if (user.status === 'pending') actions.push(change('Approve', { status: 'active' }, 'is approved', null, { class: 'small primary' }));
      actions.push(user.status === 'disabled'
        ? change('Enable', { disabled: false }, 'is enabled')
        : change('Disable', { disabled: true }, 'is disabled: every session is signed out',
          `Disable ${who}? Their sessions end at once and they cannot sign in until enabled again.`, { class: 'small danger' }));
      actions.push(user.role === 'admin'
        ? change('Make user', { role: 'user' }, 'is now a user', `Take the administrator role from ${who}?`)
        : change('Make admin', { role: 'admin' }, 'is now an administrator', `Make ${who} an administrator? They can change every setting and account.`));
      actions.push(button('Revoke sessions', (event) => revoke(user, who, event.currentTarget), { class: 'small danger' }));
      // Lifts the account-wide lock and every client's lockout (a client can be locked even when the account is not).
      actions.push(button('Unlock', (event) => unlock(user, event.currentTarget)));
      actions.push(button('Reset password', (event) => resetPassword(user, who, event.currentTarget)));
      actions.push(button('Quota', (event) => toggleQuota(user, event.currentTarget), { 'aria-expanded': 'false' }));
      actions.push(button('Sessions & keys', (event) => toggleAccess(user, event.currentTarget), { 'aria-expanded': 'false' }));
      return el('tr', { 'data-id': user.id, 'data-email': user.email },
        el('td', { class: 'user-cell' },
          el('div', { class: 'clip', title: `${user.email} (${user.id})`, text: user.email }),
          user.name ? el('div', { class: 'hint clip', title: user.name, text: user.name }) : null),
        el('td', { text: user.role }),
        el('td', {}, statusBadge(user.locked_until ? 'locked' : user.status),
          user.locked_until ? el('div', { class: 'hint' }, 'until ', cell(user.locked_until)) : null),
        el('td', {}, usageText(user)),
        el('td', {}, cell(user.last_login_at)),
        el('td', { class: 'actions-cell' }, el('div', { class: 'row-actions' }, ...actions)));
    }

    const rowOf = (button) => button.closest('tr');
    const detailOf = (row) => (row.nextElementSibling && row.nextElementSibling.classList.contains('detail') ? row.nextElementSibling : null);
    // Removes the panel under the row (if any) and marks every toggle of the row closed.
    function closeDetail(row) {
      const detail = detailOf(row);
      if (detail) detail.remove();
      for (const toggle of row.querySelectorAll('button[aria-expanded]')) toggle.setAttribute('aria-expanded', 'false');
      return detail;
    }

    function replaceRow(oldRow, user, focusLabel) {
      // A reload (search, filter) may have drawn the row again meanwhile: replace the one on the page.
      if (!oldRow.isConnected) oldRow = tbody.querySelector(`tr[data-id="${CSS.escape(user.id)}"]`) || oldRow;
      if (!oldRow.isConnected) return oldRow;
      const detail = detailOf(oldRow);
      if (detail) detail.remove();
      const row = userRow(user);
      oldRow.replaceWith(row);
      const target = (focusLabel && [...row.querySelectorAll('button')].find((b) => b.textContent === focusLabel)) || row.querySelector('button');
      if (target) target.focus(); // the clicked button is gone; keep keyboard users in the row
      return row;
    }

    async function update(user, body, done, button) {
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const updated = await A.api('PATCH', `/api/admin/users/${enc(user.id)}`, body);
        replaceRow(rowOf(button), { ...user, ...updated });
        status.textContent = `${updated.email} ${done}.`;
      } catch (e) {
        button.disabled = false;
        if (!kit.is401(e)) A.showError(error, e);
      }
    }

    async function unlock(user, button) {
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const updated = await A.api('POST', `/api/admin/users/${enc(user.id)}/unlock`);
        replaceRow(rowOf(button), { ...user, ...updated }, 'Unlock');
        status.textContent = `${updated.email} is unlocked: failed sign-ins no longer hold it back.`;
      } catch (e) {
        button.disabled = false;
        if (!kit.is401(e)) A.showError(error, e);
      }
    }

    async function revoke(user, who, button) {
      if (!window.confirm(`Sign ${who} out everywhere? Every session and refresh token of the account ends.`)) return;
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const result = await A.api('POST', `/api/admin/users/${enc(user.id)}/revoke-sessions`);
        const count = result && typeof result.revoked === 'number' ? result.revoked : null;
        const open = detailOf(rowOf(button));
        if (open && open.reload) open.reload(); // the sessions panel no longer lists them
        status.textContent = count === null
          ? `Sessions of ${user.email} revoked.`
          : `Revoked ${count} session${count === 1 ? '' : 's'} of ${user.email}.`;
      } catch (e) {
        if (!kit.is401(e)) A.showError(error, e);
      } finally {
        button.disabled = false;
      }
    }

    // The admin never sees or sets a password: the server issues a one-time link (1 hour) to hand over.
    async function resetPassword(user, who, button) {
      if (!window.confirm(`Create a one-time password-reset link for ${who}? Whoever opens it can choose a new password for this account.`)) return;
      button.disabled = true;
      A.clearError(error);
      status.textContent = '';
      try {
        const result = await A.api('POST', `/api/admin/users/${enc(user.id)}/password-reset`);
        const link = new URL(result.reset_url, location.origin).href;
        const row = rowOf(button);
        closeDetail(row);
        const fieldId = `reset-${user.id}`;
        const input = el('input', { id: fieldId, type: 'text', readonly: true, value: link, class: 'reset-link', spellcheck: 'false' });
        const copy = el('button', { type: 'button', class: 'small primary', text: 'Copy link' });
        const copied = el('span', { class: 'status', role: 'status' });
        copy.addEventListener('click', async () => {
          input.select();
          try {
            await navigator.clipboard.writeText(link);
            copied.textContent = 'Copied.';
          } catch {
            copied.textContent = 'Press Ctrl+C (⌘C) to copy the selected link.';
          }
        });
        const close = el('button', { type: 'button', class: 'small', text: 'Close', onclick: () => { detail.remove(); button.focus(); } });
        const detail = el('tr', { class: 'detail' }, el('td', { colspan: String(COLUMNS.length) },
          el('div', { class: 'detail-box' },
            el('label', { for: fieldId, text: `One-time password-reset link for ${user.email}` }),
            el('div', { class: 'inline-field' }, input, copy, close),
            el('p', { class: 'hint' }, 'Hand it to the user privately. It works once',
              ...(result.expires_at ? [', until ', cell(result.expires_at)] : []), '; using it signs out every session of the account.'),
            copied)));
        row.after(detail);
        input.focus();
        input.select();
        status.textContent = `Password-reset link created for ${user.email}.`;
      } catch (e) {
        if (kit.is401(e)) return;
        if (kit.is404(e) && /no route/i.test(e.message)) A.showError(error, new Error('Password-reset links are not available on this server yet.'));
        else A.showError(error, e);
      } finally {
        button.disabled = false;
      }
    }

    function toggleQuota(user, button) {
      const row = rowOf(button);
      const existing = closeDetail(row);
      if (existing && existing.classList.contains('quota-detail')) return;
      button.setAttribute('aria-expanded', 'true');
      const quota = user.quota || {};
      const usage = user.usage || {};
      const inputs = {};
      const message = el('div', { class: 'row-message', role: 'alert' });
      const fields = QUOTA_FIELDS.map(([key, label, usageKey, usageLabel]) => {
        const id = `quota-${key}-${user.id}`;
        inputs[key] = el('input', { id, type: 'number', min: '0', max: '1000000000', step: '1', inputmode: 'numeric',
          placeholder: 'default', value: quota[key] ?? '' });
        return el('div', { class: 'field' },
          el('label', { for: id, text: label }), inputs[key],
          el('span', { class: 'hint', text: `used: ${number(usage[usageKey])} ${usageLabel}` }));
      });
      const save = el('button', { type: 'submit', class: 'small primary', text: 'Save quota' });
      const remove = el('button', { type: 'button', class: 'small', text: 'Use defaults', disabled: !user.quota });
      const form = el('form', { class: 'detail-box', 'aria-label': `Quota override for ${user.email}` },
        el('p', { class: 'hint', text: `Quota override for ${user.email}. Blank = the server default (quotas.* in Configuration); 0 = unlimited. Days and months are UTC.` }),
        el('div', { class: 'quota-fields' }, ...fields),
        el('div', { class: 'actions' }, save, remove), message);
      const detail = el('tr', { class: 'detail quota-detail' }, el('td', { colspan: String(COLUMNS.length) }, form));
      row.after(detail);
      inputs.runs_per_day.focus();

      async function send(body, done) {
        save.disabled = true;
        remove.disabled = true;
        message.replaceChildren();
        message.className = 'row-message';
        try {
          const updated = await A.api('PATCH', `/api/admin/users/${enc(user.id)}`, body);
          const fresh = { ...user, ...updated };
          if (!('quota' in updated)) fresh.quota = body.quota;
          const newRow = replaceRow(row, fresh, 'Quota');
          status.textContent = `${fresh.email}: ${done}.`;
          const toggle = [...newRow.querySelectorAll('button[aria-expanded]')].find((b) => b.textContent === 'Quota');
          if (toggle) toggle.focus();
        } catch (e) {
          save.disabled = false;
          remove.disabled = !user.quota;
          if (kit.is401(e)) return;
          message.className = 'row-message error-text';
          message.replaceChildren(...A.errorLines(e).map((line) => el('div', { text: line })));
        }
      }

      form.addEventListener('submit', (event) => {
        event.preventDefault();
        const body = {};
        for (const [key, label] of QUOTA_FIELDS) {
          const raw = inputs[key].value.trim();
          if (raw === '') { body[key] = null; continue; }
          if (!/^\d+$/.test(raw) || Number(raw) > 1e9) {
            message.className = 'row-message error-text';
            message.textContent = `${label}: enter a whole number from 0 to 1,000,000,000, or leave it blank for the default.`;
            inputs[key].focus();
            return;
          }
          body[key] = Number(raw);
        }
        const empty = Object.values(body).every((v) => v === null);
        send({ quota: empty ? null : body }, empty ? 'the quota override is removed (defaults apply)' : 'quota override saved');
      });
      remove.addEventListener('click', () => {
        if (!window.confirm(`Remove the quota override of ${user.email}? The server defaults apply again.`)) return;
        send({ quota: null }, 'the quota override is removed (defaults apply)');
      });
    }

    // The user's live sessions and API keys, each revocable on its own (user-access.js).
    function toggleAccess(user, button) {
      const row = rowOf(button);
      const existing = closeDetail(row);
      if (existing && existing.classList.contains('access-detail')) return;
      if (!window.CairnAdminUserAccess) {
        A.showError(error, new Error('The sessions and keys panel did not load; reload the page.'));
        return;
      }
      button.setAttribute('aria-expanded', 'true');
      const detail = window.CairnAdminUserAccess.panel(kit, { user, columns: COLUMNS.length,
        close: () => { closeDetail(row); button.focus(); } });
      row.after(detail);
      detail.querySelector('button').focus();
    }

    let debounce = null;
    search.addEventListener('input', () => {
      clearTimeout(debounce);
      debounce = setTimeout(() => { filters = { q: search.value.trim(), status: statusFilter.value }; load(false); }, 300);
    });
    statusFilter.addEventListener('change', () => { filters = { q: search.value.trim(), status: statusFilter.value }; load(false); });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      clearTimeout(debounce);
      filters = { q: search.value.trim(), status: statusFilter.value };
      load(false);
    });
    more.addEventListener('click', () => load(true));
    await load(false);
  }

  (window.CairnAdminPages = window.CairnAdminPages || {}).users = { title: 'Users', render };
})();
