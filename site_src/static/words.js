// The page's words, in the site's language, for the page's other scripts (base.html loads this before them):
// script[data-messages] elements, written by the build, hold the translations of what those scripts mark.
// window.reportsite.words.gettext("…", {name: value}) and .ngettext(singular, plural, count, {…}), with the
// browser's CLDR plural rules; "%(name)s" takes a value, "%%" is a percent sign, a missing word stays English.
// Each script names them _ and ngettext locally: the catalog tool and the build find a script's messages by them.
(function () {
  "use strict";
  var api = (window.reportsite = window.reportsite || {});
  var messages = {};
  var read = [];
  var scripts = -1;
  // Every script[data-messages] so far; read again when scripts were added (a private page's, once opened).
  function words() {
    if (document.scripts.length !== scripts) {
      scripts = document.scripts.length;
      document.querySelectorAll("script[data-messages]").forEach(function (el) {
        if (read.indexOf(el) >= 0) return;
        read.push(el);
        try { Object.assign(messages, JSON.parse(el.textContent)); } catch (err) { /* English */ }
      });
    }
    return messages;
  }
  function fill(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return values && name in values ? String(values[name]) : all;
    }).replace(/%%/g, "%");
  }
  function gettext(text, values) {
    var found = words()[text];
    return fill(typeof found === "string" ? found : text, values);
  }
  function ngettext(singular, plural, count, values) {
    var forms = words()[singular], rule;
    try { rule = new Intl.PluralRules(document.documentElement.lang || undefined).select(count); } catch (err) {
      rule = count === 1 ? "one" : "other";
    }
    var text = forms && typeof forms === "object" ? (forms[rule] || forms.other) : (count === 1 ? singular : plural);
    return fill(text, Object.assign({ count: count }, values || {}));
  }
  api.words = { gettext: gettext, ngettext: ngettext };
})();
