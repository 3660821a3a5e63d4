'use strict';
// The emergency banner of the overview and the household page. A declaration waiting for its quorum
// is shown apart from an emergency in force: who signed, for how long, how many more are needed; a
// council member who has not signed co-signs with one button (same reason, same duration) instead of
// retyping the reason. An emergency in force shows its sunset and the renewal's signatures.
(function () {
  const h = M.h;

  M.emergencyBanner = function (e) {
    const status = h('div', { role: 'status' });
    const sign = (label, path, body) => h('button', { type: 'button', class: 'secondary', dataset: { cosign: path }, onclick: async (ev) => {
      ev.target.disabled = true;
      try { const r = await M.api('POST', path, body); M.fill(status, h('span', null, M.t('emergency.signed', { id: r.id }))); M.render(); }
      catch (err) { ev.target.disabled = false; M.fill(status, M.problem(err)); }
    } }, label);
    const signatures = e.signatures || [];
    const signedBy = (list) => list.map((s) => M.t('emergency.signature', { member: s.member, hours: s.hours, at: M.time(s.signedAt) })).join(', ');
    const mine = M.me && signatures.some((s) => s.member === M.me.name);
    const council = M.can('council');
    if (!e.active) {
      const first = signatures[signatures.length - 1];
      return h('div', { class: 'notice', id: 'emergency', dataset: { state: 'pending' } },
        h('strong', null, M.t('emergency.pending') + ' '), e.reason,
        h('div', null, M.t('emergency.pendingDetail', { signed: signedBy(signatures), n: signatures.length, needed: e.needed }) + ' ' +
          M.count(e.needed - signatures.length, 'emergency.more')),
        council && !mine && first ? [sign(M.t('emergency.cosign', { reason: first.reason, hours: first.hours }), '/api/v1/emergency', { reason: first.reason, hours: first.hours }), status] : null);
    }
    const renewal = signatures.filter((s) => s.act === 'renew');
    return h('div', { class: 'problem', id: 'emergency', dataset: { state: 'active' } },
      h('strong', null, M.t('emergency.active') + ' '), e.reason,
      h('div', null, M.t('emergency.activeDetail', { by: e.declaredBy, left: M.duration(e.remainingSeconds), sunset: M.time(e.sunset) }) +
        (e.renewals ? ' · ' + M.count(e.renewals, 'emergency.renewed') : '')),
      renewal.length ? h('div', null, M.t('emergency.renewal', { signed: signedBy(renewal), n: renewal.length, needed: e.needed })) : null,
      council && !mine ? [renewal.length
        ? sign(M.t('emergency.cosignRenewal', { hours: renewal[0].hours }), '/api/v1/emergency/renew', { hours: renewal[0].hours })
        : sign(M.t('emergency.signRenewal', { hours: Math.min(24, e.maxHours || 24) }), '/api/v1/emergency/renew', { hours: Math.min(24, e.maxHours || 24) }), status] : null);
  };
})();
