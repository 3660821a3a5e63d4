'use strict';
// Amounts, times and words as people say them. Amounts arrive in base units (mL, Wh, g): litres,
// kWh and kg from a thousand; m³, MWh and tonnes from ten thousand of those (the same rule as
// Dashboard/Amounts.cs, so a proposal's summary and the page agree).
(function () {
  const scales = { mL: [['L', 1e3], ['m³', 1e6]], Wh: [['kWh', 1e3], ['MWh', 1e6]], g: [['kg', 1e3], ['t', 1e6]] };
  const secondStepFrom = 10000;
  const number = (v, digits) => v.toLocaleString(undefined, { maximumFractionDigits: digits });

  M.fmt = function (amount, unit) {
    if (amount === null || amount === undefined) return '–';
    const s = scales[unit];
    const abs = Math.abs(amount);
    if (s && abs >= secondStepFrom * s[0][1]) return number(amount / s[1][1], 1) + ' ' + s[1][0];
    if (s && abs >= s[0][1]) return number(amount / s[0][1], 1) + ' ' + s[0][0];
    return number(amount, 0) + ' ' + (unit || '');
  };
  M.time = (t) => (t ? new Date(t).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '–');
  M.ago = function (t) {
    if (!t) return 'never';
    const s = Math.max(0, Math.round((Date.now() - new Date(t).getTime()) / 1000));
    if (s < 90) return s + ' s ago';
    if (s < 5400) return Math.round(s / 60) + ' min ago';
    if (s < 48 * 3600) return Math.round(s / 3600) + ' h ago';
    return Math.round(s / 86400) + ' days ago';
  };
  M.duration = function (seconds) {
    const hrs = Math.floor(seconds / 3600), min = Math.floor((seconds % 3600) / 60);
    return hrs + ' h ' + min + ' min';
  };
  // "1 person", "3 persons".
  M.count = (n, word, plural) => n + ' ' + (n === 1 ? word : plural || word + 's');
  M.shortId = (id) => (id && id.length > 12 ? id.slice(0, 12) + '…' : id);
  M.resourceName = (r) => ({ water: 'Water', energy: 'Energy', forest: 'Forest' }[r] || r);
  // The period of an allowance or cap, said the way people say it: "per day".
  M.per = (period) => (period ? 'per ' + period : '');
  M.thisPeriod = (period) => ({ day: 'today', week: 'this week', month: 'this month', season: 'this season', year: 'this year' }[period] || 'this period');

  // An audit record's details as "key: value" pairs (times and durations readable), never raw JSON.
  M.details = function (json) {
    let o;
    try { o = JSON.parse(json); } catch (e) { return json; }
    if (o === null || typeof o !== 'object') return String(o);
    const value = (k, v) => {
      if (v === null || v === undefined) return '–';
      if (Array.isArray(v)) return v.map((x) => value(k, x)).join(', ');
      if (typeof v === 'object') return Object.entries(v).map(([kk, vv]) => kk + ' ' + value(kk, vv)).join(', ');
      if (/_s$/.test(k) && typeof v === 'number') return M.duration(v);
      if (/(_at|^at|time|since|sunset)$/.test(k) && typeof v === 'string' && !isNaN(Date.parse(v))) return M.time(v);
      if ((k === 'id' || k === 'sha256') && typeof v === 'string') return M.shortId(v);
      return String(v);
    };
    return Object.entries(o).map(([k, v]) => k.replace(/_s$/, '').replace(/_/g, ' ') + ': ' + value(k, v)).join(' · ');
  };
})();
