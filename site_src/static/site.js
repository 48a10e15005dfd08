// Draws every chart on the page with the self-hosted Vega bundle.
// Each chart's Vega-Lite spec sits in a <script type="application/json"> beside its container.
(function () {
  "use strict";
  function fail(el, message) {
    el.dataset.rendered = "error";
    el.textContent = "This chart could not be drawn: " + message;
    el.className += " flex items-center justify-center text-sm text-red-700 bg-red-50 rounded-lg";
    console.error("reportsite: chart " + el.id + ": " + message);
  }
  var charts = document.querySelectorAll("[data-spec]");
  if (charts.length === 0) return;
  if (typeof window.vegaEmbed !== "function") {
    charts.forEach(function (el) { fail(el, "the Vega library did not load"); });
    return;
  }
  charts.forEach(function (el) {
    var spec;
    try {
      spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
    } catch (err) {
      fail(el, "its specification is not valid JSON");
      return;
    }
    window.vegaEmbed(el, spec, { actions: false, renderer: "svg", tooltip: { theme: "light" } })
      .then(function () { el.dataset.rendered = "true"; })
      .catch(function (err) { fail(el, err && err.message ? err.message : String(err)); });
  });
})();
