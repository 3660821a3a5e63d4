'use strict';
// The signed-in account's own page: the language the dashboard speaks to it, stored with the
// account (PUT /api/v1/accounts/{name}/language), so it follows the member to any browser.
(function () {
  const h = M.h;

  // A form choosing the account's language; each language is named in itself ("Español").
  M.languageForm = function () {
    const status = h('div', { role: 'status', id: 'language-status' });
    const select = h('select', { name: 'language', id: 'language' },
      M.languages.map((l) => h('option', { value: l, selected: l === M.lang }, M.t('language.' + l))));
    const form = h('form', { class: 'stack', id: 'language-form' },
      h('label', null, M.t('account.language'), select),
      h('button', { type: 'submit' }, M.t('account.save')), status);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await M.api('PUT', '/api/v1/accounts/' + encodeURIComponent(M.me.name) + '/language', { language: select.value });
        M.me.language = select.value;
        await M.render();
        const done = document.getElementById('language-status');
        if (done) M.fill(done, h('div', { class: 'okbox' }, M.t('account.saved')));
      } catch (e) { M.fill(status, M.problem(e)); }
    });
    return [h('h2', null, M.t('account.languageTitle')), form];
  };

  M.page('account', async (main) => {
    M.fill(main, h('h1', null, M.t('account.title') + ' ', h('span', { class: 'data' }, M.me.name)),
      h('p', { class: 'muted' }, M.t('account.help')), M.languageForm());
  });
})();
