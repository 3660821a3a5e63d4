'use strict';
// Accounts page (administrators): accounts with their roles and tokens; create an account (household
// chosen from the policy's), reset a password, create a labelled token, revoke a token. Generated
// passwords and tokens are shown once, here, and never again.
(function () {
  const h = M.h;

  M.page('accounts', async (main) => {
    const [accounts, policy] = await Promise.all([M.api('GET', '/api/v1/accounts'), M.api('GET', '/api/v1/policy').catch(() => null)]);
    const status = h('div', { role: 'status', id: 'account-status' });
    const once = (label, secret) => h('div', { class: 'okbox' }, label + ' (shown once): ', h('code', { class: 'secret' }, secret));
    const households = policy ? policy.households.map((x) => x.id) : [];
    const form = h('form', { class: 'stack', id: 'create-account' },
      h('label', null, 'Name (lower-case letters, digits, . _ -)', h('input', { name: 'name', required: true, autocapitalize: 'none' })),
      h('label', null, 'Role', h('select', { name: 'role' }, ['member', 'council', 'technician', 'administrator'].map((r) => h('option', { value: r }, r)))),
      h('label', null, 'Household (members only)', households.length
        ? h('select', { name: 'household' }, h('option', { value: '' }, '–'), households.map((x) => h('option', { value: x }, x)))
        : h('input', { name: 'household' })),
      h('button', { type: 'submit' }, 'Create (password generated)'));
    const act = async (fn) => { try { await fn(); } catch (e) { M.fill(document.getElementById('account-status') || status, M.problem(e)); } };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(async () => {
        const r = await M.api('POST', '/api/v1/accounts', { name: form.name.value, role: form.role.value, household: form.household.value || undefined });
        await M.render();
        M.fill(document.getElementById('account-status'), once('Password of ' + r.name, r.generatedPassword),
          r.warning ? h('div', { class: 'notice', id: 'account-warning' }, r.warning) : null);
      });
    });
    const token = (a) => {
      const label = h('input', { name: 'label', value: 'script', 'aria-label': 'Label of a new token for ' + a.name, size: '10' });
      return h('span', { class: 'inline' }, label, h('button', { type: 'button', class: 'secondary', dataset: { token: a.name }, onclick: () => act(async () => {
        const r = await M.api('POST', '/api/v1/accounts/' + encodeURIComponent(a.name) + '/tokens', { label: label.value || 'script' });
        await M.render();
        M.fill(document.getElementById('account-status'), once('API token "' + r.label + '" of ' + a.name, r.token));
      }) }, 'New API token'));
    };
    const revoke = (a, t) => h('button', { type: 'button', class: 'link', dataset: { revoke: t.id }, onclick: () => act(async () => {
      if (!confirm('Revoke the token "' + t.label + '" of ' + a.name + '? Scripts using it stop working.')) return;
      await M.api('DELETE', '/api/v1/accounts/' + encodeURIComponent(a.name) + '/tokens/' + encodeURIComponent(t.id));
      await M.render();
    }) }, 'Revoke');
    const reset = (a) => h('button', { type: 'button', class: 'secondary', dataset: { reset: a.name }, onclick: () => act(async () => {
      if (!confirm('Reset the password of ' + a.name + '? Their sessions end.')) return;
      const r = await M.api('PUT', '/api/v1/accounts/' + encodeURIComponent(a.name) + '/password', {});
      M.fill(status, once('New password of ' + a.name, r.generatedPassword));
    }) }, 'Reset password');
    const remove = (a) => h('button', { type: 'button', class: 'secondary', onclick: () => act(async () => {
      if (!confirm('Remove account ' + a.name + '?')) return;
      await M.api('DELETE', '/api/v1/accounts/' + encodeURIComponent(a.name));
      await M.render();
    }) }, 'Remove');
    M.fill(main, h('h1', null, 'Accounts'), status,
      h('div', { id: 'accounts' }, M.table(['Name', 'Role', 'Household', 'Tokens', ''], accounts.map((a) => [a.name, a.role, a.household || '–',
        a.tokens.length ? h('ul', { class: 'tokens' }, a.tokens.map((t) => h('li', { dataset: { tokenId: t.id } }, t.label + ' (created ' + M.time(t.created) + ') ', revoke(a, t)))) : '–',
        // A token acts as its account: only the account itself mints one (docs/security.md), so the
        // button is on the administrator's own row; others mint theirs on their own Accounts view.
        h('div', { class: 'actions' }, M.me && a.name === M.me.name ? token(a) : null, reset(a), remove(a))]))),
      h('h2', null, 'New account'), form);
  });
})();
