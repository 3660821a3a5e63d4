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
      try { const r = await M.api('POST', path, body); M.fill(status, h('span', null, 'Signed (' + r.id + ').')); M.render(); }
      catch (err) { ev.target.disabled = false; M.fill(status, M.problem(err)); }
    } }, label);
    const signatures = e.signatures || [];
    const signedBy = (list) => list.map((s) => s.member + ' (' + s.hours + ' h, ' + M.time(s.signedAt) + ')').join(', ');
    const mine = M.me && signatures.some((s) => s.member === M.me.name);
    const council = M.can('council');
    if (!e.active) {
      const first = signatures[signatures.length - 1];
      return h('div', { class: 'notice', id: 'emergency', dataset: { state: 'pending' } },
        h('strong', null, 'Emergency proposed, not in force: '), e.reason,
        h('div', null, 'Signed by ' + signedBy(signatures) + ' · ' + signatures.length + ' of ' + e.needed + ' signatures needed; it takes effect when ' +
          (e.needed - signatures.length) + ' more council ' + (e.needed - signatures.length === 1 ? 'member signs' : 'members sign') + ' the same reason.'),
        council && !mine && first ? [sign('Co-sign: ' + first.reason + ' for ' + first.hours + ' h', '/api/v1/emergency', { reason: first.reason, hours: first.hours }), status] : null);
    }
    const renewal = signatures.filter((s) => s.act === 'renew');
    return h('div', { class: 'problem', id: 'emergency', dataset: { state: 'active' } },
      h('strong', null, 'Emergency in force: '), e.reason,
      h('div', null, 'Declared by ' + e.declaredBy + ' · ends by itself in ' + M.duration(e.remainingSeconds) + ' (' + M.time(e.sunset) + ')' +
        (e.renewals ? ' · renewed ' + M.count(e.renewals, 'time') : '')),
      renewal.length ? h('div', null, 'Renewal signed by ' + signedBy(renewal) + ' · ' + renewal.length + ' of ' + e.needed + ' needed') : null,
      council && !mine ? [renewal.length
        ? sign('Co-sign the renewal for ' + renewal[0].hours + ' h', '/api/v1/emergency/renew', { hours: renewal[0].hours })
        : sign('Sign a 24 h renewal', '/api/v1/emergency/renew', { hours: Math.min(24, e.maxHours || 24) }), status] : null);
  };
})();
