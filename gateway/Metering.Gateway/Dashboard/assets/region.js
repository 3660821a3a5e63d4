'use strict';
// Federation (docs/federation.md): on a region's gateway the region page (each member's use against
// its cap and floor, the regional stage, loans); on a member community's overview, where each cap in
// force comes from (its own, the region's delegated cap, or the fallback floor).
(function () {
  const h = M.h;

  // Whether this gateway serves a region / reports to one: asked once; a 404 means not configured.
  M.federation = async function () {
    if (M.federationKnown) return M.federationKnown;
    const has = async (path) => { try { await M.api('GET', path); return true; } catch (e) { return e.status !== 404; } };
    const [region, upstream] = await Promise.all([has('/api/v1/region'), has('/api/v1/upstream')]);
    M.federationKnown = { region, upstream };
    return M.federationKnown;
  };

  const stageText = (stage, until) => stage > 0 ? M.t('region.stageUntil', { stage, until: M.time(until) }) : M.t('stage.normal');

  M.page('region', async (main) => {
    const [r, loans] = await Promise.all([M.api('GET', '/api/v1/region'), M.api('GET', '/api/v1/region/loans').catch(() => [])]);
    const sections = r.resources.map((x) => h('section', { class: 'card wide', dataset: { regionResource: x.resource } },
      h('h3', null, M.resourceName(x.resource)),
      h('div', { class: 'muted' }, M.t('region.budget', { budget: M.fmt(x.budget, x.unit), per: M.per(x.period), need: M.fmt(x.needPerPerson, x.unit), rule: M.word('region.rule', x.rule) })),
      h('div', { class: 'stage stage-' + x.stage }, stageText(x.stage, x.stageUntil)),
      x.floorShortfall > 0 ? h('p', { class: 'notice' }, M.t('region.shortfall', { amount: M.fmt(x.floorShortfall, x.unit) })) : null,
      x.unallocated > 0 ? h('p', { class: 'muted' }, M.t('region.unallocated', { amount: M.fmt(x.unallocated, x.unit) })) : null,
      M.table([M.t('region.community'), M.t('region.persons'), M.t('region.used'), M.t('region.floor'), M.t('region.cap'), M.t('region.communityStage')],
        x.communities.map((c) => [h('span', { class: 'data', dataset: { community: c.id } }, c.id), c.persons,
          c.used === null || c.used === undefined ? M.t('region.notReported') : [M.fmt(c.used, x.unit), M.gauge(c.used, c.cap, c.floor, M.t('region.gauge', { community: c.id }))],
          M.fmt(c.floor, x.unit), M.fmt(c.cap, x.unit), c.stage === null || c.stage === undefined ? '–' : c.stage]))));
    const unitOf = Object.fromEntries(r.resources.map((x) => [x.resource, x.unit]));
    const loanRows = loans.map((l) => [M.resourceName(l.resource), l.lender, l.borrower, M.fmt(l.amount, unitOf[l.resource]),
      M.time(l.from) + ' – ' + M.time(l.to), l.active ? M.t('region.loanActive') : M.t('region.loanPending')]);
    M.fill(main,
      h('h1', null, M.t('region.title', { region: r.region })),
      h('div', { class: 'cards', id: 'region-resources' }, sections),
      h('h2', null, M.t('region.loans')),
      h('div', { id: 'region-loans' }, M.table([M.t('region.resource'), M.t('region.lender'), M.t('region.borrower'), M.t('region.amount'), M.t('region.period'), M.t('region.loanState')], loanRows)));
  });

  // The overview's "where the cap comes from" cards, on a community that reports to a region.
  // overview: the overview's answer, for each resource's unit.
  M.capSources = async function (main, overview) {
    let u;
    try { u = await M.api('GET', '/api/v1/upstream'); } catch (e) { return; }
    const unitOf = Object.fromEntries(overview.resources.map((x) => [x.resource, x.unit]));
    main.append(h('div', { class: 'cards', id: 'cap-sources' }, u.resources.map((x) => h('div', { class: 'card', dataset: { capSource: x.resource, source: x.source } },
      h('h3', null, M.t('capSource.title', { resource: M.resourceName(x.resource) })),
      h('div', { class: 'big' }, M.fmt(x.inForce, unitOf[x.resource])),
      h('div', null, M.t('capSource.from.' + x.source)),
      h('ul', null,
        h('li', null, M.t('capSource.own', { cap: M.fmt(x.ownCap, unitOf[x.resource]) })),
        x.delegatedCap !== null && x.delegatedCap !== undefined ? h('li', null, M.t('capSource.delegated', { cap: M.fmt(x.delegatedCap, unitOf[x.resource]), until: M.time(x.validUntil) })) : null,
        x.regionalStage > 0 ? h('li', null, M.t('capSource.regionalStage', { stage: x.regionalStage })) : null),
      u.pendingReports > 0 ? h('div', { class: 'muted' }, M.count(u.pendingReports, 'capSource.pending')) : null))));
  };
})();
