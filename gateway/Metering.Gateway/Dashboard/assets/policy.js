'use strict';
// Policy page: the policy in force (downloadable), proposals with what they change (plain summary,
// diff against the policy in force, the whole file), refused proposals with why, the council's forms,
// the audit log with its verification status.
// Live events refresh only the data sections: the forms, what someone is typing in them and the
// outcome of their last act are never rebuilt by another member's act.
(function () {
  const h = M.h;
  // Drafts of the council forms, by form and field: they survive live refreshes, re-renders and
  // navigating away and back (until the act succeeds).
  const drafts = {};
  // The outcome of this tab's last act ({ok: text} or {error}), shown until the next act or dismissed.
  let outcome = null;

  M.page('policy', async (main) => {
    const status = h('div', { role: 'status', id: 'act-status' });
    const sections = { inForce: h('div', { id: 'in-force' }), proposals: h('div', { id: 'proposals' }), audit: h('div', { id: 'audit' }) };
    const showOutcome = () => M.fill(status, outcome && [outcome.error ? M.problem(outcome.error) : h('div', { class: 'okbox' }, outcome.ok),
      h('button', { type: 'button', class: 'link', onclick: () => { outcome = null; showOutcome(); } }, M.t('policy.dismiss'))]);
    const load = async () => {
      let policy;
      try { policy = await M.api('GET', '/api/v1/policy'); } catch (e) {
        if (e.status === 404) { M.fill(sections.inForce, h('p', { class: 'notice' }, e.message)); return false; }
        throw e;
      }
      const [proposals, audit] = await Promise.all([M.api('GET', '/api/v1/proposals').catch((e) => e), M.api('GET', '/api/v1/audit?limit=50').catch((e) => e)]);
      M.fill(sections.inForce, inForceView(policy));
      M.fill(sections.proposals, proposals instanceof Error ? M.problem(proposals) : proposalsView(proposals, act));
      M.fill(sections.audit, auditView(audit));
      return true;
    };
    const act = async (method, path, body, done) => {
      try {
        const r = await M.api(method, path, body);
        outcome = { ok: r && r.id ? M.t('policy.doneId', { id: M.shortId(r.id) }) : M.t('policy.done') };
        if (done) done();
      } catch (e) { outcome = { error: e }; }
      showOutcome();
      await load().catch(() => {});
    };
    if (!(await load())) { M.fill(main, h('h1', null, M.t('policy.title')), sections.inForce); return; }
    showOutcome();
    M.fill(main,
      h('h1', null, M.t('policy.title')), sections.inForce,
      h('h2', null, M.t('policy.proposals')), status, sections.proposals,
      M.can('council') ? councilForms(act) : '',
      h('h2', null, M.t('policy.audit')), sections.audit);
    // One debounced refresher per view: a burst of events is one refresh of the data sections.
    const refresh = M.debounce(() => { if (M.shown === main) load().catch(() => {}); }, 500);
    M.onLive(main, (kind) => { if (kind === 'policy' || kind === 'emergency') refresh(); });
  });

  function inForceView(policy) {
    const resources = Object.entries(policy.resources).map(([name, r]) => [M.resourceName(name), M.per(r.period), M.fmt(r.cap, r.unit),
      M.t('policy.perPerson', { amount: M.fmt(r.floorPerPerson, r.unit) }), r.sharing === 'per_person' ? M.t('policy.sharingPerson') : M.t('policy.sharingHousehold'), r.ceiling ? M.fmt(r.ceiling, r.unit) : '–']);
    return [h('p', { class: 'muted', id: 'policy-in-force' }, M.t('policy.inForce', { community: policy.community, version: policy.version }) + ' · ' +
        M.count(policy.households.length, 'count.household') + ' · UTC' + policy.utcOffset + ' · ',
      h('a', { href: '/api/v1/policy.yaml', download: '', id: 'download-policy' }, M.t('policy.download'))),
      M.table([M.t('col.resource'), M.t('col.period'), M.t('col.cap'), M.t('col.floor'), M.t('col.sharing'), M.t('col.ceiling')], resources)];
  }

  function proposalsView(proposals, act) {
    const pending = proposals.filter((p) => p.state === 'pending');
    const refused = proposals.filter((p) => p.state === 'refused');
    const activated = proposals.filter((p) => p.state === 'activated');
    return [pending.length ? pending.map((p) => proposalCard(p, act)) : h('p', { class: 'muted' }, M.t('policy.noPending')),
      refused.length ? [h('h3', null, M.t('policy.refused')), h('div', { id: 'refused' }, refused.map((p) => proposalCard(p, act)))] : null,
      activated.length ? [h('h3', null, M.t('policy.activated')), M.table([M.t('col.proposal'), M.t('col.proposedBy'), M.t('col.tookEffect'), M.t('col.approvedBy')],
        activated.map((p) => [h('span', { title: p.id }, M.shortId(p.id)), p.proposer, M.time(p.effectiveAt), p.approvals.join(', ')]))] : null];
  }

  function proposalCard(p, act) {
    const canApprove = M.can('council') && p.state === 'pending' && !p.approvals.includes(M.me.name);
    return h('article', { class: 'card proposal', dataset: { proposal: p.id, state: p.state } },
      h('div', null, h('strong', { title: p.id }, M.t('policy.proposal', { id: M.shortId(p.id) })), ' ' + M.t('policy.by', { who: p.proposer, at: M.time(p.created) })),
      p.state === 'pending'
        ? h('div', { class: 'muted' }, M.t('policy.approvals', { who: p.approvals.join(', '), n: p.approvals.length, needed: p.needed }) + ' · ' +
          (new Date(p.effectiveAt) <= new Date() ? M.t('policy.whenApproved') : M.t('policy.effectiveAt', { at: M.time(p.effectiveAt) })))
        : h('div', { class: 'problem refusal' }, h('strong', null, M.t('policy.refusedLabel') + ' '), p.refusal,
          p.errors.length ? h('ul', null, p.errors.map((e) => h('li', null, e))) : null),
      p.summary ? [h('div', { class: 'muted' }, M.t('policy.whatChanges')), h('ul', { class: 'summary' }, p.summary.map((s) => h('li', null, s)))] : null,
      p.diff ? h('details', { class: 'diff' }, h('summary', null, M.t('policy.diff', { n: p.diff.filter((l) => l.op === '+' || l.op === '-').length })),
        h('pre', null, p.diff.map((l) => h('span', { class: { '+': 'add', '-': 'del', '=': 'same', '…': 'gap' }[l.op] }, (l.op === '=' ? ' ' : l.op) + ' ' + l.text)))) : null,
      h('details', { class: 'yaml' }, h('summary', null, M.t('policy.wholeFile')), h('pre', null, p.yaml)),
      canApprove ? h('button', { type: 'button', dataset: { approve: p.id }, onclick: () => act('POST', '/api/v1/proposals/' + encodeURIComponent(p.id) + '/approve') }, M.t('policy.approve')) : null);
  }

  // An input whose value lives in drafts[form][name], so re-rendering never loses it.
  function kept(form, tag, attrs) {
    const box = (drafts[form] ||= {});
    const el = h(tag, attrs);
    if (box[attrs.name] !== undefined) el.value = box[attrs.name];
    el.addEventListener('input', () => { box[attrs.name] = el.value; });
    return el;
  }

  function councilForms(act) {
    const yaml = kept('propose', 'textarea', { name: 'yaml', required: true, spellcheck: 'false' });
    const start = h('button', { type: 'button', class: 'secondary', id: 'start-from-policy', onclick: async () => {
      if (yaml.value && !confirm(M.t('policy.confirmReplace'))) return;
      const r = await fetch('/api/v1/policy.yaml', { credentials: 'same-origin' });
      if (r.ok) { yaml.value = await r.text(); yaml.dispatchEvent(new Event('input')); }
    } }, M.t('policy.startFrom'));
    const propose = h('form', { class: 'stack', id: 'propose' },
      h('label', null, M.t('policy.newPolicy'), yaml), start,
      h('label', null, M.t('policy.takesEffect'), kept('propose', 'input', { name: 'effectiveAt', type: 'datetime-local' })),
      h('button', { type: 'submit' }, M.t('policy.propose')));
    propose.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const at = propose.effectiveAt.value ? new Date(propose.effectiveAt.value).toISOString() : undefined;
      act('POST', '/api/v1/proposals', { yaml: propose.yaml.value, effectiveAt: at }, () => { delete drafts.propose; propose.reset(); });
    });
    const emergency = h('form', { class: 'stack', id: 'declare' },
      h('label', null, M.t('policy.reason'), kept('declare', 'input', { name: 'reason', required: true })),
      h('label', null, M.t('policy.duration'), kept('declare', 'input', { name: 'hours', type: 'number', min: '1', value: '24', required: true })),
      h('button', { type: 'submit' }, M.t('policy.signDeclaration')));
    emergency.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act('POST', '/api/v1/emergency', { reason: emergency.reason.value, hours: Number(emergency.hours.value) }, () => { delete drafts.declare; });
    });
    return [h('h2', null, M.t('policy.proposeTitle')), propose, h('h2', null, M.t('policy.declareTitle')), emergency];
  }

  function auditView(audit) {
    if (audit instanceof Error) return M.problem(audit);
    const v = audit.verification;
    return [h('p', { class: v.ok ? 'okbox' : 'problem', id: 'audit-verification' }, v.ok ? M.t('audit.verified', { n: v.records }) : M.t('audit.broken', { summary: v.summary })),
      M.table(['#', M.t('col.time'), M.t('col.who'), M.t('col.role'), M.t('col.what'), M.t('col.details')], audit.records.map((a) => [a.seq, M.time(a.time), a.actor,
        M.word('role', a.role), M.has('audit.kind.' + a.kind) ? M.t('audit.kind.' + a.kind) : a.kind.replace(/[._]/g, ' '),
        // The record's own payload, as the chain holds it (field names translated where the catalogue knows them).
        h('span', { class: 'data' }, M.details(a.payload))]))];
  }
})();
