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
      h('label', null, 'Name', h('input', { name: 'name', autocomplete: 'username', required: true, autocapitalize: 'none' })),
      h('label', null, 'Password', h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })),
      h('button', { type: 'submit' }, 'Sign in'), error);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await M.api('POST', '/api/v1/session', { name: form.name.value, password: form.password.value });
        M.me = null;
        location.hash = '#/overview';
        M.render();
      } catch (e) { M.fill(error, M.problem(e)); }
    });
    M.fill(main, h('h1', null, 'Sign in'), h('p', { class: 'muted' }, 'Members, council, technicians and administrators sign in with the name and password their administrator gave them.'), form);
  });

  M.page('overview', async (main) => {
    const o = await M.api('GET', '/api/v1/overview');
    const cards = o.resources.map((r) => h('div', { class: 'card', dataset: { resource: r.resource } },
      h('h3', null, M.resourceName(r.resource)),
      h('div', { class: 'big' }, M.fmt(r.used, r.unit)),
      r.cap !== undefined ? [M.gauge(r.used, r.cap, 0, r.resource + ' use against the cap'),
        h('div', { class: 'muted' }, 'of ' + M.fmt(r.cap, r.unit) + ' sustainable cap ' + M.per(r.period) + ' · ' + M.thisPeriod(r.period)),
        h('div', { class: 'stage stage-' + r.stage }, 'Stage ' + r.stage + ': ' + (r.stageReason || 'normal'))]
        : h('div', { class: 'muted' }, 'used today by ' + r.meters + ' meters')));
    M.fill(main,
      h('h1', null, 'Community ' + (o.community || '')),
      o.hasPolicy ? h('p', { class: 'muted', id: 'policy-state' }, 'Policy in force · as of ' + M.time(o.at))
        : h('p', { class: 'notice' }, 'No policy configured: metering only (devices and usage); nothing is enforced.'),
      o.emergency ? M.emergencyBanner(o.emergency) : null,
      h('div', { class: 'cards', id: 'resources' }, cards.length ? cards : h('p', null, 'No usage yet.')),
      h('div', { class: 'cards' },
        o.openBreakers !== undefined ? h('div', { class: 'card', id: 'open-breakers' }, h('h3', null, 'Open breakers'), h('div', { class: 'big' }, o.openBreakers)) : null,
        h('div', { class: 'card', id: 'devices-offline' }, h('h3', null, 'Devices offline'), h('div', { class: 'big' }, o.devicesOffline + ' of ' + o.devicesTotal),
          M.can('technician', 'council', 'administrator') ? h('a', { href: '#/devices' }, 'See the devices') : null)));
    M.stageGauges(main); // stage-chart.js: the gauges that drive stages, against their thresholds
    const refresh = M.debounce(() => location.hash === '#/overview' && M.render(), 2000);
    M.onLive(main, (kind) => { if (kind !== 'ping') refresh(); });
  });

  M.page('household', async (main, id) => {
    const [v, o] = await Promise.all([M.api('GET', '/api/v1/households/' + encodeURIComponent(id)), M.api('GET', '/api/v1/overview').catch(() => null)]);
    const unitOf = {};
    v.resources.forEach((r) => r.channels.forEach((c) => { unitOf[c.meter] = r.unit; }));
    const line = (e) => h('li', null, new Date(e.at).toLocaleTimeString() + ' · ' + e.meter + ' · ' +
      Object.entries(e.channels || {}).map(([n, reg]) => n + ': register ' + M.fmt(reg, unitOf[e.meter])).join(', '));
    const feed = h('ul', { class: 'feed', id: 'live-readings' }, recent.filter((e) => v.meters.includes(e.meter)).map(line));
    // Use against the allowance over a chosen range, with the range before (usage-chart.js).
    const series = await Promise.all(v.resources.map((r) => M.usageSeries('/api/v1/households/' + encodeURIComponent(v.id) + '/series', r.resource,
      M.resourceName(r.resource) + ' used against the allowance')));
    const sections = v.resources.map((r, i) => h('section', { class: 'card', dataset: { resource: r.resource } },
      h('h3', null, M.resourceName(r.resource) + ' ' + M.thisPeriod(r.period)),
      h('div', { class: 'big' }, M.fmt(r.used, r.unit), h('span', { class: 'muted' }, ' used of ' + M.fmt(r.allowance, r.unit) + ' allowance ' + M.per(r.period))),
      M.gauge(r.used, r.allowance, r.floor, 'use against allowance, floor marked'),
      h('div', { class: 'muted' }, 'Floor (basic needs, never cut by quota): ' + M.fmt(r.floor, r.unit) + ' ' + M.per(r.period) + (r.underFloor ? ' · under the floor' : '') +
        (r.periodEnd ? ' · the ' + r.period + ' ends ' + M.time(r.periodEnd) : '')),
      h('div', { class: r.sanction === 'none' ? 'muted' : 'notice' }, 'Sanction: ' + r.sanction + (r.sanctionReason ? ' — ' + r.sanctionReason : '')),
      h('div', { class: r.curtailedMinutes ? 'notice' : 'muted', dataset: { curtailed: r.curtailedMinutes } }, 'Curtailed ' + M.thisPeriod(r.period) + ': ' + M.count(r.curtailedMinutes, 'minute')),
      h('div', { class: 'channels' }, M.table(['Meter', 'Channel', 'Class', 'Decision', 'Why'], r.channels.map((c) => [c.meter, c.channel, c.use, c.decision, c.reason || '–']))),
      h('h4', null, 'Use against the allowance'), series[i],
      r.history ? h('div', { class: 'charts' }, h('div', null, h('h4', null, 'Last 24 hours'), M.barChart(r.history.hourly, r.unit, hour, r.resource + ' per hour')),
        h('div', null, h('h4', null, 'Last 14 days'), M.barChart(r.history.daily, r.unit, day, r.resource + ' per day'))) : null));
    M.fill(main,
      h('h1', null, 'Household ' + v.id), h('p', { class: 'muted' }, M.count(v.persons, 'person') + ' · meters ' + v.meters.join(', ')),
      o && o.emergency ? M.emergencyBanner(o.emergency) : null,
      h('div', { class: 'wide-cards' }, sections),
      h('h2', null, 'Live readings'), feed,
      h('h2', null, 'Devices'), devicesTable(v.devices));
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
    return M.table(['Device', 'Resource', 'State', 'Last seen', 'Firmware', 'Outbox', 'Battery'], devices.map((d) => [
      d.id, d.resource, h('span', { class: d.online ? 'online' : 'offline' }, d.online ? 'online' : d.state),
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
      h('input', { type: 'text', maxlength: 500, placeholder: 'what you found', 'aria-label': 'Reason for ' + key(r), value: heldReasons[key(r)] || '',
        oninput: (e) => { heldReasons[key(r)] = e.target.value; } }),
      h('button', { type: 'button', dataset: { accept: key(r) }, onclick: decide(r, 'accept') }, 'Accept: counts as use'),
      h('button', { type: 'button', class: 'secondary', dataset: { reject: key(r) }, onclick: decide(r, 'reject') }, 'Reject')) : '';
    return h('section', { id: 'held' }, h('h2', null, 'Held readings (' + held.length + ')'),
      h('p', { class: 'muted' }, 'A register rise faster than the meter can run is kept as evidence and counts nowhere until a technician who looked at the meter accepts it (its rise counts as use, in the hour of the reading) or rejects it. A later reading that continues from it, or from the register before it, ends the hold by itself.'),
      status,
      held.length ? M.table(['Device', 'Channel', 'Seq', 'Device time', 'Register', 'Rise', ''], held.map((r) => [
        r.meter, r.channel, String(r.seq), M.time(r.deviceTime), r.baseline.register + ' → ' + r.register + ' ' + r.unit, M.fmt(r.rise, r.unit), actions(r)]))
        : h('p', { class: 'okbox' }, 'No reading is held.'));
  }

  M.page('devices', async (main) => {
    const canSeeHeld = M.can('technician', 'administrator');
    const [devices, held] = await Promise.all([M.api('GET', '/api/v1/devices'), canSeeHeld ? M.api('GET', '/api/v1/readings/held') : null]);
    const offline = devices.filter((d) => !d.online).length;
    const shown = devices.filter((d) => deviceFilter === 'all' || (deviceFilter === 'offline') === !d.online);
    const choice = (value, label) => h('button', { type: 'button', class: deviceFilter === value ? null : 'secondary', 'aria-pressed': String(deviceFilter === value),
      dataset: { filter: value }, onclick: () => { deviceFilter = value; M.render(); } }, label);
    M.fill(main, h('h1', null, 'Devices'),
      h('p', { class: 'muted', id: 'device-counts' }, M.count(offline, 'device') + ' offline, ' + (devices.length - offline) + ' online (offline first)'),
      h('div', { class: 'filters', role: 'group', 'aria-label': 'Show' }, choice('all', 'All ' + devices.length), choice('offline', 'Offline ' + offline),
        choice('online', 'Online ' + (devices.length - offline))),
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
      if (e.status === 404) { M.fill(main, h('h1', null, 'Breakers and actuations'), h('p', { class: 'notice' }, e.message)); return; }
      throw e;
    }
    const status = h('div', { role: 'status' });
    const reset = (b) => h('button', { type: 'button', dataset: { breaker: b.id }, onclick: async () => {
      try { await M.api('POST', '/api/v1/breakers/' + encodeURIComponent(b.id) + '/reset'); M.render(); } catch (e) { M.fill(status, M.problem(e)); }
    } }, 'Reset');
    // Open breakers first and in full; closed ones (the many that are fine) folded away, so a phone
    // shows what needs attention on its first screen.
    const rows = (list) => list.map((b) => [
      b.id, b.scope, h('span', { class: b.state === 'closed' ? 'online' : 'offline' }, b.state.replace('_', ' ')),
      [b.safety ? 'safety: ' + b.safety + ' · ' : '', b.reason || '', b.needsTechnician ? ' · needs a technician' : ''],
      M.time(b.since), (b.meter || '') + (b.channel ? ' / ' + b.channel : ''),
      M.can('technician') && b.needsTechnician ? reset(b) : '']);
    const head = ['Breaker', 'Scope', 'State', 'Reason', 'Since', 'Meter / channel', ''];
    const open = breakers.filter((b) => b.state !== 'closed'), closed = breakers.filter((b) => b.state === 'closed');
    const wide = window.innerWidth > 700;
    M.fill(main, h('h1', null, 'Breakers and actuations'), status,
      h('div', { id: 'breakers' },
        h('p', { class: open.length ? 'notice' : 'okbox', id: 'breakers-open' }, open.length ? M.count(open.length, 'breaker') + ' open' : 'All ' + M.count(closed.length, 'breaker') + ' closed.'),
        open.length ? M.table(head, rows(open)) : null,
        closed.length ? h('details', { class: 'fold', id: 'breakers-closed', open: wide && closed.length <= 20 }, h('summary', null, 'Closed breakers (' + closed.length + ')'), M.table(head, rows(closed))) : null),
      h('details', { class: 'fold', id: 'commands', open: wide }, h('summary', null, 'Commands to devices (' + commands.length + ' newest)'),
        M.table(['Command', 'Meter', 'Operation', 'State', 'Acknowledged', 'Confirmed', 'Why'], commands.map((c) => [
          c.cid, c.meter, c.op + (c.detail ? ' ' + c.detail : ''), c.state + (c.attempts > 1 ? ' (' + c.attempts + ' attempts)' : ''),
          c.ackedAt ? M.time(c.ackedAt) + (c.ackError ? ' · ' + c.ackError : '') : '–', c.confirmedAt ? M.time(c.confirmedAt) : '–', c.why || '']))));
    const refresh = M.debounce(() => location.hash === '#/breakers' && M.render(), 500);
    M.onLive(main, (kind) => { if (['trip', 'reset', 'command', 'stage'].includes(kind)) refresh(); });
  });
})();
