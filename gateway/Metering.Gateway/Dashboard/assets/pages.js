'use strict';
// Sign-in, overview, household, breakers and devices pages (with the held readings).
(function () {
  const h = M.h;
  // Readings seen by this tab, newest first, kept across re-renders of the household page.
  const recent = [];
  const hour = (t) => new Date(t).getHours() + 'h';
  const day = (t) => { const d = new Date(t); return d.getDate() + '/' + (d.getMonth() + 1); };

  M.page('signin', (main) => {
    const error = h('div', { id: 'signin-error', role: 'alert' });
    const form = h('form', { class: 'stack', id: 'signin' },
      h('label', null, M.t('signin.name'), h('input', { name: 'name', autocomplete: 'username', required: true, autocapitalize: 'none' })),
      h('label', null, M.t('signin.password'), h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      h('button', { type: 'submit' }, M.t('signin.submit')), error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await M.api('POST', '/api/v1/session', { name: form.name.value, password: form.password.value });
        M.me = null;
        location.hash = '#/overview';
        M.render();
      } catch (e) {
        // The two answers a person meets here, in their language; anything else as the gateway words it.
        const own = { 401: 'signin.wrong', 429: 'signin.throttled' }[e.status];
        M.fill(error, M.problem(own ? { problem: { title: M.t('signin.failed') }, message: M.t(own) } : e));
      }
    });
    M.fill(main, h('h1', null, M.t('signin.title')), h('p', { class: 'muted' }, M.t('signin.help')), form);
  });

  M.page('overview', async (main) => {
    const o = await M.api('GET', '/api/v1/overview');
    const cards = o.resources.map((r) => h('div', { class: 'card', dataset: { resource: r.resource } },
      h('h3', null, M.resourceName(r.resource)),
      h('div', { class: 'big' }, M.fmt(r.used, r.unit)),
      r.cap !== undefined ? [M.gauge(r.used, r.cap, 0, M.t('overview.gauge', { resource: M.resourceName(r.resource) })),
        h('div', { class: 'muted' }, M.t('overview.cap', { cap: M.fmt(r.cap, r.unit), per: M.per(r.period), when: M.thisPeriod(r.period) })),
        h('div', { class: 'stage stage-' + r.stage }, M.t('overview.stage', { stage: r.stage, why: r.stageReason || M.t('stage.normal') }))]
        : h('div', { class: 'muted' }, M.count(r.meters, 'overview.usedToday'))));
    M.fill(main,
      h('h1', null, M.t('overview.title', { community: o.community || '' })),
      o.hasPolicy ? h('p', { class: 'muted', id: 'policy-state' }, M.t('overview.policy', { at: M.time(o.at) }))
        : h('p', { class: 'notice' }, M.t('overview.nopolicy')),
      o.emergency ? M.emergencyBanner(o.emergency) : null,
      h('div', { class: 'cards', id: 'resources' }, cards.length ? cards : h('p', null, M.t('overview.nousage'))),
      h('div', { class: 'cards' },
        o.openBreakers !== undefined ? h('div', { class: 'card', id: 'open-breakers' }, h('h3', null, M.t('overview.openBreakers')), h('div', { class: 'big' }, o.openBreakers)) : null,
        h('div', { class: 'card', id: 'devices-offline' }, h('h3', null, M.t('overview.offline')), h('div', { class: 'big' }, M.t('overview.offlineOf', { n: o.devicesOffline, total: o.devicesTotal })),
          M.can('technician', 'council', 'administrator') ? h('a', { href: '#/devices' }, M.t('overview.seeDevices')) : null)));
    M.stageGauges(main); // stage-chart.js: the gauges that drive stages, against their thresholds
    if ((await M.federation()).upstream) await M.capSources(main, o); // region.js: where each cap comes from
    const refresh = M.debounce(() => location.hash === '#/overview' && M.render(), 2000);
    M.onLive(main, (kind) => { if (kind !== 'ping') refresh(); });
  });

  M.page('household', async (main, id) => {
    const [v, o] = await Promise.all([M.api('GET', '/api/v1/households/' + encodeURIComponent(id)), M.api('GET', '/api/v1/overview').catch(() => null)]);
    const unitOf = {};
    v.resources.forEach((r) => r.channels.forEach((c) => { unitOf[c.meter] = r.unit; }));
    const line = (e) => h('li', null, new Date(e.at).toLocaleTimeString(M.locale) + ' · ' + e.meter + ' · ' +
      Object.entries(e.channels || {}).map(([n, reg]) => M.t('household.register', { channel: n, register: M.fmt(reg, unitOf[e.meter]) })).join(', '));
    const feed = h('ul', { class: 'feed', id: 'live-readings' }, recent.filter((e) => v.meters.includes(e.meter)).map(line));
    // Use against the allowance over a chosen range, with the range before (usage-chart.js).
    const series = await Promise.all(v.resources.map((r) => M.usageSeries('/api/v1/households/' + encodeURIComponent(v.id) + '/series', r.resource,
      M.t('household.seriesTitle', { resource: M.resourceName(r.resource) }))));
    const sections = v.resources.map((r, i) => h('section', { class: 'card', dataset: { resource: r.resource } },
      h('h3', null, M.t('household.resourceTitle', { resource: M.resourceName(r.resource), when: M.thisPeriod(r.period) })),
      h('div', { class: 'big' }, M.fmt(r.used, r.unit), h('span', { class: 'muted' }, ' ' + M.t('household.usedOf', { allowance: M.fmt(r.allowance, r.unit), per: M.per(r.period) }))),
      M.gauge(r.used, r.allowance, r.floor, M.t('household.gauge')),
      h('div', { class: 'muted' }, M.t('household.floor', { floor: M.fmt(r.floor, r.unit), per: M.per(r.period) }) + (r.underFloor ? ' · ' + M.t('household.underFloor') : '') +
        (r.periodEnd ? ' · ' + M.t('household.periodEnds', { period: M.periodName(r.period), at: M.time(r.periodEnd) }) : '')),
      h('div', { class: r.sanction === 'none' ? 'muted' : 'notice' }, M.t('household.sanction', { sanction: M.word('sanction', r.sanction) }) + (r.sanctionReason ? ' — ' + M.reason(r.sanctionReason) : '')),
      h('div', { class: r.curtailedMinutes ? 'notice' : 'muted', dataset: { curtailed: r.curtailedMinutes } }, M.t('household.curtailed', { when: M.thisPeriod(r.period), minutes: M.count(r.curtailedMinutes, 'count.minute') })),
      h('div', { class: 'channels' }, M.table([M.t('col.meter'), M.t('col.channel'), M.t('col.class'), M.t('col.decision'), M.t('col.why')],
        r.channels.map((c) => [c.meter, c.channel, M.word('class', c.use), M.word('decision', c.decision), M.reason(c.reason) || '–']))),
      h('h4', null, M.t('household.useAgainst')), series[i],
      r.history ? h('div', { class: 'charts' }, h('div', null, h('h4', null, M.t('household.last24')), M.barChart(r.history.hourly, r.unit, hour, M.t('household.perHour', { resource: M.resourceName(r.resource) }))),
        h('div', null, h('h4', null, M.t('household.last14')), M.barChart(r.history.daily, r.unit, day, M.t('household.perDay', { resource: M.resourceName(r.resource) })))) : null));
    M.fill(main,
      h('h1', null, M.t('household.title', { id: v.id })), h('p', { class: 'muted' }, M.count(v.persons, 'count.person') + ' · ' + M.t('household.meters', { meters: v.meters.join(', ') })),
      o && o.emergency ? M.emergencyBanner(o.emergency) : null,
      h('div', { class: 'wide-cards' }, sections),
      h('h2', null, M.t('household.live')), feed,
      h('h2', null, M.t('devices.title')), devicesTable(v.devices));
    const refresh = M.debounce(() => location.hash.startsWith('#/household/') && M.render(), 3000);
    M.onLive(main, (kind, e) => {
      if (kind === 'reading' && e.meter && v.meters.includes(e.meter)) {
        recent.unshift(e);
        recent.length = Math.min(recent.length, 20);
        feed.prepend(line(e));
        refresh();
      } else if (kind !== 'reading' && kind !== 'ping') refresh();
    });
  });

  function devicesTable(devices) {
    return M.table([M.t('col.device'), M.t('col.resource'), M.t('col.state'), M.t('col.lastSeen'), M.t('col.firmware'), M.t('col.outbox'), M.t('col.battery')], devices.map((d) => [
      d.id, M.resourceName(d.resource), h('span', { class: d.online ? 'online' : 'offline' }, M.word('state', d.online ? 'online' : d.state)),
      M.ago(d.lastSeen), d.firmware || '–', d.outboxDepth ?? '–', d.batteryMv ? (d.batteryMv / 1000).toFixed(2) + ' V' : '–']));
  }

  // The devices page's filter, kept across live refreshes: all, offline or online.
  let deviceFilter = 'all';

  // Readings the ledger holds as implausible (technicians and administrators see them; technicians
  // decide). Reasons typed but not yet sent survive the page's live refreshes.
  const heldReasons = {};
  function heldSection(held) {
    const key = (r) => r.meter + '/' + r.channel + '/' + r.seq;
    const status = h('div', { id: 'held-status' });
    const decide = (r, what) => async () => {
      try {
        await M.api('POST', '/api/v1/readings/held/' + encodeURIComponent(r.meter) + '/' + encodeURIComponent(r.channel) + '/' + r.seq + '/' + what,
          { reason: heldReasons[key(r)] || '' });
        delete heldReasons[key(r)];
        M.render();
      } catch (e) { M.fill(status, M.problem(e)); }
    };
    const actions = (r) => M.can('technician') ? h('div', { class: 'held-actions' },
      h('input', { type: 'text', maxlength: 500, placeholder: M.t('held.placeholder'), 'aria-label': M.t('held.reasonFor', { key: key(r) }), value: heldReasons[key(r)] || '',
        oninput: (e) => { heldReasons[key(r)] = e.target.value; } }),
      h('button', { type: 'button', dataset: { accept: key(r) }, onclick: decide(r, 'accept') }, M.t('held.accept')),
      h('button', { type: 'button', class: 'secondary', dataset: { reject: key(r) }, onclick: decide(r, 'reject') }, M.t('held.reject'))) : '';
    return h('section', { id: 'held' }, h('h2', null, M.t('held.title', { n: held.length })),
      h('p', { class: 'muted' }, M.t('held.help')),
      status,
      held.length ? M.table([M.t('col.device'), M.t('col.channel'), M.t('col.seq'), M.t('col.deviceTime'), M.t('col.register'), M.t('col.rise'), ''], held.map((r) => [
        r.meter, r.channel, String(r.seq), M.time(r.deviceTime), r.baseline.register + ' → ' + r.register + ' ' + r.unit, M.fmt(r.rise, r.unit), actions(r)]))
        : h('p', { class: 'okbox' }, M.t('held.none')));
  }

  M.page('devices', async (main) => {
    const canSeeHeld = M.can('technician', 'administrator');
    const [devices, held] = await Promise.all([M.api('GET', '/api/v1/devices'), canSeeHeld ? M.api('GET', '/api/v1/readings/held') : null]);
    const offline = devices.filter((d) => !d.online).length;
    const shown = devices.filter((d) => deviceFilter === 'all' || (deviceFilter === 'offline') === !d.online);
    const choice = (value, label) => h('button', { type: 'button', class: deviceFilter === value ? null : 'secondary', 'aria-pressed': String(deviceFilter === value),
      dataset: { filter: value }, onclick: () => { deviceFilter = value; M.render(); } }, label);
    M.fill(main, h('h1', null, M.t('devices.title')),
      h('p', { class: 'muted', id: 'device-counts' }, M.t('devices.counts', { offline: M.count(offline, 'count.device'), online: devices.length - offline })),
      h('div', { class: 'filters', role: 'group', 'aria-label': M.t('devices.show') }, choice('all', M.t('devices.all', { n: devices.length })), choice('offline', M.t('devices.offline', { n: offline })),
        choice('online', M.t('devices.online', { n: devices.length - offline }))),
      h('div', { id: 'devices' }, devicesTable(shown)),
      held ? heldSection(held) : null);
    const refresh = M.debounce(() => location.hash === '#/devices' && M.render(), 2000);
    M.onLive(main, (kind) => { if (kind === 'device' || kind === 'reading') refresh(); });
  });

  M.page('breakers', async (main) => {
    let breakers, commands;
    try {
      [breakers, commands] = await Promise.all([M.api('GET', '/api/v1/breakers'), M.api('GET', '/api/v1/commands?limit=50')]);
    } catch (e) {
      if (e.status === 404) { M.fill(main, h('h1', null, M.t('breakers.title')), h('p', { class: 'notice' }, e.message)); return; }
      throw e;
    }
    const status = h('div', { role: 'status' });
    const reset = (b) => h('button', { type: 'button', dataset: { breaker: b.id }, onclick: async () => {
      try { await M.api('POST', '/api/v1/breakers/' + encodeURIComponent(b.id) + '/reset'); M.render(); } catch (e) { M.fill(status, M.problem(e)); }
    } }, M.t('breakers.reset'));
    // Open breakers first and in full; closed ones (the many that are fine) folded away, so a phone
    // shows what needs attention on its first screen.
    const rows = (list) => list.map((b) => [
      b.id, M.word('scope', b.scope), h('span', { class: b.state === 'closed' ? 'online' : 'offline' }, M.has('breakerState.' + b.state) ? M.t('breakerState.' + b.state) : b.state.replace('_', ' ')),
      [b.safety ? M.t('breakers.safety', { kind: M.word('safety', b.safety) }) + ' · ' : '', M.reason(b.reason) || '', b.needsTechnician ? ' · ' + M.t('breakers.needsTechnician') : ''],
      M.time(b.since), (b.meter || '') + (b.channel ? ' / ' + b.channel : ''),
      M.can('technician') && b.needsTechnician ? reset(b) : '']);
    const head = [M.t('col.breaker'), M.t('col.scope'), M.t('col.state'), M.t('col.reason'), M.t('col.since'), M.t('col.meterChannel'), ''];
    const open = breakers.filter((b) => b.state !== 'closed'), closed = breakers.filter((b) => b.state === 'closed');
    const wide = window.innerWidth > 700;
    M.fill(main, h('h1', null, M.t('breakers.title')), status,
      h('div', { id: 'breakers' },
        h('p', { class: open.length ? 'notice' : 'okbox', id: 'breakers-open' }, open.length ? M.t('breakers.open', { breakers: M.count(open.length, 'count.breaker') }) : M.t('breakers.allClosed', { breakers: M.count(closed.length, 'count.breaker') })),
        open.length ? M.table(head, rows(open)) : null,
        closed.length ? h('details', { class: 'fold', id: 'breakers-closed', open: wide && closed.length <= 20 }, h('summary', null, M.t('breakers.closed', { n: closed.length })), M.table(head, rows(closed))) : null),
      h('details', { class: 'fold', id: 'commands', open: wide }, h('summary', null, M.t('commands.title', { n: commands.length })),
        M.table([M.t('col.command'), M.t('col.meter'), M.t('col.operation'), M.t('col.state'), M.t('col.acknowledged'), M.t('col.confirmed'), M.t('col.why')], commands.map((c) => [
          c.cid, c.meter, h('span', { class: 'data' }, c.op + (c.detail ? ' ' + c.detail : '')), M.word('commandState', c.state) + (c.attempts > 1 ? ' ' + M.t('commands.attempts', { n: c.attempts }) : ''),
          c.ackedAt ? M.time(c.ackedAt) + (c.ackError ? ' · ' + c.ackError : '') : '–', c.confirmedAt ? M.time(c.confirmedAt) : '–', M.reason(c.why) || '']))));
    const refresh = M.debounce(() => location.hash === '#/breakers' && M.render(), 500);
    M.onLive(main, (kind) => { if (['trip', 'reset', 'command', 'stage'].includes(kind)) refresh(); });
  });
})();
