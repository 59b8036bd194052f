// The console's "Dashboard": the health figures of GET /api/admin/health as cards coloured by
// their status (ok, warn, fail), and small live charts of open sockets, active runs and the error
// rate, from polling the same route every 5 s while the page is open. admin.js calls `render`
// with its shared helpers.
(() => {
  'use strict';

  const POLL_MS = 5000;
  const POINTS = 60; // 5 minutes at one reading every 5 s
  const SVG = 'http://www.w3.org/2000/svg';

  // The readings outlive a visit to another section, so coming back shows the recent past.
  const history = { sockets_open: [], runs_active: [], error_rate: [] };
  const CHARTS = [
    ['sockets_open', 'Sockets open'],
    ['runs_active', 'Runs active'],
    ['error_rate', 'Error rate'],
  ];
  // The figures an operator looks at first; any others follow alphabetically.
  const ORDER = ['status', 'version', 'uptime_seconds', 'runs_active', 'runs_queued', 'sockets_open', 'breakers', 'last_backup',
    'database_bytes', 'wal_bytes', 'disk_free_bytes', 'signing_key_age_seconds'];
  const LABELS = {
    uptime_seconds: 'Uptime', database_bytes: 'Database size', wal_bytes: 'WAL size', disk_free_bytes: 'Free disk',
    signing_key_age_seconds: 'Signing key age', sockets_open: 'Sockets open', runs_active: 'Runs active', runs_queued: 'Runs queued',
    last_backup: 'Last backup', breakers: 'Circuit breakers',
  };
  const STATUS_WORDS = { ok: 'OK', warn: 'Warning', fail: 'Failing' };

  const isObject = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);
  const humanize = (key) => LABELS[key] || key.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

  function bytes(value) {
    if (typeof value !== 'number') return '—';
    if (value < 1024) return `${value} B`;
    const units = ['KB', 'MB', 'GB', 'TB'];
    let n = value / 1024;
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
    return `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`;
  }

  function duration(seconds) {
    if (typeof seconds !== 'number') return '—';
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
    return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
  }

  // A rate between 0 and 1 reads as a percentage; larger numbers are already percentages.
  const percent = (value) => `${(value <= 1 ? value * 100 : value).toFixed(1)} %`;

  function display(name, value) {
    if (value === null || value === undefined) return 'none';
    if (name.endsWith('_bytes')) return bytes(value);
    if (name.endsWith('_seconds')) return duration(value);
    if (/error_rate|failure_rate/.test(name) && typeof value === 'number') return percent(value);
    if (name === 'last_backup' && isObject(value)) {
      return typeof value.age_seconds === 'number' ? `${duration(value.age_seconds)} ago` : (value.created_at || 'yes');
    }
    if (name === 'breakers' && isObject(value)) {
      const parts = Object.entries(value).map(([state, count]) => `${count} ${state.toLowerCase().replace(/_/g, ' ')}`);
      return parts.length ? parts.join(', ') : 'none yet';
    }
    if (isObject(value)) {
      return Object.entries(value).map(([k, v]) => `${k.replace(/_/g, ' ')} ${typeof v === 'number' && /rate/.test(k + name) ? percent(v) : v}`).join(', ');
    }
    if (typeof value === 'number') return value.toLocaleString();
    return String(value);
  }

  // The figure's number for a chart: the value itself, or the first number inside an object.
  function numeric(value) {
    if (typeof value === 'number') return value;
    if (isObject(value)) {
      const found = Object.values(value).find((v) => typeof v === 'number');
      return found === undefined ? null : found;
    }
    return null;
  }

  // The error rate has no fixed name in the contract ("runs per minute and error rates"):
  // the first figure whose name says error rate.
  const errorRateName = (figures) => Object.keys(figures).sort().find((name) => /error_rate/.test(name))
    || Object.keys(figures).sort().find((name) => /error/.test(name) && numeric(figures[name].value) !== null);

  function record(figures) {
    const push = (series, value) => {
      history[series].push(value);
      if (history[series].length > POINTS) history[series].shift();
    };
    push('sockets_open', figures.sockets_open ? numeric(figures.sockets_open.value) : null);
    push('runs_active', figures.runs_active ? numeric(figures.runs_active.value) : null);
    const errorName = errorRateName(figures);
    push('error_rate', errorName ? numeric(figures[errorName].value) : null);
  }

  function sparkline(points, label, format) {
    const width = 240;
    const height = 48;
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('class', 'sparkline');
    svg.setAttribute('preserveAspectRatio', 'none'); // the chart fills its box; the value is printed beside it
    svg.setAttribute('role', 'img');
    const known = points.map((v, i) => [i, v]).filter(([, v]) => typeof v === 'number');
    const values = known.map(([, v]) => v);
    const max = Math.max(1e-9, ...values);
    const min = Math.min(0, ...values);
    const x = (i) => (POINTS > 1 ? (i + (POINTS - points.length)) * (width - 4) / (POINTS - 1) + 2 : width / 2);
    const y = (v) => height - 3 - ((v - min) / (max - min || 1)) * (height - 6);
    const now = values.length ? values[values.length - 1] : null;
    svg.setAttribute('aria-label', values.length
      ? `${label}: now ${format(now)}, highest ${format(Math.max(...values))} over the last ${values.length} readings`
      : `${label}: no readings yet`);
    const base = document.createElementNS(SVG, 'line');
    for (const [k, v] of Object.entries({ x1: 0, x2: width, y1: height - 2, y2: height - 2, class: 'baseline' })) base.setAttribute(k, v);
    svg.append(base);
    if (known.length) {
      const area = document.createElementNS(SVG, 'polygon');
      const line = known.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      area.setAttribute('points', `${x(known[0][0]).toFixed(1)},${height - 2} ${line} ${x(known[known.length - 1][0]).toFixed(1)},${height - 2}`);
      area.setAttribute('class', 'area');
      const poly = document.createElementNS(SVG, 'polyline');
      poly.setAttribute('points', known.length === 1 ? `${line} ${(x(known[0][0]) + 1).toFixed(1)},${y(known[0][1]).toFixed(1)}` : line);
      poly.setAttribute('class', 'line');
      svg.append(area, poly);
    }
    return svg;
  }

  async function readiness() {
    const response = await fetch('/readyz', { headers: { Accept: 'application/json' }, cache: 'no-store' });
    let body = null;
    try {
      body = await response.json();
    } catch {
      // A 503 without a body still says "not ready".
    }
    return { ok: response.ok, body: body || {} };
  }

  async function render(kit, alive) {
    const { A, el, badge } = kit;
    const summary = el('p', { class: 'dashboard-summary' });
    const error = el('div', { class: 'error', role: 'alert', hidden: true });
    const charts = el('div', { class: 'charts' });
    const cards = el('div', { class: 'cards', 'aria-label': 'Health figures' });
    const readyLine = el('p', { class: 'hint' });
    kit.body.replaceChildren(summary, error,
      el('section', { class: 'panel', 'aria-labelledby': 'charts-title' },
        el('h2', { id: 'charts-title', text: 'Live (one reading every 5 s while this page is open)' }), charts),
      el('h2', { text: 'Health' }), cards, readyLine);

    function drawCharts(figures) {
      const errorName = figures ? errorRateName(figures) : null;
      charts.replaceChildren(...CHARTS.map(([series, name]) => {
        let label = name;
        const points = history[series];
        const format = series === 'error_rate' ? percent : (v) => (typeof v === 'number' ? v.toLocaleString() : '—');
        const last = [...points].reverse().find((v) => typeof v === 'number');
        const note = series === 'error_rate' && figures && !errorName ? 'not reported by this server yet' : null;
        const span = series === 'error_rate' && errorName && /_(\d+)m$/.exec(errorName);
        if (span) label = `${label} (${span[1]} min)`;
        return el('figure', { class: 'chart', 'data-series': series, 'data-readings': String(points.filter((v) => typeof v === 'number').length) },
          el('figcaption', {}, el('span', { text: label }),
            el('strong', { class: 'chart-value', text: last === undefined ? '—' : format(last) })),
          sparkline(points, label, format),
          note ? el('div', { class: 'hint', text: note }) : null);
      }));
    }

    function card(name, figure) {
      const status = ['ok', 'warn', 'fail'].includes(figure.status) ? figure.status : 'unknown';
      return el('div', { class: `figure-card ${status}`, 'data-figure': name },
        el('div', { class: 'figure-head' },
          el('span', { class: 'figure-name', text: humanize(name) }),
          badge(STATUS_WORDS[status] || String(figure.status), { ok: 'ok', warn: 'warn', fail: 'bad' }[status])),
        el('div', { class: 'figure-value', title: JSON.stringify(figure.value), text: display(name, figure.value) }),
        figure.note ? el('div', { class: 'figure-note', text: figure.note }) : null);
    }

    let missing = false;
    async function tick() {
      const [health, ready] = await Promise.allSettled([A.api('GET', '/api/admin/health'), readiness()]);
      if (!alive()) return;
      if (ready.status === 'fulfilled') {
        const checks = isObject(ready.value.body.checks) ? Object.entries(ready.value.body.checks) : [];
        readyLine.textContent = `Readiness (/readyz): ${ready.value.body.status || (ready.value.ok ? 'ready' : 'unavailable')}`
          + (checks.length ? ` — ${checks.map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`).join(', ')}` : '');
      } else {
        readyLine.textContent = 'Readiness (/readyz) could not be read.';
      }
      if (health.status === 'rejected') {
        if (kit.is404(health.reason)) {
          missing = true;
          summary.replaceChildren(el('span', { class: 'notice', text: 'Health figures are not available on this server yet.' }));
          return;
        }
        if (!kit.is401(health.reason)) A.showError(error, health.reason);
        summary.textContent = 'The last reading failed; retrying every 5 s.';
        return;
      }
      A.clearError(error);
      const report = health.value || {};
      const figures = isObject(report.figures) ? report.figures : {};
      record(figures);
      const overall = ['ok', 'warn', 'fail'].includes(report.status) ? report.status : 'unknown';
      const problems = Object.entries(figures).filter(([, f]) => f && f.status !== 'ok');
      summary.replaceChildren(
        'Overall: ', badge(STATUS_WORDS[overall] || String(report.status), { ok: 'ok', warn: 'warn', fail: 'bad' }[overall]),
        problems.length ? ` — ${problems.length} figure${problems.length === 1 ? '' : 's'} need${problems.length === 1 ? 's' : ''} attention` : ' — all figures normal',
        report.checked_at ? el('span', { class: 'hint' }, ' · read ', el('time', { datetime: report.checked_at, text: new Date(report.checked_at).toLocaleTimeString() })) : null);
      const names = Object.keys(figures).sort((a, b) => {
        const ia = ORDER.indexOf(a);
        const ib = ORDER.indexOf(b);
        return (ia < 0 ? 999 : ia) - (ib < 0 ? 999 : ib) || a.localeCompare(b);
      });
      cards.replaceChildren(...names.map((name) => card(name, isObject(figures[name]) ? figures[name] : { value: figures[name], status: 'ok' })));
      drawCharts(figures);
    }

    drawCharts(null);
    await tick();
    const loop = () => setTimeout(async () => {
      if (!alive() || missing) return;
      if (document.hidden) { loop(); return; } // a background tab keeps its timer but skips the request
      await tick();
      if (alive()) loop();
    }, POLL_MS);
    if (!missing) loop();
  }

  (window.CairnAdminPages = window.CairnAdminPages || {}).dashboard = { title: 'Dashboard', render };
})();
