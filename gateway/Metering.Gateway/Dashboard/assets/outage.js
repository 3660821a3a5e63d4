'use strict';
// Outage banner: when the live stream drops, the gateway is probed (/healthz); while it cannot be
// reached a banner says since when and that the figures on screen are from before then. When the
// stream is back, the banner goes and the page reloads its figures (they are stale otherwise).
(function () {
  const h = M.h;
  const probeEveryMs = 3000;
  let since = null;      // when the gateway was first found unreachable
  let lastGood = new Date();
  let timer = null;

  const banner = () => document.getElementById('outage');
  const show = () => {
    let el = banner();
    if (!el) {
      el = h('div', { id: 'outage', role: 'alert' });
      document.querySelector('header').after(el);
    }
    M.fill(el, h('strong', null, M.t('outage.title')), ' ' + M.t('outage.detail', { since: since.toLocaleTimeString(M.locale), figures: lastGood.toLocaleTimeString(M.locale) }));
  };

  async function probe() {
    timer = null;
    let up = false;
    try { up = (await fetch('/healthz', { cache: 'no-store' })).ok; } catch (e) { up = false; }
    if (up) {
      // Back. A stream that gave up (closed after failed reconnects) is opened anew; connected()
      // then takes the banner down. Until it does, keep probing.
      if (M.source && M.source.readyState === EventSource.CLOSED) {
        // The stream is refused when the session did not survive the restart: sign in again.
        const session = await fetch('/api/v1/session', { credentials: 'same-origin', cache: 'no-store' }).catch(() => null);
        M.source.close();
        M.source = null;
        if (session && session.status === 401) { clear(); M.me = null; M.render(); return; }
        M.connect();
      }
    } else {
      if (!since) since = new Date();
      show();
    }
    timer = setTimeout(probe, probeEveryMs);
  }

  function clear() {
    since = null;
    if (timer) { clearTimeout(timer); timer = null; }
    const el = banner();
    if (el) el.remove();
  }

  M.outage = {
    lost() {
      document.getElementById('live').textContent = M.t('live.off');
      if (!timer) timer = setTimeout(probe, 0);
    },
    connected() {
      document.getElementById('live').textContent = M.t('live.on');
      lastGood = new Date();
      const wasOut = since !== null;
      clear();
      if (wasOut) M.render();
    },
  };
})();
