'use strict';
// Core of the dashboard: API calls, DOM building (never innerHTML with data), the hash router,
// the live events stream. Pages register with M.page(name, render) in pages.js, policy.js, accounts.js.
const M = (window.M = { me: null, pages: {}, source: null, shown: null });

M.api = async function (method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  // Every write is JSON, {} when it has no fields: the gateway refuses other writes from a browser (CSRF).
  if (body !== undefined || method !== 'GET') { init.headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(body === undefined ? {} : body); }
  const r = await fetch(path, init);
  const type = r.headers.get('content-type') || '';
  const data = type.includes('json') ? await r.json() : null;
  if (!r.ok) {
    const e = new Error((data && (data.detail || data.title)) || r.status + ' ' + r.statusText);
    e.status = r.status; e.problem = data;
    throw e;
  }
  return data;
};

// h('div', {class: 'x', onclick: f}, 'text', child, [children]) builds elements; strings become text nodes.
M.h = function (tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : v);
  }
  const add = (c) => {
    if (c === null || c === undefined || c === false) return;
    if (Array.isArray(c)) c.forEach(add);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  };
  children.forEach(add);
  return el;
};
const h = M.h;

// Replaces el's children, flattening arrays and skipping null/undefined/false like h() does.
M.fill = function (el, ...children) {
  el.replaceChildren();
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
};

// Amounts, times and words as people say them: format.js.
// A fetch that never reached the gateway (TypeError "Failed to fetch") says so in plain words.
M.problem = (e) => h('div', { class: 'problem', role: 'alert' }, h('strong', null, (e.problem && e.problem.title) || (e instanceof TypeError ? M.t('error.unreachable') : M.t('error.title'))), ': ',
  e instanceof TypeError ? M.t('error.unreachable.detail') : e.message);
M.table = (head, rows) => h('div', { class: 'scroll' }, h('table', null,
  h('thead', null, h('tr', null, head.map((c) => h('th', null, c)))),
  h('tbody', null, rows.length ? rows.map((r) => h('tr', null, r.map((c) => h('td', null, c)))) : h('tr', null, h('td', { colspan: head.length }, M.t('table.none'))))));

M.page = (name, render) => { M.pages[name] = render; };
// Live handlers belong to the view that registered them; only the view on screen gets events.
M.onLive = (view, fn) => { (view.liveHandlers ||= []).push(fn); };
M.can = (...roles) => M.me && roles.includes(M.me.role);

M.navigation = async function () {
  const links = [['overview', M.t('nav.overview')]];
  // A region's gateway (region.js): its members' page.
  if ((await M.federation()).region) links.push(['region', M.t('nav.region')]);
  if (M.me.role === 'member') links.push(['household/' + M.me.household, M.t('nav.household')]);
  if (M.can('technician', 'council', 'administrator')) links.push(['breakers', M.t('nav.breakers')], ['devices', M.t('nav.devices')]);
  if (M.can('council')) links.push(['community', M.t('nav.trend')]);
  links.push(['policy', M.t('nav.policy')]);
  if (M.can('administrator')) links.push(['accounts', M.t('nav.accounts')]);
  const current = location.hash.slice(2);
  document.getElementById('nav').replaceChildren(...links.map(([href, label]) =>
    h('a', { href: '#/' + href, class: current.startsWith(href.split('/')[0]) ? 'active' : null }, label)));
  // The name leads to the account's own page (its language).
  document.getElementById('who').replaceChildren(h('a', { href: '#/account', title: M.t('nav.account') },
    h('span', { class: 'data' }, M.me.name), ' (' + M.t('role.' + M.me.role) + (M.me.household ? ', ' + M.me.household : '') + ')'));
  document.getElementById('signout').hidden = false;
};

// Each render builds its page in a detached view and shows it only if no later render started
// meanwhile: a slow answer never overwrites a newer page, and a live refresh swaps without flicker.
M.seq = 0;
M.render = async function () {
  const root = document.getElementById('main');
  const seq = ++M.seq;
  if (!M.me) {
    try { M.me = await M.api('GET', '/api/v1/session'); } catch (e) { M.me = null; }
  }
  // The account's language once signed in, the browser's before.
  const lang = (M.me && M.me.language) || M.browserLanguage();
  if (lang !== M.shownLanguage) {
    try { await M.useLanguage(lang); M.shownLanguage = lang; } catch (e) { console.error(e); }
  }
  if (seq !== M.seq) return;
  if (!M.me) { document.getElementById('nav').replaceChildren(); M.shown = null; M.pages.signin(root); return; }
  M.connect();
  if (!location.hash || location.hash === '#/' || location.hash === '#/signin') { location.hash = '#/overview'; return; }
  await M.navigation();
  const [name, ...args] = location.hash.slice(2).split('/');
  const render = M.pages[name];
  const view = h('div', { class: 'view' });
  if (!render) M.fill(view, M.problem({ message: M.t('error.nopage', { name }) }));
  else {
    try { await render(view, ...args.map(decodeURIComponent)); } catch (e) { M.fill(view, M.problem(e)); }
  }
  if (seq !== M.seq) return;
  root.replaceChildren(view);
  M.shown = view;
};

// Live updates: one EventSource per signed-in tab; pages subscribe with M.onLive(view, fn(kind, data)).
M.connect = function () {
  if (M.source) return;
  const live = document.getElementById('live');
  M.source = new EventSource('/api/v1/events');
  M.source.onopen = () => { live.className = 'live on'; if (M.outage) M.outage.connected(); };
  M.source.onerror = () => { live.className = 'live off'; if (M.outage) M.outage.lost(); };
  for (const kind of ['reading', 'device', 'stage', 'trip', 'reset', 'command', 'emergency', 'policy']) {
    M.source.addEventListener(kind, (ev) => {
      const data = JSON.parse(ev.data);
      for (const fn of (M.shown && M.shown.liveHandlers) || []) { try { fn(kind, data); } catch (e) { console.error(e); } }
    });
  }
};

// Runs fn at most once per `ms` while events keep coming (a burst of readings = one refresh).
M.debounce = function (fn, ms) {
  let timer = null;
  return () => { if (!timer) timer = setTimeout(() => { timer = null; fn(); }, ms); };
};

M.signOut = async function () {
  await M.api('DELETE', '/api/v1/session');
  if (M.source) { M.source.close(); M.source = null; }
  M.me = null;
  location.hash = '#/signin';
  M.render();
};

window.addEventListener('hashchange', () => M.render());
window.addEventListener('DOMContentLoaded', () => {
  document.getElementById('signout').addEventListener('click', M.signOut);
  M.render();
});
