'use strict';
// Amounts, times and words as people say them. Amounts arrive in base units (mL, Wh, g): litres,
// kWh and kg from a thousand; m³, MWh and tonnes from ten thousand of those (the same rule as
// Dashboard/Amounts.cs, so a proposal's summary and the page agree).
(function () {
  const scales = { mL: [['L', 1e3], ['m³', 1e6]], Wh: [['kWh', 1e3], ['MWh', 1e6]], g: [['kg', 1e3], ['t', 1e6]] };
  const secondStepFrom = 10000;
  const number = (v, digits) => v.toLocaleString(M.locale, { maximumFractionDigits: digits });

  M.fmt = function (amount, unit) {
    if (amount === null || amount === undefined) return '–';
    const s = scales[unit];
    const abs = Math.abs(amount);
    if (s && abs >= secondStepFrom * s[0][1]) return number(amount / s[1][1], 1) + ' ' + s[1][0];
    if (s && abs >= s[0][1]) return number(amount / s[0][1], 1) + ' ' + s[0][0];
    return number(amount, 0) + ' ' + (unit || '');
  };
  M.time = (t) => (t ? new Date(t).toLocaleString(M.locale, { dateStyle: 'medium', timeStyle: 'short' }) : '–');
  M.ago = function (t) {
    if (!t) return M.t('ago.never');
    const s = Math.max(0, Math.round((Date.now() - new Date(t).getTime()) / 1000));
    if (s < 90) return M.t('ago.seconds', { n: s });
    if (s < 5400) return M.t('ago.minutes', { n: Math.round(s / 60) });
    if (s < 48 * 3600) return M.t('ago.hours', { n: Math.round(s / 3600) });
    return M.t('ago.days', { n: Math.round(s / 86400) });
  };
  M.duration = function (seconds) {
    const hrs = Math.floor(seconds / 3600), min = Math.floor((seconds % 3600) / 60);
    return M.t('duration', { h: hrs, min });
  };
  M.shortId = (id) => (id && id.length > 12 ? id.slice(0, 12) + '…' : id);
  // A word the API sends (a resource, a period, a class, a state) in the language shown; as sent when the catalogue has no such word.
  M.word = (group, w) => (w !== null && w !== undefined && M.has(group + '.' + w) ? M.t(group + '.' + w) : w);
  M.resourceName = (r) => M.word('resource', r);
  // The period of an allowance or cap, said the way people say it: "per day".
  M.per = (period) => (period ? (M.has('per.' + period) ? M.t('per.' + period) : M.t('per.other', { period })) : '');
  M.thisPeriod = (period) => M.t(M.has('this.' + period) ? 'this.' + period : 'this.other');
  M.periodName = (period) => M.word('period', period);

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
    const key = (k) => (M.has('audit.field.' + k) ? M.t('audit.field.' + k) : k.replace(/_s$/, '').replace(/_/g, ' '));
    return Object.entries(o).map(([k, v]) => key(k) + ': ' + value(k, v)).join(' · ');
  };
  // The words the policy runtime sends for people (a channel's "why", a breaker's reason), in the
  // language shown: they follow a few fixed forms (Commons/CommonsRuntime.Evaluate.cs Why, BreakerWhy,
  // the zone breaker's trip reason); anything else is shown as sent.
  const reasonForms = [
    [/^allowed$/, () => M.t('reason.allowed')],
    [/^allowed: basic need protected$/, () => M.t('reason.protected')],
    [/^safety trip: (\w+)$/, (m) => M.t('reason.trip', { kind: M.word('safety', m[1]) })],
    [/^curtailed: stage (\d+) \((.*)\)$/, (m) => M.t('reason.stage', { stage: m[1], signal: m[2] })],
    [/^curtailed: (\w+) breaker open \((.*)\)$/, (m) => M.t('reason.breaker', { resource: M.word('resourceLower', m[1]), why: M.reason(m[2]) })],
    [/^curtailed: (\w+)$/, (m) => M.t('reason.curtailed', { cause: M.word('cause', m[1]) })],
    [/^use (\S+) (\w+)\/min over the last (\d+) min from (\d+) devices, capacity (\S+) (\w+)\/min$/,
      (m) => M.t('reason.zone', { rate: m[1], unit: m[2], minutes: m[3], devices: m[4], capacity: m[5] })],
    [/^use (\S+) (\w+)\/min over the last (\d+) min, capacity (\S+) (\w+)\/min$/,
      (m) => M.t('reason.rate', { rate: m[1], unit: m[2], minutes: m[3], capacity: m[4] })],
    [/^allowance for (\w+) from (\S+)$/, (m) => M.t('reason.allowanceFor', { period: M.periodName(m[1]), from: M.time(m[2]) })],
    [/^technician reset by (.+)$/, (m) => M.t('reason.resetBy', { who: m[1] })],
    [/^safety thresholds of the policy$/, () => M.t('reason.safetyThresholds')],
    [/^stage (\d+): (.*)$/, (m) => M.t('reason.stageCommand', { stage: m[1], signal: m[2] })],
    [/^(\d+) % of the allowance used$/, (m) => M.t('reason.percent', { percent: m[1] })],
  ];
  M.reason = function (text) {
    if (!text) return text;
    for (const [form, say] of reasonForms) { const m = form.exec(text); if (m) return say(m); }
    return text;
  };
})();
