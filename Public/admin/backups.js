// The console's "Backups" section: every backup attempt (verified files and failures with their
// reason), "Back up now" (optionally gzip), download (the file, or gzip-compressed on the fly)
// and delete. admin.js calls `render` with its shared helpers.
(() => {
  'use strict';

  const size = (bytes) => {
    if (typeof bytes !== 'number' || bytes <= 0) return '—';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    const power = Math.min(units.length - 1, Math.floor(Math.log(bytes) / Math.log(1024)));
    return `${(bytes / 1024 ** power).toFixed(power ? 1 : 0)} ${units[power]}`;
  };

  async function render(kit, alive) {
    const { A, el, enc, cell, badge, table } = kit;
    const status = el('p', { class: 'status', role: 'status' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const tbody = el('tbody');
    const gzip = el('input', { type: 'checkbox', id: 'backup-gzip' });
    const create = el('button', { type: 'button', text: 'Back up now' });
    const refresh = el('button', { type: 'button', text: 'Refresh' });
    kit.body.replaceChildren(
      el('div', { class: 'toolbar' }, create, el('label', { for: 'backup-gzip' }, gzip, ' gzip'), refresh),
      el('p', { class: 'hint', text: 'A backup is a consistent, verified copy of the one database file, taken while the server runs. '
        + 'Scheduled backups go to the data directory\u2019s backups folder (Configuration: backups.interval_hours, backups.keep).' }),
      status, error,
      table(['Created', 'Trigger', 'Size', 'Duration', 'Verified', 'By', 'File', 'Actions'], tbody));

    async function download(backup, compressed, button) {
      button.disabled = true;
      A.clearError(error);
      try {
        const response = await A.authFetch(`/api/admin/backups/${enc(backup.id)}/download${compressed ? '?gzip=true' : ''}`);
        if (!response.ok) throw await A.errorFrom(response);
        const url = URL.createObjectURL(await response.blob());
        const link = el('a', { href: url, download: backup.file + (compressed && !backup.gzip ? '.gz' : '') });
        document.body.append(link);
        link.click();
        link.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
        status.textContent = `Downloaded ${backup.file}.`;
      } catch (e) {
        A.showError(error, e);
      } finally {
        button.disabled = false;
      }
    }

    async function remove(backup, button) {
      if (!window.confirm(`Delete the backup from ${backup.created_at}? Its file is removed.`)) return;
      button.disabled = true;
      try {
        await A.api('DELETE', `/api/admin/backups/${enc(backup.id)}`);
        status.textContent = 'Backup deleted.';
        await load();
      } catch (e) {
        button.disabled = false;
        A.showError(error, e);
      }
    }

    function row(backup) {
      const usable = backup.verified && backup.file_exists;
      const actions = [];
      if (usable) {
        actions.push(el('button', { type: 'button', class: 'small', text: 'Download', 'aria-label': `Download ${backup.file}`,
          onclick: (event) => download(backup, false, event.currentTarget) }));
        if (!backup.gzip) {
          actions.push(el('button', { type: 'button', class: 'small', text: 'Download .gz', 'aria-label': `Download ${backup.file} compressed`,
            onclick: (event) => download(backup, true, event.currentTarget) }));
        }
      }
      actions.push(el('button', { type: 'button', class: 'small danger', text: 'Delete', 'aria-label': `Delete ${backup.file}`,
        onclick: (event) => remove(backup, event.currentTarget) }));
      const verdict = backup.error ? badge('failed', 'bad') : backup.file_exists ? badge('verified', 'ok') : badge('file missing', 'warn');
      return el('tr', { 'data-id': backup.id },
        el('td', {}, cell(backup.created_at)),
        el('td', { text: backup.trigger }),
        el('td', { text: size(backup.size_bytes) }),
        el('td', { text: `${backup.duration_ms} ms` }),
        el('td', {}, verdict),
        el('td', {}, cell(backup.created_by)),
        el('td', {}, backup.error ? el('span', { class: 'error-text', text: backup.error }) : el('code', { text: backup.file })),
        el('td', {}, el('div', { class: 'row-actions' }, ...actions)));
    }

    async function load() {
      A.clearError(error);
      try {
        const page = await A.api('GET', '/api/admin/backups');
        if (!alive()) return;
        const items = (page && page.items) || [];
        tbody.replaceChildren(...(items.length ? items.map(row)
          : [el('tr', {}, el('td', { colspan: '8', class: 'hint', text: 'No backups yet.' }))]));
      } catch (e) {
        if (alive()) A.showError(error, e);
      }
    }

    create.addEventListener('click', async () => {
      create.disabled = true;
      A.clearError(error);
      status.textContent = 'Backing up…';
      try {
        const made = await A.api('POST', '/api/admin/backups', { gzip: gzip.checked });
        status.textContent = `Backup ${made.file} written and verified (${size(made.size_bytes)} in ${made.duration_ms} ms).`;
        await load();
      } catch (e) {
        status.textContent = '';
        A.showError(error, e);
        await load();
      } finally {
        create.disabled = false;
      }
    });
    refresh.addEventListener('click', load);
    await load();
  }

  window.CairnAdminBackups = { render };
})();
