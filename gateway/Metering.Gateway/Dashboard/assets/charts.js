'use strict';
// Small SVG charts drawn here (no library, nothing fetched): a bar chart of usage buckets and a
// horizontal gauge of use against a cap or allowance, with the floor marked.
(function () {
  const NS = 'http://www.w3.org/2000/svg';
  const s = (tag, attrs, ...kids) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    kids.forEach((k) => el.append(typeof k === 'string' ? document.createTextNode(k) : k));
    return el;
  };

  // buckets: [{start, used}], label(start) -> short text; limit: optional per-bucket line.
  M.barChart = function (buckets, unit, label, title) {
    const W = 600, H = 200, pad = 24, n = Math.max(buckets.length, 1);
    const max = Math.max(1, ...buckets.map((b) => b.used));
    const bw = (W - pad) / n;
    const svg = s('svg', { class: 'chart', viewBox: `0 0 ${W} ${H + 26}`, role: 'img', 'aria-label': title });
    svg.append(s('title', null, title));
    buckets.forEach((b, i) => {
      const bh = Math.round(((H - pad) * b.used) / max);
      const rect = s('rect', { class: 'bar', x: pad + i * bw + 1, y: H - bh, width: Math.max(bw - 2, 1), height: bh });
      rect.append(s('title', null, label(b.start) + ': ' + M.fmt(b.used, unit)));
      svg.append(rect);
      // About 7 labels; the last one only when it does not run into the one before it.
      const step = Math.ceil(n / 7);
      if (i % step === 0 || (i === n - 1 && i % step >= step / 2 + 1)) svg.append(s('text', i === n - 1 ? { x: W, y: H + 20, 'text-anchor': 'end' } : { x: pad + i * bw + bw / 2, y: H + 20, 'text-anchor': 'middle' }, label(b.start)));
    });
    // An empty chart says so instead of a made-up "1 mL" scale.
    const empty = buckets.every((b) => !b.used);
    svg.append(s('text', { x: empty ? W / 2 : 2, y: empty ? H / 2 : 18, 'text-anchor': empty ? 'middle' : 'start', class: empty ? 'empty' : 'scale' },
      empty ? M.t('chart.empty') : M.fmt(max, unit)));
    svg.append(s('line', { x1: pad, y1: H, x2: W, y2: H, stroke: '#999' }));
    return svg;
  };

  // used against limit (cap or allowance); floor marked in green when given.
  M.gauge = function (used, limit, floor, title) {
    const W = 300, H = 22, top = Math.max(limit, used, floor || 0, 1) * 1.1;
    const x = (v) => Math.round((W * v) / top);
    const svg = s('svg', { class: 'meter', viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': title });
    svg.append(s('title', null, title));
    svg.append(s('rect', { class: 'track', x: 0, y: 4, width: W, height: H - 8, rx: 3 }));
    svg.append(s('rect', { class: 'fill' + (used > limit ? ' over' : ''), x: 0, y: 4, width: x(used), height: H - 8, rx: 3 }));
    if (floor) svg.append(s('line', { class: 'floor', x1: x(floor), y1: 0, x2: x(floor), y2: H }));
    svg.append(s('line', { class: 'cap', x1: x(limit), y1: 0, x2: x(limit), y2: H }));
    return svg;
  };
})();
