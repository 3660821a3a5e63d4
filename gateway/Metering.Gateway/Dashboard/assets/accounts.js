'use strict';
// Accounts page (administrators): accounts with their roles and tokens; create an account (household
// chosen from the policy's), reset a password, create a labelled token, revoke a token. Generated
// passwords and tokens are shown once, here, and never again.
(function () {
  const h = M.h;

  M.page('accounts', async (main) => {
    const [accounts, policy] = await Promise.all([M.api('GET', '/api/v1/accounts'), M.api('GET', '/api/v1/policy').catch(() => null)]);
    const status = h('div', { role: 'status', id: 'account-status' });
    const once = (label, secret) => h('div', { class: 'okbox' }, M.t('accounts.once', { what: label }) + ' ', h('code', { class: 'secret' }, secret));
    const households = policy ? policy.households.map((x) => x.id) : [];
    const form = h('form', { class: 'stack', id: 'create-account' },
      h('label', null, M.t('accounts.name'), h('input', { name: 'name', required: true, autocapitalize: 'none' })),
      h('label', null, M.t('accounts.role'), h('select', { name: 'role' }, ['member', 'council', 'technician', 'administrator'].map((r) => h('option', { value: r }, M.t('role.' + r))))),
      h('label', null, M.t('accounts.household'), households.length
        ? h('select', { name: 'household' }, h('option', { value: '' }, '–'), households.map((x) => h('option', { value: x }, x)))
        : h('input', { name: 'household' })),
      h('button', { type: 'submit' }, M.t('accounts.create')));
    const act = async (fn) => { try { await fn(); } catch (e) { M.fill(document.getElementById('account-status') || status, M.problem(e)); } };
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      act(async () => {
        const r = await M.api('POST', '/api/v1/accounts', { name: form.name.value, role: form.role.value, household: form.household.value || undefined });
        await M.render();
        M.fill(document.getElementById('account-status'), once(M.t('accounts.passwordOf', { name: r.name }), r.generatedPassword),
          r.warning ? h('div', { class: 'notice', id: 'account-warning' }, r.warning) : null);
      });
    });
    const token = (a) => {
      const label = h('input', { name: 'label', value: 'script', 'aria-label': M.t('accounts.tokenLabel', { name: a.name }), size: '10' });
      return h('span', { class: 'inline' }, label, h('button', { type: 'button', class: 'secondary', dataset: { token: a.name }, onclick: () => act(async () => {
        const r = await M.api('POST', '/api/v1/accounts/' + encodeURIComponent(a.name) + '/tokens', { label: label.value || 'script' });
        await M.render();
        M.fill(document.getElementById('account-status'), once(M.t('accounts.tokenOf', { label: r.label, name: a.name }), r.token));
      }) }, M.t('accounts.newToken')));
    };
    const revoke = (a, t) => h('button', { type: 'button', class: 'link', dataset: { revoke: t.id }, onclick: () => act(async () => {
      if (!confirm(M.t('accounts.confirmRevoke', { label: t.label, name: a.name }))) return;
      await M.api('DELETE', '/api/v1/accounts/' + encodeURIComponent(a.name) + '/tokens/' + encodeURIComponent(t.id));
      await M.render();
    }) }, M.t('accounts.revoke'));
    const reset = (a) => h('button', { type: 'button', class: 'secondary', dataset: { reset: a.name }, onclick: () => act(async () => {
      if (!confirm(M.t('accounts.confirmReset', { name: a.name }))) return;
      const r = await M.api('PUT', '/api/v1/accounts/' + encodeURIComponent(a.name) + '/password', {});
      M.fill(status, once(M.t('accounts.newPasswordOf', { name: a.name }), r.generatedPassword));
    }) }, M.t('accounts.resetPassword'));
    const remove = (a) => h('button', { type: 'button', class: 'secondary', onclick: () => act(async () => {
      if (!confirm(M.t('accounts.confirmRemove', { name: a.name }))) return;
      await M.api('DELETE', '/api/v1/accounts/' + encodeURIComponent(a.name));
      await M.render();
    }) }, M.t('accounts.remove'));
    M.fill(main, h('h1', null, M.t('accounts.title')), status,
      h('div', { id: 'accounts' }, M.table([M.t('col.name'), M.t('col.role'), M.t('col.household'), M.t('col.tokens'), ''], accounts.map((a) => [h('span', { class: 'data' }, a.name), M.t('role.' + a.role), a.household || '–',
        a.tokens.length ? h('ul', { class: 'tokens' }, a.tokens.map((t) => h('li', { dataset: { tokenId: t.id } }, M.t('accounts.token', { label: t.label, at: M.time(t.created) }) + ' ', revoke(a, t)))) : '–',
        // A token acts as its account: only the account itself mints one (docs/security.md), so the
        // button is on the administrator's own row; others mint theirs on their own Accounts view.
        h('div', { class: 'actions' }, M.me && a.name === M.me.name ? token(a) : null, reset(a), remove(a))]))),
      h('h2', null, M.t('accounts.new')), form, M.languageForm());
  });
})();
