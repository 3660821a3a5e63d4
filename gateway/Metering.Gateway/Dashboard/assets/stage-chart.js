'use strict';
// The community overview's chart of each stage-driving gauge (a reservoir level) against the stage
// thresholds it is compared with: the level as a line, each threshold as a dashed line named by its
// stage, the hysteresis band shaded. Drawn here as SVG (nothing fetched but the API).
(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...kids) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    kids.forEach((k) => el.append(typeof k === 'string' ? document.createTextNode(k) : k));
    return el;
  };

  M.stageChart = function (signal) {
    // right: room for a "stage N" label at style.css's 20 viewBox units (about 70 wide), anchored at the edge.
    const W = 600, H = 220, left = 56, right = 84, top = 10, bottom = 24;
    const times = signal.points.map((p) => Date.parse(p.t));
    const values = signal.points.map((p) => p.last);
    const limits = signal.thresholds.flatMap((t) => [t.threshold, t.direction === 'below' ? t.threshold + t.hysteresis : t.threshold - t.hysteresis]);
    const lo = Math.min(0, ...values, ...limits), hi = Math.max(1, ...values, ...limits) * 1.05;
    const t0 = times.length ? Math.min(...times) : 0, t1 = times.length ? Math.max(...times, t0 + 1) : 1;
    const x = (t) => left + ((W - left - right) * (t - t0)) / (t1 - t0);
    const y = (v) => top + ((H - top - bottom) * (hi - v)) / (hi - lo);
    const title = M.t('stageChart.title', { gauge: signal.meter + '/' + signal.gauge, resource: M.word('resourceLower', signal.resource) });
    const svg = s('svg', { class: 'chart stage-chart', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
    svg.append(s('title', null, title));
    signal.thresholds.forEach((t) => {
      const band = t.direction === 'below' ? [t.threshold, t.threshold + t.hysteresis] : [t.threshold - t.hysteresis, t.threshold];
      svg.append(s('rect', { class: 'hysteresis', x: left, width: W - left - right, y: y(band[1]), height: Math.max(y(band[0]) - y(band[1]), 0) }));
      const line = s('line', { class: 'threshold stage-' + t.stage, x1: left, x2: W - right, y1: y(t.threshold), y2: y(t.threshold), 'data-stage': t.stage });
      line.append(s('title', null, M.t('stageChart.threshold.' + (t.direction === 'below' ? 'below' : 'above'), { stage: t.stage, threshold: M.fmt(t.threshold, 'mm') })));
      svg.append(line, s('text', { x: W - 2, y: y(t.threshold) + 4, 'text-anchor': 'end' }, M.t('stageChart.stage', { stage: t.stage })));
    });
    if (values.length) {
      svg.append(s('polyline', { class: 'level', fill: 'none', points: signal.points.map((p, i) => `${x(times[i]).toFixed(1)},${y(p.last).toFixed(1)}`).join(' ') }));
      svg.append(s('text', { x: 2, y: y(values[values.length - 1]) + 4 }, String(values[values.length - 1])));
    }
    svg.append(s('line', { x1: left, y1: H - bottom, x2: W - right, y2: H - bottom, stroke: '#999' }));
    return svg;
  };

  // Appends one card per stage-driving gauge to the overview page.
  M.stageGauges = async function (main) {
    let o;
    try { o = await M.api('GET', '/api/v1/overview/stage-gauges'); } catch (err) { return; }
    if (!o.signals || !o.signals.length) return;
    const h = M.h;
    main.append(h('div', { class: 'cards', id: 'stage-gauges' }, o.signals.map((g) => h('div', { class: 'card wide', dataset: { gauge: g.meter + '/' + g.gauge } },
      h('h3', null, M.resourceName(g.resource) + ': ' + g.meter + ' ' + g.gauge),
      g.points.length ? M.stageChart(g) : h('p', { class: 'muted' }, M.t('stageChart.none')),
      g.staleAfterMinutes ? h('div', { class: 'muted' }, M.t('stageChart.stale', { minutes: g.staleAfterMinutes })) : null))));
  };
})();
