// Sorting, search and paging for report tables (every table[data-table]), with no framework.
// The page holds the first rows of each table (components/table.html): cells as shown, and the sort key of
// number and date cells in data-sort. A table with more rows names a JSON file of all of them in data-rows
// ({columns, rows: [[cell…]], keys: [null | [key…]]}, table_rows.py; an optional links: [null | [href…]] per
// column makes cells links, as an inline <a> in a cell does), loaded on the first sort, search or
// page past the inline rows. Tables are enhanced on DOMContentLoaded and again inside the target of every
// "reportsite:swapped" event (a filter swapped a block's HTML).
(function () {
  "use strict";
  var SIZES = [25, 50, 100];
  var NUMERIC = { number: 1, currency: 1, percent: 1 };
  var NOWRAP = { date: 1, datetime: 1, plain: 1 };
  var LINK = "font-medium text-brand-ink hover:underline";
  var BUTTON = "rounded-md px-2.5 py-1 font-medium text-slate-700 ring-1 ring-slate-300 hover:bg-slate-50 " +
    "disabled:opacity-40 disabled:hover:bg-transparent dark:text-slate-200 dark:ring-slate-700 dark:hover:bg-slate-800";
  var FIELD = "rounded-lg border-0 bg-white py-1.5 text-sm text-slate-900 ring-1 ring-slate-300 " +
    "placeholder:text-slate-400 dark:bg-slate-950 dark:text-slate-100 dark:ring-slate-700";
  var lang = document.documentElement.lang || undefined;
  var collator = new Intl.Collator(lang, { numeric: true });
  var numbers = new Intl.NumberFormat(document.documentElement.dataset.locale || lang);
  var made = 0;
  // The page's words (words.js): _("…", {name: value}) and ngettext(singular, plural, count, {…}).
  var _ = window.reportsite.words.gettext, ngettext = window.reportsite.words.ngettext;

  // A box that scrolls sideways is reachable by keyboard (and named), so a keyboard can scroll it too.
  function scrollable(box, label) {
    if (!box) return;
    var wide = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
    if (wide) {
      box.tabIndex = 0;
      box.setAttribute("role", "region");
      if (label) box.setAttribute("aria-labelledby", label);
    } else if (box.hasAttribute("tabindex")) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text;
    return node;
  }

  function fold(text) {  // case- and accent-insensitive search text
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function n(value) { return numbers.format(value); }

  // The inline rows as the model: c = cells as shown (null for NULL), k = sort keys, h = link targets.
  function inlineRows(table, keyed) {
    return Array.prototype.map.call(table.tBodies[0] ? table.tBodies[0].rows : [], function (tr, i) {
      var row = { c: [], k: [], h: null, i: i };
      Array.prototype.forEach.call(tr.cells, function (td, c) {
        var empty = td.querySelector("[data-null]");
        var link = td.querySelector("a[href]");
        row.c.push(empty ? null : td.textContent);
        row.k.push(empty || td.dataset.sort == null ? null : Number(td.dataset.sort));
        if (td.dataset.sort != null) keyed[c] = true;
        if (link) { (row.h = row.h || [])[c] = link.getAttribute("href"); }
      });
      return row;
    });
  }

  function Table(table) {
    var self = this;
    this.table = table;
    this.heads = Array.prototype.slice.call(table.tHead ? table.tHead.rows[0].cells : []);
    this.kinds = this.heads.map(function (th) { return th.dataset.kind || "text"; });
    this.keyed = this.heads.map(function () { return false; });
    this.links = this.heads.map(function () { return LINK; });
    this.rows = inlineRows(table, this.keyed);
    this.inline = this.rows.length;
    table.querySelectorAll("tbody a[href]").forEach(function (a) {
      self.links[a.closest("td").cellIndex] = a.className || LINK;
    });
    this.available = Number(table.dataset.available) || this.rows.length;
    this.total = Number(table.dataset.total) || this.available;
    this.source = table.dataset.rows || null;
    this.complete = !this.source || this.rows.length >= this.available;
    this.column = -1;
    this.descending = false;
    this.query = "";
    this.size = SIZES[0];
    this.page = 0;
    this.order = this.rows;
    this.loading = null;
    if (this.rows.length > 1) this.headers();
    if (this.available > SIZES[0]) {
      this.controls();
      this.show();
    }
    this.region = table.closest("[data-scroll-region]");
    scrollable(this.region, table.getAttribute("aria-labelledby"));
    table.dataset.enhanced = "true";
  }

  Table.prototype.headers = function () {
    var self = this;
    this.marks = this.heads.map(function (th, c) {
      // The button fills its header cell: a click anywhere on the cell sorts.
      var button = el("button", "flex w-full items-center justify-start gap-1 px-4 py-2 uppercase tracking-wide " +
        "hover:text-slate-900 dark:hover:text-white" + (NUMERIC[self.kinds[c]] ? " flex-row-reverse" : ""));
      th.classList.remove("px-4", "py-2");
      th.classList.add("p-0");
      var mark = el("span", "text-slate-300 dark:text-slate-600", "↕");
      button.type = "button";
      mark.setAttribute("aria-hidden", "true");
      while (th.firstChild) button.appendChild(th.firstChild);
      button.appendChild(mark);
      button.addEventListener("click", function () { self.sortBy(c); });
      th.appendChild(button);
      return mark;
    });
  };

  Table.prototype.controls = function () {
    var self = this, id = "table-search-" + (++made);
    var scroller = this.table.parentElement;
    var name = this.table.closest("section");
    var heading = name && name.querySelector("h2");
    var bar = el("div", "flex flex-wrap items-center gap-x-4 gap-y-2 px-4 pb-3 sm:px-5 print:hidden");
    var search = el("input", FIELD + " w-full min-w-0 px-3 sm:w-64");
    var label = el("label", "sr-only", heading ? _("Search %(title)s", { title: heading.textContent })
      : _("Search the table"));
    var sizes = el("label", "flex items-center gap-2 text-xs text-slate-500 dark:text-slate-400", _("Rows per page"));
    var select = el("select", FIELD + " pl-2 pr-8");
    label.htmlFor = search.id = id;
    search.type = "search";
    search.placeholder = _("Search");
    search.autocomplete = "off";
    search.addEventListener("input", function () { self.search(search.value); });
    SIZES.forEach(function (size) { select.appendChild(el("option", null, n(size))).value = String(size); });
    select.addEventListener("change", function () { self.size = Number(select.value); self.page = 0; self.show(); });
    sizes.appendChild(select);
    bar.appendChild(label);
    bar.appendChild(search);
    bar.appendChild(sizes);
    scroller.parentNode.insertBefore(bar, scroller);

    var pager = el("div", "flex flex-wrap items-center justify-between gap-2 px-4 pt-3 text-xs text-slate-500 " +
      "dark:text-slate-400 sm:px-5 print:hidden");
    this.status = el("p", "tabular-nums");
    this.status.setAttribute("aria-live", "polite");
    this.status.dataset.tableStatus = "";
    var buttons = el("div", "flex gap-2");
    this.previous = el("button", BUTTON, _("Previous"));
    this.next = el("button", BUTTON, _("Next"));
    this.previous.type = this.next.type = "button";
    this.previous.addEventListener("click", function () { self.turn(-1); });
    this.next.addEventListener("click", function () { self.turn(1); });
    buttons.appendChild(this.previous);
    buttons.appendChild(this.next);
    pager.appendChild(this.status);
    pager.appendChild(buttons);
    this.message = el("p", "w-full text-amber-700 dark:text-amber-400");
    this.message.hidden = true;
    this.message.dataset.tableMessage = "";
    pager.appendChild(this.message);
    scroller.parentNode.insertBefore(pager, scroller.nextSibling);

    var note = name && name.querySelector("[data-table-note]");
    if (note && this.total > this.available) {
      note.textContent = _("The table holds the first %(shown)s of %(total)s rows; the CSV has them all.",
        { shown: n(this.available), total: n(this.total) });
      note.classList.remove("py-3");
      note.classList.add("pb-3");
    } else if (note) {
      note.classList.add("hidden", "print:block");  // the pager says it on screen
    }
    pager.classList.toggle("pb-3", !note || note.classList.contains("hidden"));
  };

  // Everything from the JSON file, once; then ``then``. A failure keeps the inline rows and says so.
  Table.prototype.ensure = function (then) {
    var self = this;
    if (this.complete) return then();
    if (!this.loading) {
      this.table.setAttribute("aria-busy", "true");
      this.say(_("Loading all %(count)s rows…", { count: n(this.available) }));
      var get = window.reportsite && window.reportsite.fetchData;  // private.js: opens a private page's files
      this.loading = (get ? get(this.source) : fetch(this.source)).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      }).then(function (data) {
        self.rows = data.rows.map(function (cells, i) {
          var row = { c: cells, k: data.keys.map(function (keys) { return keys ? keys[i] : null; }), h: null, i: i };
          if (data.links) {
            data.links.forEach(function (links, c) { if (links && links[i]) { (row.h = row.h || [])[c] = links[i]; } });
          }
          return row;
        });
        data.keys.forEach(function (keys, c) { self.keyed[c] = !!keys; });
        return "all";
      }, function (error) {
        var offline = location.protocol === "file:";
        self.available = self.rows.length;
        self.message.textContent = offline
          ? _("Opened as a file, so the browser cannot load the other rows: sorting, search and pages cover the first %(count)s. The CSV has them all.", { count: n(self.rows.length) })
          : _("The other rows could not be loaded (%(reason)s): sorting, search and pages cover the first %(count)s. The CSV has them all.", { reason: error.message, count: n(self.rows.length) });
        self.message.hidden = false;
        return "failed";
      }).then(function (outcome) {
        self.complete = true;
        self.table.removeAttribute("aria-busy");
        self.arrange();
        self.table.dataset.loaded = outcome;  // after drawing, for tests and tools
      });
    }
    this.loading.then(function () { then(); });
  };

  Table.prototype.compare = function (a, b) {
    var c = this.column, keyed = this.keyed[c];
    var x = keyed ? a.k[c] : a.c[c], y = keyed ? b.k[c] : b.c[c];
    if (x == null || y == null) return x == null ? (y == null ? a.i - b.i : 1) : -1;  // nulls last, always
    var order = keyed ? x - y : collator.compare(x, y);
    return (this.descending ? -order : order) || a.i - b.i;
  };

  // The rows in the chosen order, searched.
  Table.prototype.arrange = function () {
    var self = this, rows = this.rows;
    if (this.column >= 0) rows = rows.slice().sort(function (a, b) { return self.compare(a, b); });
    if (this.query) {
      var wanted = fold(this.query);
      rows = rows.filter(function (row) {
        if (row.s == null) row.s = fold(row.c.map(function (v) { return v == null ? "" : v; }).join("\u0001"));
        return row.s.indexOf(wanted) >= 0;
      });
    }
    this.order = rows;
    this.show();
  };

  Table.prototype.sortBy = function (c) {
    var self = this;
    this.descending = this.column === c ? !this.descending : false;
    this.column = c;
    this.heads.forEach(function (th, i) {
      if (i === c) th.setAttribute("aria-sort", self.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
      self.marks[i].textContent = i === c ? (self.descending ? "↓" : "↑") : "↕";
      self.marks[i].classList.toggle("text-slate-300", i !== c);
      self.marks[i].classList.toggle("dark:text-slate-600", i !== c);
    });
    this.page = 0;
    this.arrange();
    this.ensure(function () {});
  };

  Table.prototype.search = function (text) {
    this.query = text.trim();
    this.page = 0;
    this.arrange();
    if (this.query) this.ensure(function () {});
  };

  Table.prototype.turn = function (step) {
    var self = this;
    this.page = Math.max(0, this.page + step);
    if ((this.page + 1) * this.size > this.rows.length && !this.complete) {
      this.ensure(function () { self.show(); });
    }
    this.show();
  };

  Table.prototype.count = function () {  // rows the pages run over
    return this.query || this.complete ? this.order.length : this.available;
  };

  Table.prototype.show = function () {
    var paged = !!this.status;
    var count = this.count(), size = paged ? this.size : Math.max(1, count);
    var last = Math.max(0, Math.ceil(count / size) - 1);
    this.page = Math.min(this.page, last);
    var start = this.page * size;
    var rows = this.order.slice(start, start + size);
    if (!rows.length && start < count) return;  // beyond the inline rows: drawn once the rest have loaded
    this.body(rows);
    if (!paged) return;
    this.previous.disabled = this.page === 0;
    this.next.disabled = this.page >= last;
    if (this.loading && !this.complete) return;
    var range = { first: n(start + 1), last: n(start + rows.length), total: n(count) };
    this.say(!count ? (this.query ? _("No matching rows") : _("No rows")) :
      (this.query ? _("%(first)s–%(last)s of %(total)s matching", range) : _("%(first)s–%(last)s of %(total)s", range)));
  };

  Table.prototype.say = function (text) { if (this.status) this.status.textContent = text; };

  // The page's rows, drawn the way components/table.html draws them.
  Table.prototype.body = function (rows) {
    var self = this, body = el("tbody", this.table.tBodies[0].className);
    if (!rows.length) {
      var td = el("td", "px-4 py-6 text-center text-slate-500 dark:text-slate-400", _("No rows match the search"));
      td.colSpan = this.heads.length;
      body.appendChild(el("tr")).appendChild(td);
    }
    rows.forEach(function (row) {
      var tr = body.appendChild(el("tr", "hover:bg-slate-50 dark:hover:bg-slate-800/60"));
      row.c.forEach(function (value, c) { tr.appendChild(self.cell(row, value, c)); });
    });
    this.table.replaceChild(body, this.table.tBodies[0]);
  };

  Table.prototype.cell = function (row, value, c) {
    var kind = this.kinds[c], numeric = NUMERIC[kind], td, inner;
    if (value == null) {
      td = el("td", "px-4 py-2" + (numeric ? " text-right" : ""));
      inner = td.appendChild(el("span", "text-slate-300 dark:text-slate-600"));
      inner.dataset.null = "";
      inner.appendChild(el("span", null, "—")).setAttribute("aria-hidden", "true");
      inner.appendChild(el("span", "sr-only", _("no value")));
      return td;
    }
    if (numeric || NOWRAP[kind]) {
      td = el("td", "px-4 py-2 whitespace-nowrap" + (numeric ? " text-right" : "") + " tabular-nums");
      inner = td;
    } else {
      td = el("td", "px-4 py-2");
      inner = td.appendChild(el("span", "block max-w-[12rem] sm:max-w-xs truncate"));
      if (Array.from(value).length > 20) inner.title = value;
    }
    if (row.k[c] != null) td.dataset.sort = String(row.k[c]);
    var href = row.h && row.h[c];
    if (href) {
      inner = inner.appendChild(el("a", this.links[c]));
      inner.href = href;
      inner.dataset.testid = "cell-link";  // as the template's links
    }
    inner.textContent = value;
    return td;
  };

  // Printed, a table shows what the page holds without JavaScript: its first rows (in the chosen order).
  var tables = [];
  window.addEventListener("beforeprint", function () {
    tables.forEach(function (t) { if (t.status && t.table.isConnected) t.body(t.order.slice(0, t.inline)); });
  });
  window.addEventListener("afterprint", function () {
    tables.forEach(function (t) { if (t.status && t.table.isConnected) t.show(); });
  });

  function enhance(root) {
    var found = root.querySelectorAll ? Array.prototype.slice.call(root.querySelectorAll("table[data-table]")) : [];
    if (root.matches && root.matches("table[data-table]")) found.unshift(root);
    found.forEach(function (table) { if (!table.dataset.enhanced) tables.push(new Table(table)); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  } else {
    enhance(document);
  }
  document.addEventListener("reportsite:swapped", function (event) { enhance(event.target); });
  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () {
      tables.forEach(function (t) { scrollable(t.region, t.table.getAttribute("aria-labelledby")); });
    }, 200);
  });
})();
