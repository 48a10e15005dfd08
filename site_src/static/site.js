// Draws every chart on the page with the self-hosted Vega bundle, fitted to its width and theme.
// Each chart's Vega-Lite spec sits in a <script type="application/json"> beside its container; the page's
// number and date names in #vega-locale. usermeta.reportsite says what the width decides: which time ticks
// fit, how many legend columns, whether category labels need turning.
(function () {
  "use strict";
  var UNITS = { hour: "hours", minute: "minutes", second: "seconds" };
  // The page's words (words.js): _("…", {name: value}).
  var _ = window.reportsite.words.gettext;

  function fail(el, message) {
    el.dataset.rendered = "error";
    el.textContent = _("This chart could not be drawn: %(reason)s", { reason: message });
    el.className += " flex items-center justify-center text-sm text-red-700 bg-red-50 rounded-lg";
    console.error("reportsite: chart " + el.id + ": " + message);
  }

  function theme() {
    return document.documentElement.dataset.theme === "dark" ? "dark" : "light";
  }

  function merge(target, source) {
    Object.keys(source).forEach(function (key) {
      var value = source[key];
      if (value && typeof value === "object" && !Array.isArray(value)) {
        target[key] = merge(target[key] && typeof target[key] === "object" ? target[key] : {}, value);
      } else {
        target[key] = value;
      }
    });
    return target;
  }

  // Every encoding object of the spec, layers included.
  function encodings(spec, found) {
    found = found || [];
    if (spec.encoding) found.push(spec.encoding);
    (spec.layer || []).forEach(function (layer) { encodings(layer, found); });
    return found;
  }

  // The finest tick candidate whose labels fit in the plot's width.
  function pickTicks(candidates, plotWidth) {
    for (var i = 0; i < candidates.length; i++) {
      if (candidates[i].count * candidates[i].pixels <= plotWidth) return candidates[i];
    }
    return candidates[candidates.length - 1];
  }

  // Every colour of the light palette in the spec swapped for its dark-theme twin (data left alone).
  function darken(node, twins) {
    Object.keys(node).forEach(function (key) {
      var value = node[key];
      if (key === "data" || key === "usermeta") return;
      if (typeof value === "string" && twins[value.toLowerCase()]) node[key] = twins[value.toLowerCase()];
      else if (value && typeof value === "object") darken(value, twins);
    });
  }

  // How many ticks a value axis of ``length`` px can label without labels running into each other: at least
  // two, so a reader always sees a scale.
  function valueTicks(length, chars, horizontal) {
    var room = horizontal ? chars * 6.6 + 18 : 36;
    return Math.max(2, Math.min(6, Math.floor(length / room)));
  }

  function fit(spec, width) {
    var meta = (spec.usermeta && spec.usermeta.reportsite) || {};
    var plot = Math.max(120, width - 90);
    if (meta.ticks && meta.ticks.length) {
      var ticks = pickTicks(meta.ticks, plot);
      encodings(spec).forEach(function (enc) {
        ["x", "y"].forEach(function (channel) {
          var axis = enc[channel] && enc[channel].type === "temporal" && enc[channel].axis;
          if (axis && (axis.tickCount || axis.values)) {
            if (ticks.values) {  // weeks: on the week's first day, not on Vega's Sundays
              axis.values = ticks.values;
              delete axis.tickCount;
            } else {
              // Vega's time intervals are named 'hours', 'minutes', 'seconds' (Vega-Lite's schema says 'hour').
              axis.tickCount = { interval: UNITS[ticks.interval] || ticks.interval, step: ticks.step };
              delete axis.values;
            }
            axis.labelExpr = ticks.labelExpr;
          }
        });
      });
    }
    var room = Math.max(60, Math.floor(width * (width < 500 ? 0.34 : 0.3)));  // for category labels beside a plot
    if (meta.horizontal && meta.categories) {  // labels take the room they need, up to a share of the width
      var needed = Math.ceil(meta.categories.longest * 6.6) + 8;
      encodings(spec).forEach(function (enc) {
        var axis = enc.y && (enc.y.type === "nominal" || enc.y.type === "ordinal") && enc.y.axis;
        if (axis) axis.labelLimit = Math.min(needed, room);
      });
      plot = Math.max(80, width - Math.min(needed, room) - 40);
    }
    if (meta.heatmap_labels) {
      encodings(spec).forEach(function (enc) {
        if (enc.y && enc.y.axis && enc.y.type === "ordinal") {
          enc.y.axis.labelLimit = Math.min(Math.ceil((meta.heatmap_labels.y || 0) * 6.6) + 8, room);
        }
      });
    }
    var grow = 0;  // pixels the chart grows by so turned labels and long legends leave the plot its room
    if (meta.categories && !meta.horizontal) {
      var per = plot / Math.max(1, meta.categories.count);
      var longest = Math.min(meta.categories.longest, 24) * 6.6 + 8;
      encodings(spec).forEach(function (enc) {
        if (enc.x && enc.x.axis && (enc.x.type === "nominal" || enc.x.type === "ordinal") && longest > per) {
          enc.x.axis.labelAngle = per < 16 ? -90 : -45;
          enc.x.axis.labelAlign = "right";
          enc.x.axis.labelLimit = 110;
          grow = Math.max(grow, Math.round(Math.min(longest, 110) * (per < 16 ? 1 : 0.72)) - 14);
        }
      });
    }
    if (meta.legend) {
      var entry = Math.min(meta.legend.longest, 28) * 7 + 34;
      var columns = Math.max(1, Math.min(meta.legend.count, Math.floor((width - 16) / entry)));
      if (meta.legend.count > 6 && width >= 300) columns = Math.max(columns, 2);  // labels cut, legend half as tall
      var rows = Math.ceil(meta.legend.count / columns);
      spec.config.legend.columns = columns;
      // The legend starts under the plot, after the value axis: leave that room on the left.
      spec.config.legend.labelLimit = Math.max(60, Math.floor((width - 80) / columns) - 40);
      spec.config.legend.symbolLimit = 0;  // every entry: a legend never drops any
      grow += Math.max(0, rows - 1) * 18;
    }
    if (meta.gradient) {
      encodings(spec).forEach(function (enc) {
        var labels = Math.min((meta.row_labels || 0) * 6.6, 140);  // the legend starts where the plot does
        if (enc.color && enc.color.legend) {
          enc.color.legend.gradientLength = Math.max(60, Math.min(200, width - labels - 120));
        }
      });
    }
    var labels = meta.value_labels || {};  // value axes: as many ticks as their labels leave room for
    encodings(spec).forEach(function (enc) {
      ["x", "y"].forEach(function (channel) {
        var axis = enc[channel] && enc[channel].type === "quantitative" && enc[channel].axis;
        if (!axis || !axis.tickCount || enc[channel].aggregate) return;
        var which = channel === "x" ? (meta.horizontal ? "y" : "x") : (axis.orient === "right" ? "y2" : "y");
        var chars = labels[which] || 8;
        axis.tickCount = channel === "x" ? valueTicks(plot, chars, true)
          : valueTicks(typeof spec.height === "number" ? spec.height - 40 : 260, chars, false);
      });
    });
    if (grow && typeof spec.height === "number") spec.height += grow;
    if (theme() === "dark") {
      merge(spec.config, locale.dark || {});
      if (meta.dark) darken(spec, meta.dark);
    }
    return spec;
  }

  function chartsIn(root) {
    return [].slice.call(root.querySelectorAll("[data-spec]"));
  }
  // What the page's charts share (#vega-locale): number and date names, and the dark theme's chart config
  // (charts/theme.py), merged into each spec's light config when the reader picks the dark theme.
  var locale = {};
  var localeScript = document.getElementById("vega-locale");
  if (localeScript) {
    try { locale = JSON.parse(localeScript.textContent); } catch (err) { locale = {}; }
  }

  function draw(el) {
    if (typeof window.vegaEmbed !== "function") {
      fail(el, "the Vega library did not load");
      return;
    }
    var spec;
    try {
      spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
    } catch (err) {
      fail(el, "its specification is not valid JSON");
      return;
    }
    var width = el.clientWidth || el.parentNode.clientWidth || 600;
    el.dataset.drawnWidth = String(width);
    el.dataset.drawnTheme = theme();
    // ast: Vega interprets expressions instead of compiling them with eval (the pages' CSP allows no eval)
    var options = { actions: false, renderer: "svg", ast: true, tooltip: { theme: theme() === "dark" ? "dark" : "light" } };
    if (locale.format) options.formatLocale = locale.format;
    if (locale.time) options.timeFormatLocale = locale.time;
    if (el.__reportsiteView) el.__reportsiteView.finalize();
    window.vegaEmbed(el, fit(spec, width), options)
      .then(function (result) {
        el.__reportsiteView = result.view;
        el.dataset.rendered = "true";
      })
      .catch(function (err) { fail(el, err && err.message ? err.message : String(err)); });
  }

  // A chart's data table, opened: a box that scrolls is reachable by keyboard, and named.
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (!details.matches || !details.matches("[data-chart-data]") || !details.open) return;
    var box = details.querySelector("[data-scroll-region]");
    if (box && (box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1)) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      var card = details.closest("[aria-labelledby]");
      if (card) box.setAttribute("aria-labelledby", card.getAttribute("aria-labelledby"));
    }
  }, true);

  chartsIn(document).forEach(draw);
  // A filter choice swapped a block in: draw the charts it brought.
  document.addEventListener("reportsite:swapped", function (event) {
    var root = event.target;
    if (root.matches && root.matches("[data-spec]")) draw(root);
    else if (root.querySelectorAll) chartsIn(root).forEach(draw);
  });

  var pending = null;
  window.addEventListener("resize", function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      chartsIn(document).forEach(function (el) {
        if (el.dataset.rendered !== "true") return;
        if (Math.abs((el.clientWidth || 0) - Number(el.dataset.drawnWidth || 0)) > 40) draw(el);
      });
    }, 200);
  });
  window.addEventListener("reportsite:theme", function () {
    chartsIn(document).forEach(function (el) { if (el.dataset.drawnTheme !== theme()) draw(el); });
  });
})();
