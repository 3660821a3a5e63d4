'use strict';
// The dashboard's words: one message catalogue per language (i18n/en.json, i18n/es.json), chosen
// per account (the account's language, set on its own Account page) and, before sign-in, from the
// browser's languages. Pages never hold a user-visible literal: they call M.t('key', {param}).
// A key missing in the language shown falls back to English and is recorded in M.missing, which the
// browser tests read (a page in Spanish must leave it empty).
(function () {
  const supported = ['en', 'es'];
  const fallback = 'en';
  const catalogues = {};
  M.missing = [];
  M.lang = fallback;
  M.locale = 'en-US';

  // The browser's first language the dashboard speaks, else English.
  M.browserLanguage = function () {
    for (const l of navigator.languages || [navigator.language || fallback]) {
      const code = String(l).toLowerCase().split('-')[0];
      if (supported.includes(code)) return code;
    }
    return fallback;
  };
  M.languages = supported;

  async function load(lang) {
    if (catalogues[lang]) return catalogues[lang];
    const r = await fetch('/dashboard/i18n/' + lang + '.json', { credentials: 'same-origin' });
    if (!r.ok) throw new Error('catalogue ' + lang + ': ' + r.status);
    return (catalogues[lang] = await r.json());
  }

  // Loads the catalogue of `lang` (and English, the fallback) and labels the page shell with it.
  M.useLanguage = async function (lang) {
    if (!supported.includes(lang)) lang = fallback;
    await Promise.all([load(fallback), load(lang)]);
    M.lang = lang;
    // Numbers and dates in the browser's own variant of the language when it has one (en-GB, es-MX), else the language's default.
    const own = (navigator.languages || []).find((l) => String(l).toLowerCase().split('-')[0] === lang);
    M.locale = own || (lang === 'en' ? 'en-US' : lang);
    document.documentElement.lang = lang;
    for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = M.t(el.dataset.i18n);
    for (const el of document.querySelectorAll('[data-i18n-title]')) el.title = M.t(el.dataset.i18nTitle);
    document.title = M.t('app.name');
  };

  // The message `key` in the language shown, `{name}` replaced by params.name.
  M.t = function (key, params) {
    const shown = catalogues[M.lang] || {};
    let text = shown[key];
    if (text === undefined) {
      if (!M.missing.includes(M.lang + ':' + key)) M.missing.push(M.lang + ':' + key);
      text = (catalogues[fallback] || {})[key];
      if (text === undefined) text = key;
    }
    return params ? text.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name]))) : text;
  };
  // Whether the catalogue has `key` (for words the API sends, translated when known, shown as sent otherwise).
  M.has = (key) => (catalogues[fallback] || {})[key] !== undefined;
  // "1 person", "3 persons": key.one or key.other with {n}.
  M.count = (n, key) => M.t(key + (n === 1 ? '.one' : '.other'), { n: Number(n).toLocaleString(M.locale) });
})();
