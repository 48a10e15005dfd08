// What a reader sees on a drawn report page, measured in the browser by `reportsite smoke`.
// This file is package data evaluated by Playwright; it is never part of the published site.
// It is one expression: an object of functions that smoke_checks.py calls by name. Each returns
// plain measurements (texts, boxes, counts); smoke_checks.py decides what is a problem and words it.
({
  CARDS: '[data-testid="metric"], [data-testid="chart-card"], [data-testid="table-card"], ' +
         '[data-testid="report-list"] > li > a',

  // ------------------------------------------------------------ geometry helpers

  clean(text) { return (text || "").replace(/\s+/g, " ").trim(); },

  short(text, length) {
    const t = this.clean(text);
    return t.length > length ? t.slice(0, length - 1) + "…" : t;
  },

  visible(el) {
    for (let node = el; node && node.nodeType === 1; node = node.parentNode) {
      const style = getComputedStyle(node);
      if (style.display === "none" || style.visibility === "hidden" || Number(style.opacity) === 0) return false;
      if (node.getAttribute("fill-opacity") === "0" && node.tagName === "text") return false;
      if (node.tagName === "svg") break;
    }
    return true;
  },

  // A text's box as four corners in page coordinates (rotation kept): its advance width by its
  // font size, centred where the browser's own box is (that box adds the font's line gap).
  textCorners(el) {
    const box = el.getBBox();
    const matrix = el.getScreenCTM();
    if (!matrix || (box.width === 0 && box.height === 0)) return null;
    const size = parseFloat(getComputedStyle(el).fontSize) || box.height;
    const height = Math.min(box.height, size);
    const top = box.y + (box.height - height) / 2;
    return [[box.x, top], [box.x + box.width, top], [box.x + box.width, top + height], [box.x, top + height]]
      .map(([x, y]) => [matrix.a * x + matrix.c * y + matrix.e, matrix.b * x + matrix.d * y + matrix.f]);
  },

  shapeCorners(el) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return null;
    return [[box.left, box.top], [box.right, box.top], [box.right, box.bottom], [box.left, box.bottom]];
  },

  corners(el) { return el.tagName === "text" ? this.textCorners(el) : this.shapeCorners(el); },

  bounds(corners) {
    const xs = corners.map(c => c[0]), ys = corners.map(c => c[1]);
    return {left: Math.min(...xs), top: Math.min(...ys), right: Math.max(...xs), bottom: Math.max(...ys)};
  },

  // How deep two convex quadrilaterals overlap: the smallest overlap of their projections on the
  // four edge normals (separating axes); 0 or less when they do not touch.
  penetration(a, b) {
    let least = Infinity;
    for (const poly of [a, b]) {
      for (let i = 0; i < 2; i++) {
        const [x1, y1] = poly[i], [x2, y2] = poly[i + 1];
        const length = Math.hypot(x2 - x1, y2 - y1) || 1;
        const nx = -(y2 - y1) / length, ny = (x2 - x1) / length;
        const project = p => p.map(([x, y]) => x * nx + y * ny);
        const pa = project(a), pb = project(b);
        least = Math.min(least, Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb)));
      }
    }
    return least;
  },

  // The part of the page a chart can show: its SVG's box, cut by every ancestor that clips.
  clipBox(svg) {
    const r = svg.getBoundingClientRect();
    const box = {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
    for (let node = svg.parentElement; node && node !== document.documentElement; node = node.parentElement) {
      const style = getComputedStyle(node);
      const a = node.getBoundingClientRect();
      if (style.overflowX !== "visible") { box.left = Math.max(box.left, a.left); box.right = Math.min(box.right, a.right); }
      if (style.overflowY !== "visible") { box.top = Math.max(box.top, a.top); box.bottom = Math.min(box.bottom, a.bottom); }
    }
    return box;
  },

  // Which sides of ``box`` the bounds stick out of, by more than ``tolerance`` px.
  outside(b, box, tolerance) {
    const sides = [];
    if (b.top < box.top - tolerance) sides.push("top");
    if (b.bottom > box.bottom + tolerance) sides.push("bottom");
    if (b.left < box.left - tolerance) sides.push("left");
    if (b.right > box.right + tolerance) sides.push("right");
    return sides;
  },

  // ------------------------------------------------------------ charts

  heading(el) {
    const card = el.closest('[data-testid="chart-card"]');
    const h = card && card.querySelector("h2, h3");
    return this.clean(h ? h.textContent : "") || this.clean(el.getAttribute("aria-label")) || el.id;
  },

  // Name each axis of a chart by where it sits around the plot ({axis: x-axis, top x-axis, y-axis or right y-axis,
  // title}); smoke_checks.py words it in the site's language.
  axisName(group, plot) {
    const probe = group.querySelector(".role-axis-domain line, .role-axis-domain path") ||
                  group.querySelector(".role-axis-tick line, .role-axis-tick path");
    const labels = [...group.querySelectorAll(".role-axis-label text")].map(t => t.getBoundingClientRect());
    let horizontal;
    if (probe) {
      const r = probe.getBoundingClientRect();
      horizontal = r.width >= r.height;
    } else if (labels.length > 1) {
      const spread = f => Math.max(...labels.map(f)) - Math.min(...labels.map(f));
      horizontal = spread(r => r.x) >= spread(r => r.y);
    } else {
      horizontal = true;
    }
    const r = group.getBoundingClientRect();
    let name;
    if (horizontal) {
      name = plot && (r.top + r.bottom) / 2 < (plot.top + plot.bottom) / 2 ? "top x-axis" : "x-axis";
    } else {
      name = plot && (r.left + r.right) / 2 > (plot.left + plot.right) / 2 ? "right y-axis" : "y-axis";
    }
    const title = group.querySelector(".role-axis-title text");
    return {axis: name, title: title && this.clean(title.textContent) ? this.clean(title.textContent) : null};
  },

  // A value axis (a linear, log, pow, sqrt or symlog scale, by Vega's own description of it).
  valueAxis(group) {
    const described = (group.getAttribute("aria-label") || "") + " " + (group.getAttribute("aria-description") || "");
    return /\b(linear|log|pow|sqrt|symlog) scale\b/i.test(described);
  },

  overlaps(texts, tolerance) {
    const boxes = texts.map(t => ({text: this.clean(t.textContent), corners: this.textCorners(t)}))
      .filter(b => b.text && b.corners);
    const pairs = [];
    const involved = new Set();
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (this.penetration(boxes[i].corners, boxes[j].corners) > tolerance) {
          pairs.push([boxes[i].text, boxes[j].text]);
          involved.add(i); involved.add(j);
        }
      }
    }
    return {labels: boxes.length, overlapping: involved.size, pairs: pairs.slice(0, 3), count: pairs.length};
  },

  chart(el, index, options) {
    const svg = el.querySelector("svg");
    const found = {index, id: el.id, name: this.heading(el), width: 0, height: 0, plot: null,
                   words: [], clipped: [], overlaps: [], legend: null, scales: [], stacked_bars: null};
    if (!svg) return found;
    const r = svg.getBoundingClientRect();
    found.width = Math.round(r.width); found.height = Math.round(r.height);
    const clip = this.clipBox(svg);
    const root = svg.querySelector("g.mark-group.role-frame.root");
    const background = root && root.querySelector(":scope > g > path.background");
    let plot = null;
    if (background) {
      const p = background.getBoundingClientRect();
      plot = {left: p.left, top: p.top, right: p.right, bottom: p.bottom};
      found.plot = {width: Math.round(p.width), height: Math.round(p.height)};
    }
    // Text a reader should never see.
    for (const text of svg.querySelectorAll("text")) {
      const t = this.clean(text.textContent);
      const m = t.match(new RegExp(options.words));
      if (m && this.visible(text)) found.words.push({word: m[1], text: this.short(t, 80), where: this.where(text)});
    }
    // Axis labels and titles outside the chart's box; labels of one axis on top of each other.
    for (const group of svg.querySelectorAll("g.mark-group.role-axis")) {
      const labels = [...group.querySelectorAll(".role-axis-label text")].filter(t => this.visible(t));
      if (!labels.length && !group.querySelector(".role-axis-title text")) continue;
      const name = this.axisName(group, plot);
      this.clipping(found, {part: "labels", ...name}, labels, clip, options.tolerance);
      this.clipping(found, {part: "title", ...name}, [...group.querySelectorAll(".role-axis-title text")], clip,
                    options.tolerance);
      const o = this.overlaps(labels, options.overlap);
      if (o.count) found.overlaps.push({what: {part: "labels", ...name}, ...o});
      // A value axis with fewer than two labelled ticks shows no scale ("CHF 0" alone).
      const shown = labels.map(t => this.clean(t.textContent)).filter(Boolean);
      if (this.valueAxis(group) && shown.length < 2) found.scales.push({...name, labels: shown});
    }
    // Bars drawn over one another (bars of different places that landed at one place): valid bars adjoin at
    // most, stacked or side by side. Counted over at most 400 bars.
    const bars = [...svg.querySelectorAll('.mark-rect path[aria-roledescription="bar"]')].slice(0, 400)
      .map(p => p.getBoundingClientRect()).filter(b => b.width * b.height > 4);
    let covered = 0;
    for (let i = 0; i < bars.length; i++) for (let j = i + 1; j < bars.length; j++) {
      const a = bars[i], b = bars[j];
      if (Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
          && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1) covered++;
    }
    if (covered) found.stacked_bars = {bars: bars.length, pairs: covered};
    // Legends: entries off the chart, entries dropped (Vega's "…N entries"), labels on top of each other.
    for (const legend of svg.querySelectorAll("g.mark-group.role-legend")) {
      const labels = [...legend.querySelectorAll(".role-legend-label text")].filter(t => this.visible(t));
      const ellipsis = labels.find(t => /^…\s*\d+ entries$/.test(this.clean(t.textContent)));
      const entries = labels.filter(t => t !== ellipsis);
      const described = (legend.getAttribute("aria-label") || "").match(/with (\d+) values?/);
      const total = described ? Number(described[1]) : null;
      this.clipping(found, {part: "legend entries"}, entries, clip, options.tolerance, legend);
      this.clipping(found, {part: "legend title"}, [...legend.querySelectorAll(".role-legend-title text")], clip,
                    options.tolerance);
      if (ellipsis || (total !== null && entries.length && entries.length < total && !legend.querySelector(".role-legend-gradient"))) {
        found.legend = {drawn: entries.length, total, ellipsis: ellipsis ? this.clean(ellipsis.textContent) : null};
      }
      const o = this.overlaps(entries, options.overlap);
      if (o.count) found.overlaps.push({what: {part: "legend labels"}, ...o});
    }
    this.clipping(found, {part: "chart title"}, [...svg.querySelectorAll(".role-title text")], clip, options.tolerance);
    return found;
  },

  where(text) {
    const group = text.closest("g.mark-group.role-axis, g.mark-group.role-legend, g.role-title, g.role-mark");
    if (!group) return "text";
    if (group.classList.contains("role-axis")) return "axis";
    if (group.classList.contains("role-legend")) return "legend";
    if (group.classList.contains("role-title")) return "title";
    return "label";
  },

  // Record texts of one kind (x-axis labels, legend entries, the title) that stick out of the chart.
  clipping(found, what, texts, clip, tolerance, legend) {
    const cut = [];
    const sides = new Set();
    for (const text of texts) {
      const parts = [text];
      if (legend && text.parentNode && text.parentNode.parentNode) {
        const symbol = text.parentNode.parentNode.querySelector(".role-legend-symbol path");
        if (symbol) parts.push(symbol);
      }
      let out = [];
      for (const part of parts) {
        const c = this.corners(part);
        if (c) out = out.concat(this.outside(this.bounds(c), clip, tolerance));
      }
      if (out.length) {
        cut.push(this.clean(text.textContent));
        out.forEach(s => sides.add(s));
      }
    }
    if (cut.length) found.clipped.push({what, total: texts.length, cut: cut.length, examples: cut.slice(0, 3),
                                        sides: [...sides]});
  },

  // ------------------------------------------------------------ cards

  cardName(card) {
    const h = card.querySelector("h1, h2, h3");
    return this.clean(h ? h.textContent : card.textContent).slice(0, 80);
  },

  cardKind(card) {
    const id = card.dataset.testid;
    return id === "chart-card" ? "chart" : id === "table-card" ? "table" : "card";
  },

  // How many lines a text is drawn on.
  lines(el) {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set();
    for (const rect of range.getClientRects()) if (rect.width > 0) tops.add(Math.round(rect.bottom));
    return tops.size;
  },

  scrolls(el, card) {
    for (let node = el.parentElement; node && node !== card; node = node.parentElement) {
      const style = getComputedStyle(node);
      if (style.overflowX === "auto" || style.overflowX === "scroll") return true;
    }
    return false;
  },

  card(card, options) {
    const found = {kind: this.cardKind(card), name: this.cardName(card), overflow: [], wrapped: null, words: []};
    const box = card.getBoundingClientRect();
    if (box.width === 0 || !this.visible(card)) return found;
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      const text = this.clean(node.textContent);
      if (!text || !el || seen.has(el) || el.closest("svg, script, style")) continue;
      seen.add(el);
      const r = el.getBoundingClientRect();
      if (r.width <= 1 || r.height <= 1 || !this.visible(el)) continue;  // screen-reader-only text
      const what = el.dataset.testid === "metric-value" ? "value" : el.matches("h1, h2, h3") ? "label" : "text";
      if (!this.scrolls(el, card)) {  // a table in its scrolling box may be wider than the card
        let by = 0;
        if (getComputedStyle(el).display !== "inline" && el.scrollWidth > el.clientWidth + options.tolerance) {
          by = el.scrollWidth - el.clientWidth;
        }
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const rect of range.getClientRects()) {
          by = Math.max(by, Math.round(rect.right - box.right), Math.round(box.left - rect.left));
        }
        if (by > options.tolerance) found.overflow.push({text: this.short(el.textContent, 80), by, what});
      }
      if (what === "value" && this.lines(el) > 1) found.wrapped = {text: this.clean(el.textContent), lines: this.lines(el)};
      if (found.kind !== "chart") {
        const bad = text.match(new RegExp(el.matches("td, th") ? options.cells : options.words));
        if (bad) found.words.push({word: bad[1], text: this.short(text, 80), what: el.matches("td, th") ? "cell" : what});
      }
    }
    return found;
  },

  // ------------------------------------------------------------ the page

  // What makes the page wider than the screen (``width`` px): the first text, else the first box
  // (a chart counts as one box), outside boxes that scroll or clip, that reaches past the screen's
  // right edge: '"its text"' or 'chart "its heading"', or null.
  sideways(width) {
    const clipped = el => {
      for (let n = el.parentElement; n && n !== document.body; n = n.parentElement) {
        if (getComputedStyle(n).overflowX !== "visible") return true;
      }
      return false;
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const el = node.parentElement;
      if (!this.clean(node.textContent) || !el || el.closest("svg, script, style") || clipped(el)) continue;
      const range = document.createRange();
      range.selectNodeContents(node);
      if (range.getBoundingClientRect().right > width + 1) return `"${this.short(el.textContent, 60)}"`;
    }
    for (const el of document.body.querySelectorAll("*")) {
      if (el.matches("script, style") || (el.closest("svg") && el.tagName !== "svg") || clipped(el)) continue;
      if (el.getBoundingClientRect().right <= width + 1) continue;
      if (el.tagName !== "svg" && [...el.children].some(c => c.getBoundingClientRect().right > width + 1)) continue;
      const chart = el.closest("[data-spec]");
      return chart ? `chart "${this.heading(chart)}"` : `"${this.short(el.textContent, 60)}"` || el.tagName.toLowerCase();
    }
    return null;
  },

  // ------------------------------------------------------------ entry points

  // Every chart and card of the page, measured where it is drawn now.
  layout(options) {
    return {
      charts: [...document.querySelectorAll("[data-spec]")]
        .map((el, i) => [el, i]).filter(([el]) => el.dataset.rendered === "true")
        .map(([el, i]) => this.chart(el, i, options)),
      cards: [...document.querySelectorAll(this.CARDS)].map(card => this.card(card, options)),
    };
  },

  // Hover a few marks of every drawn chart and read the tooltip each shows: the first, a middle one
  // and the last of each kind of mark (points, bars and slices before lines), at most ``limit`` per
  // chart. Each chart is scrolled into view, and at a point on screen where the mark itself is on
  // top (checked with elementFromPoint) the mark gets the pointermove Vega's tooltip listens to, then
  // a mouseout. Synthetic events: the tooltip is shown at once, with no wait for input frames.
  // Returns [{index, what, text}] (text null when the mark shows no tooltip).
  hover({limit}) {
    const read = [];
    document.querySelectorAll("[data-spec]").forEach((el, index) => {
      const svg = el.querySelector("svg");
      if (el.dataset.rendered !== "true" || !svg) return;
      el.scrollIntoView({block: "center", inline: "nearest"});
      for (const target of this.targets(svg, limit)) {
        const init = {bubbles: true, cancelable: true, composed: true, view: window, clientX: target.x,
                      clientY: target.y, pointerType: "mouse", isPrimary: true};
        target.item.dispatchEvent(new PointerEvent("pointermove", init));
        const text = this.tooltip();
        target.item.dispatchEvent(new MouseEvent("mouseout", {...init, relatedTarget: document.body}));
        read.push({index, what: target.what, text});
      }
    });
    window.scrollTo(0, 0);
    return read;
  },

  // The marks to hover, by kind (points, bars and slices before areas and lines), numbered across
  // the chart: the first, a middle one and the last of each kind, at most ``limit`` in all.
  targets(svg, limit) {
    const order = ["symbol", "rect", "arc", "shape", "area", "trail", "line", "text", "image", "rule"];
    const nouns = {symbol: "point", rect: "bar", arc: "slice", area: "area", line: "line", text: "label", rule: "rule"};
    const byKind = new Map();
    for (const group of svg.querySelectorAll("g.role-mark")) {
      if (group.closest(".role-axis, .role-legend, .role-title")) continue;
      const kind = ([...group.classList].find(c => c.startsWith("mark-")) || "mark-").slice(5);
      const items = [...group.children].filter(c => c.tagName !== "g");
      byKind.set(kind, (byKind.get(kind) || []).concat(items));
    }
    const rank = k => (order.indexOf(k) + order.length + 1) % (order.length + 1);
    const targets = [];
    for (const kind of [...byKind.keys()].sort((a, b) => rank(a) - rank(b))) {
      const items = byKind.get(kind);
      const noun = nouns[kind] || kind;
      const picks = [...new Set([0, Math.floor((items.length - 1) / 2), items.length - 1])].filter(i => i >= 0);
      for (const i of picks) {
        if (targets.length >= limit) return targets;
        const point = this.visible(items[i]) ? this.pointOn(items[i]) : null;
        if (point) targets.push({...point, item: items[i], what: {noun, index: i + 1, count: items.length}});
      }
    }
    return targets;
  },

  // A point in the viewport where ``item`` is the topmost element, or null.
  pointOn(item) {
    const r = item.getBoundingClientRect();
    if (r.width < 1 && r.height < 1) return null;
    const hits = (x, y) => {
      if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) return false;
      const top = document.elementFromPoint(x, y);
      return top === item || (top && item.contains(top));
    };
    const candidates = [[(r.left + r.right) / 2, (r.top + r.bottom) / 2]];
    if (typeof item.getTotalLength === "function" && item.getScreenCTM()) {
      const m = item.getScreenCTM();
      let length = 0;
      try { length = item.getTotalLength(); } catch (e) { length = 0; }
      for (const f of [0.5, 0.25, 0.75, 0.1, 0.9]) {
        if (!length) break;
        const p = item.getPointAtLength(length * f);
        candidates.push([m.a * p.x + m.c * p.y + m.e, m.b * p.x + m.d * p.y + m.f]);
      }
    }
    for (let i = 1; i < 8; i++) for (let j = 1; j < 8; j++) {
      candidates.push([r.left + r.width * i / 8, r.top + r.height * j / 8]);
    }
    for (const [x, y] of candidates) if (hits(x, y)) return {x, y};
    return null;
  },

  // The tooltip now shown (vega-tooltip's element), then hidden again so the next hover starts clean.
  tooltip() {
    const el = document.getElementById("vg-tooltip-element");
    if (!el || !el.classList.contains("visible")) return null;
    const rows = [...el.querySelectorAll("tr")].map(tr => this.clean(tr.innerText.replace(/\t/g, ": ")));
    const text = rows.length ? rows.join(" · ") : this.clean(el.textContent);
    el.classList.remove("visible");
    return text;
  },
})
