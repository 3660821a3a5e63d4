'use strict';
// Policy page: the policy in force, proposals with approvals (council approves, proposes, declares
// an emergency), the audit log with its verification status.
(function () {
  const h = M.h;

  M.page('policy', async (main) => {
    let policy;
    try { policy = await M.api('GET', '/api/v1/policy'); } catch (e) {
      if (e.status === 404) { M.fill(main, h('h1', null, 'Policy'), h('p', { class: 'notice' }, e.message)); return; }
      throw e;
    }
    const [proposals, audit] = await Promise.all([M.api('GET', '/api/v1/proposals').catch(() => []), M.api('GET', '/api/v1/audit?limit=50').catch((e) => e)]);
    // The outcome of the last act survives the re-render that shows its effect.
    const status = h('div', { role: 'status', id: 'act-status' }, M.flash ? h('div', { class: 'okbox' }, M.flash) : null);
    M.flash = null;
    const act = async (method, path, body) => {
      try {
        const r = await M.api(method, path, body);
        M.flash = 'Done' + (r && r.id ? ' (' + (r.id.length > 12 ? r.id.slice(0, 12) + '…' : r.id) + ')' : '') + '.';
        M.render();
      } catch (e) { M.fill(status, M.problem(e)); }
    };
    const resources = Object.entries(policy.resources).map(([name, r]) => [name, r.period, M.fmt(r.cap, r.unit), M.fmt(r.floorPerPerson, r.unit) + ' per person',
      r.sharing.replace('_', ' '), r.ceiling ? M.fmt(r.ceiling, r.unit) : '–']);
    M.fill(main,
      h('h1', null, 'Policy of ' + policy.community),
      h('p', { class: 'muted', id: 'policy-in-force' }, 'In force · ' + policy.households.length + ' households · UTC' + policy.utcOffset),
      M.table(['Resource', 'Period', 'Cap', 'Floor', 'Sharing', 'Ceiling per household'], resources),
      h('h2', null, 'Proposals'), status,
      h('div', { id: 'proposals' }, M.table(['Proposal', 'Proposed by', 'Takes effect', 'Approvals', 'State', ''], proposals.map((p) => [
        h('span', { title: p.id }, p.id.length > 12 ? p.id.slice(0, 12) + '…' : p.id), p.proposer, M.time(p.effectiveAt), p.approvals.join(', ') + ' (' + p.approvals.length + ' of ' + p.needed + ')', p.state,
        M.can('council') && p.state === 'pending' && !p.approvals.includes(M.me.name)
          ? h('button', { type: 'button', dataset: { approve: p.id }, onclick: () => act('POST', '/api/v1/proposals/' + encodeURIComponent(p.id) + '/approve') }, 'Approve') : '']))),
      M.can('council') ? h('div', null, councilForms(act)) : '',
      h('h2', null, 'Audit log'), h('div', { id: 'audit' }, auditView(audit)));
    M.onLive(main, (kind) => { if (kind === 'policy' || kind === 'emergency') M.debounce(() => location.hash === '#/policy' && M.render(), 500)(); });
  });

  function councilForms(act) {
    const propose = h('form', { class: 'stack', id: 'propose' },
      h('label', null, 'New policy (the whole YAML file)', h('textarea', { name: 'yaml', required: true, spellcheck: 'false' })),
      h('label', null, 'Takes effect (empty: as soon as approved)', h('input', { name: 'effectiveAt', type: 'datetime-local' })),
      h('button', { type: 'submit' }, 'Propose'));
    propose.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const at = propose.effectiveAt.value ? new Date(propose.effectiveAt.value).toISOString() : undefined;
      act('POST', '/api/v1/proposals', { yaml: propose.yaml.value, effectiveAt: at });
    });
    const emergency = h('form', { class: 'stack', id: 'declare' },
      h('label', null, 'Reason', h('input', { name: 'reason', required: true })),
      h('label', null, 'Duration (hours; ends by itself)', h('input', { name: 'hours', type: 'number', min: '1', value: '24', required: true })),
      h('button', { type: 'submit' }, 'Sign the declaration'));
    emergency.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act('POST', '/api/v1/emergency', { reason: emergency.reason.value, hours: Number(emergency.hours.value) });
    });
    return [h('h2', null, 'Propose a change'), propose, h('h2', null, 'Declare an emergency'), emergency];
  }

  function auditView(audit) {
    if (audit instanceof Error) return M.problem(audit);
    const v = audit.verification;
    return [h('p', { class: v.ok ? 'okbox' : 'problem', id: 'audit-verification' }, v.ok ? 'Chain verified: ' + v.records + ' records, none altered.' : 'Chain broken: ' + v.summary),
      M.table(['#', 'Time', 'Who', 'Role', 'What', 'Details'], audit.records.map((a) => [a.seq, M.time(a.time), a.actor, a.role, a.kind,
        h('code', null, a.payload.length > 160 ? a.payload.slice(0, 160) + '…' : a.payload)]))];
  }
})();
