'use strict';
// Use against the allowance (a household) or the sustainable cap (the community) over a chosen range
// of days, with the same range one or more periods earlier, from /api/v1/.../series. The line is the
// use so far in its period (it starts again at each period's start), so it meets the limit line
// exactly when the period's allowance is used up.
(function () {
  const h = M.h;
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...kids) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    kids.forEach((k) => el.append(typeof k === 'string' ? document.createTextNode(k) : k));
    return el;
  };
  // Month names in the language shown (the browser's Intl data), e.g. "Mar", "mar".
  const months = () => Array.from({ length: 12 }, (_, i) => new Date(Date.UTC(2000, i, 15)).toLocaleString(M.locale, { month: 'short', timeZone: 'UTC' }));
  // Bucket starts are community-local times with their offset; labels read them in that offset.
  const local = (t) => { const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2})/.exec(t); return { y: +m[1], mo: +m[2], d: +m[3], h: +m[4] }; };
  const label = (bucket, t) => { const l = local(t); return bucket === 'hour' ? l.h + 'h' : bucket === 'day' ? l.d + '/' + l.mo : months()[l.mo - 1]; };
  const dayText = (d) => { const [y, mo, dd] = d.split('-').map(Number); return M.t('chart.day', { d: dd, month: months()[mo - 1], y }); };
  const rangeText = (r) => (r.from === r.to ? dayText(r.from) : dayText(r.from) + ' – ' + dayText(r.to));

  M.usageChart = function (v, title) {
    const W = 600, H = 220, pad = 8, n = Math.max(v.buckets.length, v.previous.buckets.length, 1);
    const top = Math.max(v.limit, 1, ...v.buckets.map((b) => b.inPeriod), ...v.previous.buckets.map((b) => b.inPeriod)) * 1.1;
    const x = (i) => pad + ((W - 2 * pad) * (i + 0.5)) / n;
    const y = (a) => H - Math.round(((H - 20) * a) / top);
    const points = (list) => list.map((b, i) => x(i) + ',' + y(b.inPeriod)).join(' ');
    const svg = s('svg', { class: 'chart usage-chart', viewBox: `0 0 ${W} ${H + 26}`, role: 'img', 'aria-label': title });
    svg.append(s('title', null, title));
    svg.append(s('line', { class: 'limit', x1: 0, y1: y(v.limit), x2: W, y2: y(v.limit) }));
    svg.append(s('text', { x: W - 2, y: y(v.limit) - 6, 'text-anchor': 'end', class: 'limit-label' }, M.t('chart.limit.' + (v.limitKind === 'cap' ? 'cap' : 'allowance'), { amount: M.fmt(v.limit, v.unit), per: M.per(v.period) })));
    if (v.previous.buckets.length) svg.append(s('polyline', { class: 'previous', points: points(v.previous.buckets) }));
    svg.append(s('polyline', { class: 'current', points: points(v.buckets) }));
    v.buckets.forEach((b, i) => {
      const dot = s('circle', { class: 'current', cx: x(i), cy: y(b.inPeriod), r: 3 });
      dot.append(s('title', null, M.t('chart.point', { at: label(v.bucket, b.start), used: M.fmt(b.used, v.unit), soFar: M.fmt(b.inPeriod, v.unit), when: M.thisPeriod(v.period) })));
      svg.append(dot);
    });
    const step = Math.ceil(n / 6);
    // Labels near either edge are anchored inside the chart, so none is clipped.
    const anchor = (px) => (px < 40 ? 'start' : px > W - 40 ? 'end' : 'middle');
    v.buckets.forEach((b, i) => { if (i % step === 0) svg.append(s('text', { x: x(i), y: H + 20, 'text-anchor': anchor(x(i)) }, label(v.bucket, b.start))); });
    svg.append(s('line', { x1: 0, y1: H, x2: W, y2: H, stroke: '#999' }));
    return svg;
  };

  // Ranges chosen per chart, kept across the live re-renders of a page (also what is typed, unsent).
  const ranges = {};

  // A card body: range form, chart and legend for `path` (…/series), resource `resource`.
  M.usageSeries = async function (path, resource, title) {
    const key = path + '|' + resource;
    const range = (ranges[key] ||= { from: '', to: '', shown: null });
    const query = '?resource=' + encodeURIComponent(resource) + (range.shown ? '&from=' + range.shown.from + '&to=' + range.shown.to : '');
    const box = h('div', { class: 'usage-series', dataset: { series: resource } });
    let v;
    try { v = await M.api('GET', path + query); } catch (e) { M.fill(box, M.problem(e)); return box; }
    const from = h('input', { type: 'date', name: 'from', value: range.from || v.from, onchange: (e) => { range.from = e.target.value; } });
    const to = h('input', { type: 'date', name: 'to', value: range.to || v.to, onchange: (e) => { range.to = e.target.value; } });
    const form = h('form', { class: 'range', 'aria-label': M.t('chart.range') },
      h('label', null, M.t('chart.from'), from), h('label', null, M.t('chart.to'), to),
      h('button', { type: 'submit' }, M.t('chart.show')),
      h('button', { type: 'button', class: 'secondary', onclick: () => { ranges[key] = { from: '', to: '', shown: null }; M.render(); } }, M.t('chart.back', { when: M.thisPeriod(v.period) })));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      range.from = from.value; range.to = to.value || from.value;
      range.shown = { from: range.from, to: range.to };
      M.render();
    });
    const over = v.buckets.some((b) => b.inPeriod > v.limit);
    // The same days as CSV (exact base units, UTC and local times): the household's own member, or operations for the community.
    const exportPath = path.replace(/series$/, 'export.csv') + '?from=' + v.from + '&to=' + v.to;
    const mayExport = path.startsWith('/api/v1/households/') || M.can('technician', 'council', 'administrator');
    M.fill(box, form,
      M.usageChart(v, title + ', ' + rangeText(v)),
      h('ul', { class: 'legend' },
        h('li', { class: 'current', dataset: { total: v.total } }, M.t('chart.used', { range: rangeText(v), amount: M.fmt(v.total, v.unit) })),
        h('li', { class: 'previous', dataset: { total: v.previous.total } }, M.t('chart.before', { range: rangeText(v.previous), amount: M.fmt(v.previous.total, v.unit) })),
        h('li', { class: 'limit' }, M.t(v.limitKind === 'cap' ? 'chart.legend.cap' : 'chart.legend.allowance', { amount: M.fmt(v.limit, v.unit), per: M.per(v.period) }) +
          (over ? ' · ' + M.t('chart.exceeded') : ''))),
      mayExport ? h('p', { class: 'exports' }, M.t('chart.csv') + ' ', path.startsWith('/api/v1/households/')
        ? [h('a', { href: exportPath + '&what=usage', download: '' }, M.t('chart.csvHourly')), ' · ', h('a', { href: exportPath + '&what=readings', download: '' }, M.t('chart.csvReadings'))]
        : h('a', { href: exportPath, download: '' }, M.t('chart.csvCommunity'))) : null,
      h('p', { class: 'muted' }, M.t('chart.explain', { period: M.periodName(v.period), bucket: M.periodName(v.bucket), offset: v.utcOffset })));
    return box;
  };

  // The community's use per resource against the sustainable cap: public aggregates, for the council first.
  M.page('community', async (main) => {
    const o = await M.api('GET', '/api/v1/overview');
    if (!o.hasPolicy) { M.fill(main, h('h1', null, M.t('trend.title')), h('p', { class: 'notice' }, M.t('trend.nopolicy'))); return; }
    const sections = await Promise.all(o.resources.map(async (r) => h('section', { class: 'card', dataset: { resource: r.resource } },
      h('h3', null, M.t('trend.card', { resource: M.resourceName(r.resource) })),
      await M.usageSeries('/api/v1/community/series', r.resource, M.t('trend.chart', { resource: M.resourceName(r.resource) })))));
    M.fill(main, h('h1', null, M.t('trend.title')),
      h('p', { class: 'muted' }, M.t('trend.help')),
      h('div', { class: 'wide-cards' }, sections));
  });
})();
