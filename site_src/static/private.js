// Private reports: opens a page whose content the build sealed (AES-256-GCM), with WebCrypto only.
// #private-config lists, per audience, its PBKDF2 salt and the page key wrapped in the audience's key;
// #private-payload holds the sealed {content, scripts, title}. The right password derives the audience key,
// which unwraps the page key, which opens the content and every data file of the report. The derived key
// (never the password) is kept in sessionStorage, so the tab's other pages of that audience open at once;
// "Lock" forgets it. window.reportsite.fetchData(url) fetches and opens a data file (filters.js, tables.js).
(function () {
  "use strict";
  var api = (window.reportsite = window.reportsite || {});
  var configEl = document.getElementById("private-config");
  var payloadEl = document.getElementById("private-payload");
  if (!configEl || !payloadEl) return;
  var config = JSON.parse(configEl.textContent);
  var STORE = "reportsite-key:";
  var MAGIC = 4, NONCE = 12;
  // The page's words (words.js): _("…", {name: value}) and ngettext(singular, plural, count, {…}).
  var _ = window.reportsite.words.gettext, ngettext = window.reportsite.words.ngettext;
  var form = document.querySelector("[data-private-form]");
  var input = document.querySelector("[data-private-password]");
  var submit = document.querySelector("[data-private-submit]");
  var errorEl = document.querySelector("[data-private-error]");
  var lockButton = document.querySelector("[data-private-lock]");
  var pageKey = null;
  var root = document.documentElement;
  function state(name) { root.dataset.private = name; }  // locked · unlocking · open · unavailable

  function bytes(b64) {
    var text = atob(b64), out = new Uint8Array(text.length);
    for (var i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }

  function b64(buffer) {
    var view = new Uint8Array(buffer), text = "";
    for (var i = 0; i < view.length; i++) text += String.fromCharCode(view[i]);
    return btoa(text);
  }

  function aesKey(raw) {
    return crypto.subtle.importKey("raw", raw, { name: "AES-GCM" }, false, ["decrypt"]);
  }

  // A sealed file: 4 bytes "RSE1", the 12-byte nonce, the ciphertext with its tag.
  function unseal(key, sealed) {
    var data = new Uint8Array(sealed);
    var magic = String.fromCharCode(data[0], data[1], data[2], data[3]);
    if (magic !== "RSE1") return Promise.reject(new Error("this file is not sealed"));
    return crypto.subtle.decrypt({ name: "AES-GCM", iv: data.slice(MAGIC, MAGIC + NONCE) }, key,
                                 data.slice(MAGIC + NONCE));
  }

  function storeName(audience) { return STORE + audience.name + ":" + audience.salt; }

  function remember(audience, raw) {
    try { sessionStorage.setItem(storeName(audience), b64(raw)); } catch (err) { /* storage off: ask each page */ }
  }

  function remembered(audience) {
    try { return sessionStorage.getItem(storeName(audience)); } catch (err) { return null; }
  }

  function forget() {
    try {
      for (var i = sessionStorage.length - 1; i >= 0; i--) {
        var name = sessionStorage.key(i);
        if (name && name.indexOf(STORE) === 0) sessionStorage.removeItem(name);
      }
    } catch (err) { /* nothing kept */ }
  }

  // The audience key opens the page key, if it is the right one (AES-GCM refuses a wrong key).
  function unwrap(audience, raw) {
    return aesKey(raw).then(function (key) { return unseal(key, bytes(audience.wrapped)); })
      .then(aesKey);
  }

  function derive(audience, password) {
    var encoded = new TextEncoder().encode(password);
    return crypto.subtle.importKey("raw", encoded, "PBKDF2", false, ["deriveBits"]).then(function (base) {
      return crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt: bytes(audience.salt),
                                        iterations: config.iterations }, base, 256);
    });
  }

  // Try each audience in turn; resolves with the page key, or null when none opens it.
  function firstThatOpens(rawFor) {
    var audiences = config.audiences.slice();
    function next() {
      var audience = audiences.shift();
      if (!audience) return Promise.resolve(null);
      return Promise.resolve(rawFor(audience)).then(function (raw) {
        if (!raw) return next();
        return unwrap(audience, raw).then(function (key) { return { key: key, audience: audience, raw: raw }; },
                                          function () { return next(); });
      });
    }
    return next();
  }

  function loadScript(source) {
    return new Promise(function (resolve) {
      var script = document.createElement("script");
      script.src = source.getAttribute("src");
      script.onload = script.onerror = function () { resolve(); };
      document.body.appendChild(script);
    });
  }

  // The content goes where the form was; the page's scripts then start as they would on a public page.
  function show(data) {
    var main = document.getElementById("main");
    var content = document.createElement("template");
    content.innerHTML = data.content;
    main.replaceChildren(content.content);
    if (data.title) document.title = data.title;
    var trail = document.querySelector("[data-private-trail]");  // a hidden title shows once unlocked
    var heading = main.querySelector("h1");
    if (trail && heading) { trail.textContent = heading.textContent.trim(); trail.title = trail.textContent; }
    if (lockButton) { lockButton.classList.remove("hidden"); lockButton.classList.add("inline-flex"); }
    var scripts = document.createElement("template");
    scripts.innerHTML = data.scripts;
    var chain = Promise.resolve();
    [].slice.call(scripts.content.querySelectorAll("script")).forEach(function (source) {
      chain = chain.then(function () {
        if (source.getAttribute("src")) return loadScript(source);
        var copy = document.createElement("script");
        [].slice.call(source.attributes).forEach(function (a) { copy.setAttribute(a.name, a.value); });
        copy.textContent = source.textContent;
        document.body.appendChild(copy);
      });
    });
    return chain.then(function () {
      state("open");  // the content and its scripts are in
      main.dispatchEvent(new CustomEvent("reportsite:unlocked", { bubbles: true }));
    });
  }

  function open(key) {
    pageKey = key;
    return unseal(key, bytes(payloadEl.textContent.trim())).then(function (plain) {
      return show(JSON.parse(new TextDecoder().decode(plain)));
    });
  }

  // A data file of this report (a filter's results, a CSV, table rows), opened: a Response like fetch's.
  api.fetchData = function (url, options) {
    return fetch(url, options || { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) return response;
      if (!pageKey) throw new Error(_("the report is locked"));
      return response.arrayBuffer().then(function (sealed) { return unseal(pageKey, sealed); })
        .then(function (plain) {
          return new Response(plain, { status: 200, headers: {
            "Content-Type": response.headers.get("Content-Type") || "application/octet-stream" } });
        });
    });
  };

  function say(message) {
    errorEl.textContent = message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
  }

  function busy(on) {
    submit.disabled = on;
    submit.textContent = on ? _("Unlocking…") : _("Unlock");
    form.setAttribute("aria-busy", on ? "true" : "false");
  }

  // Downloads of a private page: fetched, opened and saved under their own file name.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[download]");
    if (!link || !pageKey || !document.getElementById("main").contains(link)) return;
    event.preventDefault();
    var href = link.getAttribute("href");
    var name = link.getAttribute("download") || decodeURIComponent(href.split("?")[0].split("/").pop());
    api.fetchData(href).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.blob();
    }).then(function (blob) {
      var url = URL.createObjectURL(new Blob([blob], { type: "text/csv;charset=utf-8" }));
      var save = document.createElement("a");
      save.href = url;
      save.download = name;
      document.body.appendChild(save);
      save.click();
      save.remove();
      setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
    }).catch(function (err) {
      window.alert(_("The download could not be opened (%(reason)s).", { reason: err.message }));
    });
  }, true);

  if (lockButton) lockButton.addEventListener("click", function () { forget(); window.location.reload(); });

  var local = /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])$/.test(window.location.hostname);
  if (window.location.protocol === "file:" || !window.isSecureContext || !window.crypto || !crypto.subtle) {
    say(window.location.protocol === "file:"
      ? _("Private reports open from the site, not from a file on disk: serve the folder (reportsite serve) and open http://127.0.0.1:8000.")
      : (local ? _("This private report can only be opened over a secure connection: use its https:// address.")
        : _("This private report can only be opened over a secure connection: use its https:// address (or http://127.0.0.1 / localhost on your own computer).")));
    input.removeAttribute("aria-invalid");
    input.disabled = submit.disabled = true;
    state("unavailable");
    return;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var password = input.value;
    if (!password) { say(_("Enter the password.")); input.focus(); return; }
    say("");
    busy(true);
    state("unlocking");
    firstThatOpens(function (audience) { return derive(audience, password); }).then(function (found) {
      if (!found) {
        busy(false);
        state("locked");
        say(_("That password does not open this report. Check it and try again."));
        input.select();
        input.focus();
        return;
      }
      remember(found.audience, found.raw);
      return open(found.key);
    }).catch(function (err) {
      busy(false);
      state("locked");
      say(_("The report could not be opened (%(reason)s).", { reason: err && err.message ? err.message : err }));
    });
  });

  // A key kept from another page of the same audience opens this one without asking.
  firstThatOpens(function (audience) {
    var kept = remembered(audience);
    return kept ? bytes(kept) : null;
  }).then(function (found) {
    if (found) return open(found.key);
    state("locked");
    input.focus();
  }).catch(function () { state("locked"); input.focus(); });
})();
