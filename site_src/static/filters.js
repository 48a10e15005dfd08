// Page filters: each choice shows the results the build computed for it, with no server.
// #report-filters names each filter's choices (URL token, label, date hint), the blocks that follow a
// filter, and one JSON file per combination of choices ({"blocks": {id: html}, "title": text}). Choosing
// swaps those blocks, keeps the choice in the URL (?region=North&period=year_to_date; defaults left out),
// and tells the page's other scripts with a bubbling "reportsite:swapped" event on each new block.
(function () {
  "use strict";
  var script = document.getElementById("report-filters");
  if (!script) return;
  var config;
  try { config = JSON.parse(script.textContent); } catch (err) { return; }
  var filters = config.filters || [];
  var selects = filters.map(function (f) { return document.getElementById("filter-" + f.name); });
  var status = document.querySelector("[data-filter-status]");
  var error = document.querySelector("[data-filter-error]");
  var titleSuffix = document.title.indexOf(" · ") >= 0 ? document.title.slice(document.title.indexOf(" · ")) : "";
  var cache = {};
  var latest = 0;
  // The page's words (words.js): _("…", {name: value}) and ngettext(singular, plural, count, {…}).
  var _ = window.reportsite.words.gettext, ngettext = window.reportsite.words.ngettext;

  // The default combination is the page itself: keep its blocks to come back to.
  var initial = { blocks: {} };
  (config.blocks || []).forEach(function (id) {
    var el = document.querySelector('[data-block="' + id + '"]');
    if (el) initial.blocks[id] = el.outerHTML;
  });
  var heading = document.querySelector('[data-block="title"]');
  if (heading) initial.title = heading.textContent;
  cache[config.default] = Promise.resolve(initial);

  function picksFromSelects() {
    return selects.map(function (select, i) { return select ? Number(select.value) : filters[i].default; });
  }

  function picksFromURL() {
    var params = new URLSearchParams(window.location.search);
    return filters.map(function (f) {
      if (!params.has(f.name)) return f.default;
      var wanted = params.get(f.name);
      for (var i = 0; i < f.choices.length; i++) if (f.choices[i].token === wanted) return i;
      return f.default;  // a value the data no longer has: the default, not an empty page
    });
  }

  function urlFor(picks) {
    var params = new URLSearchParams(window.location.search);
    filters.forEach(function (f, i) {
      if (picks[i] === f.default) params.delete(f.name);
      else params.set(f.name, f.choices[picks[i]].token);
    });
    var query = params.toString();
    return window.location.pathname + (query ? "?" + query : "") + window.location.hash;
  }

  function load(key) {
    if (!cache[key]) {
      var url = config.slices[key];
      if (!url) return Promise.reject(new Error(_("no results for this choice")));
      var get = window.reportsite && window.reportsite.fetchData;  // private.js: opens a private page's files
      cache[key] = (get ? get(url, { credentials: "same-origin" }) : fetch(url, { credentials: "same-origin" }))
        .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      });
      cache[key].catch(function () { delete cache[key]; });  // a failed fetch may be retried
    }
    return cache[key];
  }

  function swap(data) {
    Object.keys(data.blocks || {}).forEach(function (id) {
      var old = document.querySelector('[data-block="' + id + '"]');
      if (!old) return;
      var holder = document.createElement("template");
      holder.innerHTML = data.blocks[id];
      var fresh = holder.content.firstElementChild;
      if (!fresh) return;
      old.replaceWith(fresh);
      fresh.dispatchEvent(new CustomEvent("reportsite:swapped", { bubbles: true }));
    });
    if (data.title) document.title = data.title + titleSuffix;
  }

  function describe(picks) {
    return filters.map(function (f, i) {
      var label = document.querySelector('label[for="filter-' + f.name + '"]');
      return _("%(filter)s: %(choice)s", { filter: label ? label.textContent : f.name, choice: f.choices[picks[i]].label });
    }).join(", ");
  }

  function show(picks, how) {
    var key = picks.join(".");
    var ticket = ++latest;
    picks.forEach(function (pick, i) {
      if (selects[i]) selects[i].value = String(pick);
      var hint = document.querySelector('[data-filter-hint="' + i + '"]');
      if (hint) hint.textContent = filters[i].choices[pick].hint || "";
    });
    if (how === "push") window.history.pushState({ reportsiteFilters: key }, "", urlFor(picks));
    document.body.setAttribute("aria-busy", "true");
    return load(key).then(function (data) {
      if (ticket !== latest) return;
      swap(data);
      if (error) { error.textContent = ""; error.classList.add("hidden"); }
      if (status) status.textContent = _("Showing %(choices)s", { choices: describe(picks) });
      document.documentElement.dataset.filtersShown = key;
    }).catch(function (err) {
      if (ticket !== latest) return;
      var offline = window.location.protocol === "file:";
      if (error) {
        error.textContent = offline
          ? _("Filters need the page to be opened from the site (http or https), not from a file on disk.")
          : _("These results could not be loaded (%(reason)s). Check your connection and try again.", { reason: err.message });
        error.classList.remove("hidden");
      }
    }).then(function () {
      if (ticket === latest) document.body.removeAttribute("aria-busy");
    });
  }

  // A reader about to choose (pointer over or focus on a dropdown): load that dropdown's other choices now,
  // so the one they pick is drawn without waiting for the network.
  function prefetch(position) {
    var picks = picksFromSelects();
    filters[position].choices.forEach(function (_, choice) {
      var next = picks.slice();
      next[position] = choice;
      var key = next.join(".");
      if (config.slices[key]) load(key).catch(function () {});
    });
  }

  selects.forEach(function (select, position) {
    if (!select) return;
    select.addEventListener("change", function () { show(picksFromSelects(), "push"); });
    ["focus", "pointerenter"].forEach(function (type) {
      select.addEventListener(type, function () { prefetch(position); }, { passive: true });
    });
  });
  window.addEventListener("popstate", function () { show(picksFromURL(), "none"); });

  var opening = picksFromURL();
  if (opening.join(".") !== config.default) {
    show(opening, "none");
  } else {
    document.documentElement.dataset.filtersShown = config.default;
  }
  // Links the URL asked for but the data no longer has are dropped from it.
  window.history.replaceState(window.history.state, "", urlFor(opening));
})();
