'use strict';
// Accounts page (administrators): accounts with their roles and tokens, create an account, create a
// token. Generated passwords and tokens are shown once, here, and never again.
(function () {
  const h = M.h;

  M.page('accounts', async (main) => {
    const accounts = await M.api('GET', '/api/v1/accounts');
    const status = h('div', { role: 'status', id: 'account-status' });
    const once = (label, secret) => h('div', { class: 'okbox' }, label + ' (shown once): ', h('code', { class: 'secret' }, secret));
    const form = h('form', { class: 'stack', id: 'create-account' },
      h('label', null, 'Name', h('input', { name: 'name', required: true, autocapitalize: 'none' })),
      h('label', null, 'Role', h('select', { name: 'role' }, ['member', 'council', 'technician', 'administrator'].map((r) => h('option', { value: r }, r)))),
      h('label', null, 'Household (members only)', h('input', { name: 'household' })),
      h('button', { type: 'submit' }, 'Create (password generated)'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const r = await M.api('POST', '/api/v1/accounts', { name: form.name.value, role: form.role.value, household: form.household.value || undefined });
        await M.render();
        M.fill(document.getElementById('account-status'), once('Password of ' + r.name, r.generatedPassword));
      } catch (e) { M.fill(status, M.problem(e)); }
    });
    const token = (a) => h('button', { type: 'button', class: 'secondary', onclick: async () => {
      try { const r = await M.api('POST', '/api/v1/accounts/' + a.name + '/tokens', { label: 'script' }); M.fill(status, once('API token of ' + a.name, r.token)); }
      catch (e) { M.fill(status, M.problem(e)); }
    } }, 'New API token');
    const remove = (a) => h('button', { type: 'button', class: 'secondary', onclick: async () => {
      if (!confirm('Remove account ' + a.name + '?')) return;
      try { await M.api('DELETE', '/api/v1/accounts/' + a.name); M.render(); } catch (e) { M.fill(status, M.problem(e)); }
    } }, 'Remove');
    M.fill(main, h('h1', null, 'Accounts'), status,
      h('div', { id: 'accounts' }, M.table(['Name', 'Role', 'Household', 'Tokens', ''], accounts.map((a) => [a.name, a.role, a.household || '–',
        a.tokens.map((t) => t.label + ' (' + t.id + ')').join(', ') || '–', [token(a), ' ', remove(a)]]))),
      h('h2', null, 'New account'), form);
  });
})();
