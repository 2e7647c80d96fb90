// ResearchLandscape: a 2-D map of the corpus drawn on a canvas (universetbd.search.landscape).
// Points arrive as binary buffers (float32 x/y, uint8/uint16 colour codes); titles are fetched by RPC on
// hover and shown with textContent only.

/** A synced bytes value (DataView, ArrayBuffer, typed array) or a plain array as a typed array of `Type`. */
function lsArray(v, Type) {
  if (v === null || v === undefined) return new Type(0);
  if (Array.isArray(v)) return Type.from(v);
  if (v instanceof ArrayBuffer) return new Type(v.slice(0));
  if (v.buffer && typeof v.byteOffset === "number") // DataView or typed array: copy (aligned, owned)
    return new Type(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
  return new Type(0);
}

/** Whether (x, y) lies inside the polygon `poly` ([[x, y], ...]), by ray casting. */
function lsInside(x, y, poly) {
  let inside = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i], [xj, yj] = poly[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function renderLandscape({ model, el }) {
  const t0 = performance.now();
  const call = utbdRpc(model);
  const root = h("div", "root landscape");
  el.appendChild(root);

  // ---- layout ----------------------------------------------------------------------------------
  const head = h("div", "ls-head");
  const title = h("span", "ls-title");
  const colorLab = h("label", "ls-color");
  colorLab.append(h("span", "", "colour by "));
  const colorSel = h("select", "ls-color-select");
  colorSel.setAttribute("aria-label", "colour points by");
  const featInput = h("input", "ls-feature");
  featInput.type = "number";
  featInput.min = "0";
  featInput.placeholder = "feature #";
  featInput.setAttribute("aria-label", "SAE feature index");
  colorLab.append(colorSel, featInput);
  const resetBtn = h("button", "button ls-reset", "Reset view");
  const clearBtn = h("button", "button ls-clear", "Clear selection");
  const status = h("span", "ls-status muted");
  head.append(title, colorLab, resetBtn, clearBtn, status);

  const wrap = h("div", "ls-wrap");
  const canvas = h("canvas", "ls-canvas");
  canvas.setAttribute("aria-label", "research landscape: wheel to zoom, drag to pan, shift-drag to lasso, click to select");
  const tip = h("div", "ls-tip");
  tip.hidden = true;
  const tipTitle = h("div", "ls-tip-title");
  const tipMeta = h("div", "ls-tip-meta muted");
  tip.append(tipTitle, tipMeta);
  wrap.append(canvas, tip);
  const legend = h("div", "ls-legend");
  const message = h("div", "ls-message");
  const hint = h("div", "ls-hint muted", "Wheel: zoom · drag: pan · shift-drag: lasso · click: select (ctrl/⌘ adds) · double-click: reset");
  root.append(head, message, wrap, legend, hint);
  const ctx = canvas.getContext("2d");

  // ---- state -----------------------------------------------------------------------------------
  let xy = new Float32Array(0), codes = new Uint8Array(0), palette = [], buckets = [];
  let n = 0, highlighted = [], selected = new Set();
  let W = 0, H = 0, dpr = 1;
  let view = { scale: 1, tx: 0, ty: 0 }, fitted = false;
  let lasso = null, drag = null, hover = -1, frames = 0, pending = false;
  const infoCache = new Map();

  const sx = (i) => view.tx + xy[2 * i] * view.scale;
  const sy = (i) => view.ty - xy[2 * i + 1] * view.scale;

  function loadPoints() {
    xy = lsArray(model.get("xy"), Float32Array);
    n = Math.min(model.get("n_points") || 0, xy.length >> 1);
    fitted = false;
  }
  function loadColors() {
    codes = lsArray(model.get("codes"), model.get("code_bytes") === 2 ? Uint16Array : Uint8Array);
    palette = model.get("palette") || [];
    const counts = new Int32Array(Math.max(palette.length, 1));
    for (let i = 0; i < n; i++) counts[Math.min(codes[i] || 0, counts.length - 1)]++;
    buckets = Array.from(counts, (c) => new Int32Array(c));
    const fill = new Int32Array(counts.length);
    for (let i = 0; i < n; i++) {
      const c = Math.min(codes[i] || 0, counts.length - 1);
      buckets[c][fill[c]++] = i;
    }
    drawLegend();
  }
  function loadSets() {
    highlighted = (model.get("highlighted") || []).filter((r) => r >= 0 && r < n);
    selected = new Set((model.get("selected") || []).filter((r) => r >= 0 && r < n));
    root.dataset.highlighted = String(highlighted.length);
    root.dataset.highlightRows = highlighted.slice(0, 50).join(",");
    root.dataset.selected = String(selected.size);
    status.textContent = `${n.toLocaleString()} documents` + (highlighted.length ? ` · ${highlighted.length} results` : "") +
      (selected.size ? ` · ${selected.size} selected` : "");
    clearBtn.disabled = selected.size === 0;
  }

  function fit() {
    const s = (Math.min(W, H) / 2) * 0.94;
    view = { scale: s, tx: W / 2, ty: H / 2 };
    fitted = true;
  }

  function resize() {
    const w = Math.max(200, wrap.clientWidth || 640), hh = Math.max(120, model.get("height") || 520);
    dpr = window.devicePixelRatio || 1;
    if (w === W && hh === H && canvas.width === Math.round(w * dpr)) return;
    const oldW = W, oldH = H;
    W = w; H = hh;
    canvas.width = Math.round(W * dpr);
    canvas.height = Math.round(H * dpr);
    canvas.style.width = `${W}px`;
    canvas.style.height = `${H}px`;
    if (!fitted || !oldW) fit();
    else { view.tx += (W - oldW) / 2; view.ty += (H - oldH) / 2; }
  }

  // ---- drawing ---------------------------------------------------------------------------------
  function draw() {
    pending = false;
    resize();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, W, H);
    const r = Math.max(0.6, (model.get("point_size") || 2) * Math.min(4, Math.sqrt(view.scale / ((Math.min(W, H) / 2) * 0.94))));
    const d = 2 * r;
    ctx.globalAlpha = highlighted.length ? 0.35 : 0.85;
    for (let c = 0; c < buckets.length; c++) {
      const b = buckets[c];
      if (!b.length) continue;
      ctx.fillStyle = palette[c] || "#888";
      for (let k = 0; k < b.length; k++) {
        const i = b[k], x = sx(i), y = sy(i);
        if (x < -d || y < -d || x > W + d || y > H + d) continue;
        ctx.fillRect(x - r, y - r, d, d);
      }
    }
    ctx.globalAlpha = 1;
    if (selected.size) { // selection: an amber ring
      ctx.strokeStyle = "#d97706";
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const i of selected) { ctx.moveTo(sx(i) + r + 1.5, sy(i)); ctx.arc(sx(i), sy(i), r + 1.5, 0, 2 * Math.PI); }
      ctx.stroke();
    }
    if (highlighted.length) { // search results on top, best last (drawn over the others)
      ctx.lineWidth = 1.2;
      ctx.strokeStyle = "#111";
      for (let k = highlighted.length - 1; k >= 0; k--) {
        const i = highlighted[k];
        ctx.beginPath();
        ctx.arc(sx(i), sy(i), Math.max(4.5, r + 2.5), 0, 2 * Math.PI);
        ctx.fillStyle = k === 0 ? "#dc2626" : "#f87171";
        ctx.fill();
        ctx.stroke();
      }
    }
    if (hover >= 0) {
      ctx.strokeStyle = "#2563eb";
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(sx(hover), sy(hover), r + 4, 0, 2 * Math.PI);
      ctx.stroke();
    }
    if (lasso && lasso.length > 1) {
      ctx.strokeStyle = "#2563eb";
      ctx.fillStyle = "rgba(37, 99, 235, 0.08)";
      ctx.lineWidth = 1.5;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(lasso[0][0], lasso[0][1]);
      for (const [x, y] of lasso) ctx.lineTo(x, y);
      ctx.closePath();
      ctx.fill();
      ctx.stroke();
      ctx.setLineDash([]);
    }
    frames++;
    root.dataset.draws = String(frames);
    if (frames === 1 && n > 0) {
      const now = performance.now();
      root.dataset.firstFrameMs = (now - t0).toFixed(1); // render() start -> first frame drawn
      root.dataset.firstFrameAt = now.toFixed(1); // on the page's clock (performance.now())
    }
  }
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(draw);
  }

  function drawLegend() {
    const lg = model.get("legend") || {};
    legend.replaceChildren();
    if (lg.title) legend.append(utbdData("span", "ls-legend-title", lg.title, "clamp2"));
    if (lg.ramp && lg.ramp.colors) {
      const bar = h("span", "ls-ramp");
      bar.style.background = `linear-gradient(to right, ${lg.ramp.colors.filter((c) => /^#[0-9a-f]{6}$/i.test(c)).join(", ")})`;
      legend.append(h("span", "ls-ramp-label", utbdFmt(lg.ramp.min, 4)), bar, h("span", "ls-ramp-label", utbdFmt(lg.ramp.max, 4)));
    }
    for (const it of lg.items || []) {
      const item = h("span", "ls-legend-item");
      const sw = h("span", "ls-swatch");
      if (/^#[0-9a-f]{6}$/i.test(it.color)) sw.style.background = it.color;
      const lab = h("span", "ls-legend-label");
      utbdLongText(lab, it.label, "ellipsis");
      item.append(sw, lab, h("span", "muted", ` ${Number(it.count).toLocaleString()}`));
      legend.append(item);
    }
    const res = h("span", "ls-legend-item");
    const dot = h("span", "ls-swatch ls-swatch-result");
    res.append(dot, h("span", "", "search results"));
    legend.append(res);
  }

  function syncControls() {
    utbdLongText(title, model.get("title") || "", "clamp2");  // a long title ends after 2 lines, full text on hover
    const opts = model.get("color_options") || [];
    const cur = model.get("color_by") || "";
    const kind = cur.split(":")[0];
    if (colorSel.options.length !== opts.length || [...colorSel.options].some((o, i) => o.value !== opts[i])) {
      colorSel.replaceChildren(...opts.map((o) => { const op = h("option", "", o); op.value = o; return op; }));
    }
    colorSel.value = kind;
    featInput.hidden = kind !== "feature";
    if (kind === "feature" && document.activeElement !== featInput) featInput.value = cur.slice(8);
    utbdLongText(message, model.get("message") || "", "clamp3");
    message.hidden = !message.textContent;
  }

  // ---- picking ---------------------------------------------------------------------------------
  function nearest(px, py, radius = 8) {
    let best = -1, bd = radius * radius;
    for (let i = 0; i < n; i++) {
      const dx = sx(i) - px, dy = sy(i) - py, dd = dx * dx + dy * dy;
      if (dd <= bd) { bd = dd; best = i; }
    }
    for (const i of highlighted) { // results are drawn large: prefer them
      const dx = sx(i) - px, dy = sy(i) - py;
      if (dx * dx + dy * dy <= 36) return i;
    }
    return best;
  }
  function pos(e) {
    const b = canvas.getBoundingClientRect();
    return [e.clientX - b.left, e.clientY - b.top];
  }
  function setSelected(rows) {
    selected = new Set(rows);
    model.set("selected", [...selected].sort((a, b) => a - b));
    model.save_changes();
    loadSets();
    redraw();
  }

  let hoverSeq = 0;
  async function showTip(row, px, py) {
    root.dataset.hoverRow = String(row);
    tip.hidden = false;
    tip.style.left = `${Math.min(px + 12, Math.max(0, W - 320))}px`;
    tip.style.top = `${py + 14 > H - 60 ? py - 70 : py + 14}px`;
    const seq = ++hoverSeq;
    let info = infoCache.get(`${row}|${model.get("color_by")}`);
    if (!info) {
      tipTitle.textContent = "…";
      tipMeta.textContent = "";
      try { info = (await call("point", { row })).result; }
      catch (err) { info = { title: `(${err.message})`, id: "" }; }
      infoCache.set(`${row}|${model.get("color_by")}`, info);
    }
    if (seq !== hoverSeq) return;
    utbdLongText(tipTitle, info.title || "(no title)", "");  // cut after 4 lines by its CSS
    const meta = [info.id, info.year, info.category].filter((x) => x !== null && x !== undefined && x !== "").map((x) => [x]);
    if (info.value) meta.push([info.value.label], `: ${utbdFmt(info.value.activation)}`);
    utbdMixed(tipMeta, meta.flatMap((x, i) => (i && Array.isArray(x) ? [" · ", x] : [x])));
  }
  function hideTip() {
    hoverSeq++;
    tip.hidden = true;
    delete root.dataset.hoverRow;
    if (hover >= 0) { hover = -1; redraw(); }
  }

  // ---- interaction -----------------------------------------------------------------------------
  canvas.addEventListener("wheel", (e) => {
    e.preventDefault();
    const [px, py] = pos(e);
    const f = Math.exp(-e.deltaY * (e.deltaMode === 1 ? 0.05 : 0.0015));
    const s = Math.min(Math.max(view.scale * f, 10), 1e6);
    const k = s / view.scale;
    view = { scale: s, tx: px - (px - view.tx) * k, ty: py - (py - view.ty) * k };
    redraw();
  }, { passive: false });

  canvas.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    const [px, py] = pos(e);
    drag = { x: px, y: py, tx: view.tx, ty: view.ty, moved: false, add: e.ctrlKey || e.metaKey };
    if (e.shiftKey) lasso = [[px, py]];
    canvas.setPointerCapture?.(e.pointerId);
    hideTip();
  });
  canvas.addEventListener("pointermove", (e) => {
    const [px, py] = pos(e);
    if (drag) {
      if (Math.abs(px - drag.x) + Math.abs(py - drag.y) > 3) drag.moved = true;
      if (lasso) lasso.push([px, py]);
      else { view.tx = drag.tx + px - drag.x; view.ty = drag.ty + py - drag.y; }
      redraw();
      return;
    }
    const i = nearest(px, py);
    if (i !== hover) {
      hover = i;
      redraw();
      if (i >= 0) showTip(i, sx(i), sy(i));
      else hideTip();
    }
  });
  canvas.addEventListener("pointerup", (e) => {
    if (!drag) return;
    const [px, py] = pos(e);
    const add = drag.add;
    if (lasso && drag.moved && lasso.length > 2) {
      const poly = lasso;
      let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
      for (const [x, y] of poly) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
      const rows = add ? [...selected] : [];
      for (let i = 0; i < n; i++) {
        const x = sx(i), y = sy(i);
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1 && lsInside(x, y, poly)) rows.push(i);
      }
      lasso = null;
      setSelected(rows);
    } else if (!drag.moved) {
      lasso = null;
      const i = nearest(px, py);
      if (i >= 0) {
        if (add) { const s = new Set(selected); if (s.has(i)) s.delete(i); else s.add(i); setSelected([...s]); }
        else setSelected([i]);
      }
    } else { lasso = null; redraw(); }
    drag = null;
  });
  canvas.addEventListener("pointerleave", () => { if (!drag) hideTip(); });
  canvas.addEventListener("dblclick", () => { fit(); redraw(); });
  resetBtn.addEventListener("click", () => { fit(); redraw(); });
  clearBtn.addEventListener("click", () => setSelected([]));
  colorSel.addEventListener("change", () => {
    const v = colorSel.value;
    if (v === "feature") {
      featInput.hidden = false;
      if (featInput.value === "") { featInput.focus(); return; }
      model.set("color_by", `feature:${featInput.value}`);
    } else model.set("color_by", v);
    model.save_changes();
  });
  featInput.addEventListener("change", () => {
    if (featInput.value === "") return;
    model.set("color_by", `feature:${Math.trunc(Number(featInput.value))}`);
    model.save_changes();
  });

  // ---- model events ----------------------------------------------------------------------------
  const onPoints = () => { loadPoints(); loadColors(); loadSets(); redraw(); };
  const onColors = () => { infoCache.clear(); loadColors(); redraw(); };
  const onSets = () => { loadSets(); redraw(); };
  const onControls = () => { syncControls(); redraw(); };
  const handlers = [["xy", onPoints], ["n_points", onPoints], ["codes", onColors], ["palette", onColors],
    ["legend", drawLegend], ["highlighted", onSets], ["selected", onSets],
    ...["title", "color_by", "color_options", "message", "height", "point_size"].map((k) => [k, onControls])];
  for (const [k, fn] of handlers) model.on(`change:${k}`, fn);

  const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => redraw()) : null;
  ro?.observe(wrap);

  // test and tooling hook: where a row is drawn, in CSS pixels relative to the canvas
  root.utbdLandscape = { screenOf: (row) => [sx(row), sy(row)], nearest: (x, y) => nearest(x, y) };

  loadPoints();
  loadColors();
  loadSets();
  syncControls();
  redraw();
  return () => {
    ro?.disconnect();
    for (const [k, fn] of handlers) model.off(`change:${k}`, fn);
  };
}
