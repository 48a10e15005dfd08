// A search box over a list of links: <input data-search-list="LIST_ID" data-search-count="COUNT_ID">.
// Typing hides the items whose text does not contain every word typed (case and accents ignored).
(function () {
  "use strict";
  // The page's words (words.js): _("…", {name: value}) and ngettext(singular, plural, count, {…}).
  var _ = window.reportsite.words.gettext, ngettext = window.reportsite.words.ngettext;
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  [].forEach.call(document.querySelectorAll("input[data-search-list]"), function (input) {
    var list = document.getElementById(input.dataset.searchList);
    if (!list) return;
    var items = [].slice.call(list.children).map(function (li) { return { el: li, text: fold(li.textContent) }; });
    var empty = document.querySelector('[data-search-empty="' + input.dataset.searchList + '"]');
    var count = document.getElementById(input.dataset.searchCount || "");
    var format = new Intl.NumberFormat(document.documentElement.dataset.locale || document.documentElement.lang || undefined);
    function apply() {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      var shown = 0;
      items.forEach(function (item) {
        var match = words.every(function (w) { return item.text.indexOf(w) >= 0; });
        item.el.hidden = !match;
        if (match) shown++;
      });
      if (empty) empty.classList.toggle("hidden", shown > 0);
      if (count) count.textContent = _("%(shown)s of %(total)s shown", { shown: format.format(shown), total: format.format(items.length) });
    }
    input.addEventListener("input", apply);
    if (input.value) apply();
  });
})();
