// Light and dark theme. Pages follow the system setting until the reader picks a theme with the header
// toggle; the pick is remembered in this browser (localStorage) and forgotten again when it matches the
// system. The inline snippet in base.html's <head> sets <html data-theme> before the first paint; this
// script wires the toggle and announces every change as window event "reportsite:theme"
// ({detail: {theme: "light" | "dark"}}) so that the charts can redraw to match.
(function () {
  "use strict";
  var KEY = "reportsite-theme";
  var root = document.documentElement;
  var media = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  // The page's words (words.js): _("…", {name: value}) and ngettext(singular, plural, count, {…}).
  var _ = window.reportsite.words.gettext, ngettext = window.reportsite.words.ngettext;

  function stored() {
    try {
      var value = window.localStorage.getItem(KEY);
      return value === "dark" || value === "light" ? value : null;
    } catch (err) {
      return null; // storage blocked (privacy settings): follow the system
    }
  }
  function store(theme) {
    try {
      if (theme) window.localStorage.setItem(KEY, theme);
      else window.localStorage.removeItem(KEY);
    } catch (err) { /* not remembered; the page still switches */ }
  }
  function system() {
    return media && media.matches ? "dark" : "light";
  }
  function current() {
    return root.dataset.theme === "dark" ? "dark" : "light";
  }
  function sync() {
    var dark = current() === "dark";
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.title = dark ? _("Switch to the light theme") : _("Switch to the dark theme");
    });
  }
  function apply(theme) {
    var changed = root.dataset.theme !== theme;
    root.dataset.theme = theme;
    sync();
    if (changed) {
      window.dispatchEvent(new CustomEvent("reportsite:theme", { detail: { theme: theme } }));
    }
  }

  apply(stored() || system());
  function wire() {
    sync();
    document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
      button.addEventListener("click", function () {
        var next = current() === "dark" ? "light" : "dark";
        store(next === system() ? null : next);
        apply(next);
      });
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();

  if (media) {
    var follow = function () { if (!stored()) apply(system()); };
    if (media.addEventListener) media.addEventListener("change", follow);
    else if (media.addListener) media.addListener(follow);
  }
  window.addEventListener("storage", function (event) {
    if (event.key === KEY || event.key === null) apply(stored() || system()); // another tab switched
  });
})();
