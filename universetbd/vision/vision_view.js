// SweepView: a sweep's accuracy-vs-cost chart (one SVG point per finished run, added live), the confusion matrix of
// the clicked run, and the misclassified images of the clicked cell (PNG bytes in binary buffers, shown via Blob URLs).
// Data strings only reach the DOM through textContent / attribute setters (h() from common.js).
const VV_X = { train_time_s: "training time (s)", params: "parameters", infer_ms: "inference ms / image (× TTA views)" };
const VV_Y = { accuracy: "validation accuracy", f1: "macro F1" };
const VV_PALETTE = ["#2563eb", "#dc2626", "#16a34a", "#9333ea", "#ea580c", "#0891b2", "#ca8a04", "#db2777", "#4b5563", "#65a30d"];
const VV_NS = "http://www.w3.org/2000/svg";

function vvSvg(tag, attrs, cls) {
  const el = document.createElementNS(VV_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (cls) el.setAttribute("class", utbdClass(cls));
  return el;
}

function vvSelect(options, value, onChange) {
  const sel = h("select", "vv-axis");
  sel.replaceChildren(...Object.entries(options).map(([k, label]) => { const o = h("option", "", label); o.value = k; return o; }));
  sel.value = value;
  sel.addEventListener("change", () => onChange(sel.value));
  return sel;
}

function vvColour(model) {
  const col = new Map();
  (model.get("techniques") || []).forEach((t, i) => col.set(t, VV_PALETTE[i % VV_PALETTE.length]));
  for (const p of model.get("runs") || []) if (!col.has(p.technique)) col.set(p.technique, VV_PALETTE[col.size % VV_PALETTE.length]);
  return col;
}

// The scatter: x a cost, y accuracy or F1, one circle per run coloured by technique.
function vvChart(model, onPick, grew) {
  const W = 480, H = 270, L = 52, R = 12, T = 12, B = 40;
  const xm = model.get("x_metric"), ym = model.get("y_metric"), sel = model.get("selected");
  const pts = (model.get("runs") || []).filter((p) => p[xm] !== null && p[xm] !== undefined && p[ym] !== null && p[ym] !== undefined);
  const svg = vvSvg("svg", { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: "img" }, "vv-chart");
  const xs = pts.map((p) => p[xm]), ys = pts.map((p) => p[ym]);
  const logx = xm === "params" && xs.length && Math.min(...xs) > 0 && Math.max(...xs) / Math.min(...xs) > 20;
  const tx = (v) => (logx ? Math.log10(v) : v);
  let x0 = xs.length ? Math.min(...xs.map(tx)) : 0, x1 = xs.length ? Math.max(...xs.map(tx)) : 1;
  let y0 = ys.length ? Math.min(...ys) : 0, y1 = ys.length ? Math.max(...ys) : 1;
  if (x1 === x0) { x0 -= 1; x1 += 1; }
  if (y1 === y0) { y0 -= 0.05; y1 += 0.05; }
  const padx = (x1 - x0) * 0.05, pady = (y1 - y0) * 0.08;
  x0 -= padx; x1 += padx; y0 -= pady; y1 += pady;
  const sx = (v) => L + ((tx(v) - x0) / (x1 - x0)) * (W - L - R);
  const sy = (v) => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  svg.appendChild(vvSvg("line", { x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: "#9ca3af" }));
  svg.appendChild(vvSvg("line", { x1: L, y1: T, x2: L, y2: H - B, stroke: "#9ca3af" }));
  for (let i = 0; i <= 4; i++) {
    const yv = y0 + ((y1 - y0) * i) / 4, xv = x0 + ((x1 - x0) * i) / 4;
    const yt = vvSvg("text", { x: L - 4, y: sy(yv) + 3, "text-anchor": "end" }, "vv-tick"); yt.textContent = utbdFmt(yv, 3); svg.appendChild(yt);
    const xt = vvSvg("text", { x: L + ((xv - x0) / (x1 - x0)) * (W - L - R), y: H - B + 13, "text-anchor": "middle" }, "vv-tick");
    xt.textContent = utbdFmt(logx ? 10 ** xv : xv, 3); svg.appendChild(xt);
  }
  const xl = vvSvg("text", { x: (L + W - R) / 2, y: H - 6, "text-anchor": "middle" }, "vv-axis-label");
  xl.textContent = VV_X[xm] + (logx ? " (log)" : ""); svg.appendChild(xl);
  const yl = vvSvg("text", { x: 12, y: (T + H - B) / 2, "text-anchor": "middle", transform: `rotate(-90 12 ${(T + H - B) / 2})` }, "vv-axis-label");
  yl.textContent = VV_Y[ym]; svg.appendChild(yl);
  const col = vvColour(model);
  pts.forEach((p, i) => {
    const c = vvSvg("circle", { cx: sx(p[xm]).toFixed(1), cy: sy(p[ym]).toFixed(1), r: p.key === sel ? 7 : 5, fill: col.get(p.technique) || "#666" },
                    "vv-point" + (p.key === sel ? " vv-selected" : "") + (grew && i === pts.length - 1 ? " vv-newest" : ""));
    c.setAttribute("data-key", p.key);
    const t = vvSvg("title"); t.textContent = `${p.model} · ${p.technique} · seed ${p.seed}\n${VV_Y[ym]} ${utbdFmt(p[ym], 4)} · ${VV_X[xm]} ${utbdFmt(p[xm], 3)}`;
    c.appendChild(t);
    c.addEventListener("click", () => onPick(p.key));
    svg.appendChild(c);
  });
  return svg;
}

function render({ model, el }) {
  const call = utbdRpc(model);
  const root = h("div", "root vision-view");
  const title = h("div", "title");
  const bar = h("div", "vv-controls");
  const status = h("span", "vv-status");
  const stopBtn = h("button", "button vv-stop", "Stop");
  const xSel = vvSelect(VV_X, model.get("x_metric"), (v) => { model.set("x_metric", v); model.save_changes(); });
  const ySel = vvSelect(VV_Y, model.get("y_metric"), (v) => { model.set("y_metric", v); model.save_changes(); });
  bar.append(status, stopBtn, h("span", "muted", "x:"), xSel, h("span", "muted", "y:"), ySel);
  const error = h("div", "error vv-error");
  const body = h("div", "vv-body");
  const left = h("div", "vv-left"), right = h("div", "vv-right");
  const chartBox = h("div", "vv-chart-box"), legend = h("div", "vv-legend");
  left.append(chartBox, legend);
  const runHead = h("div", "vv-head"), matrix = h("div", "vv-matrix"), galleryHead = h("div", "vv-head vv-gallery-head"), gallery = h("div", "vv-gallery");
  right.append(runHead, matrix, galleryHead, gallery);
  body.append(left, right);
  root.append(title, bar, error, body);
  el.appendChild(root);
  let urls = [];
  let cellPicked = null;
  let drawnRuns = (model.get("runs") || []).length;

  const pick = (key) => { model.set("selected", key); model.save_changes(); };
  function drawText() {
    utbdLongText(title, model.get("title") || "", "clamp2");
    title.style.display = model.get("title") ? "" : "none";
  }
  function drawStatus() {
    utbdLongText(status, model.get("status") || "", "clamp2");
    utbdLongText(error, model.get("error") || "", "scroll");
    stopBtn.disabled = !model.get("running");
    root.classList.toggle("utbd-vv-running", !!model.get("running"));
  }
  function drawChart() {
    const n = (model.get("runs") || []).length;
    chartBox.replaceChildren(vvChart(model, pick, n > drawnRuns));
    drawnRuns = n;
    const col = vvColour(model);
    legend.replaceChildren(...[...col.entries()].map(([t, c]) => {
      const item = h("span", "vv-legend-item");
      const dot = h("span", "vv-dot"); dot.style.background = c;
      item.append(dot, utbdLongText(h("span", "vv-legend-text"), t, "ellipsis"));
      return item;
    }));
    xSel.value = model.get("x_metric"); ySel.value = model.get("y_metric");
  }
  function clearGallery() {
    for (const u of urls) URL.revokeObjectURL(u);
    urls = [];
    gallery.replaceChildren(); galleryHead.textContent = "";
  }
  function drawMatrix() {
    const cm = model.get("confusion") || [], classes = model.get("classes") || [], key = model.get("selected");
    const run = (model.get("runs") || []).find((p) => p.key === key);
    utbdMixed(runHead, run ? [[run.model], " · ", [run.technique], ` · seed ${run.seed}: accuracy ${utbdFmt(run.accuracy, 4)}, macro F1 ${utbdFmt(run.f1, 4)}`]
                           : ["click a point to see its confusion matrix"]);
    matrix.replaceChildren();
    clearGallery();
    if (!cm.length) return;
    const k = cm.length, max = Math.max(1, ...cm.flatMap((r, i) => r.filter((_, j) => j !== i)));
    const grid = h("div", "vv-grid");
    grid.style.gridTemplateColumns = `minmax(40px, 120px) repeat(${k}, minmax(22px, 36px))`;
    grid.appendChild(h("div", "vv-corner", "true \\ predicted"));
    for (let j = 0; j < k; j++) {
      const c = utbdLongText(h("div", "vv-colhead"), classes[j], "ellipsis"); c.title = `predicted: ${classes[j]}`; grid.appendChild(c);
    }
    for (let i = 0; i < k; i++) {
      const r = utbdLongText(h("div", "vv-rowhead"), classes[i], "ellipsis"); r.title = `true: ${classes[i]}`; grid.appendChild(r);
      for (let j = 0; j < k; j++) {
        const v = cm[i][j];
        const cell = h("div", "vv-cell" + (i === j ? " vv-diag" : v ? " vv-off" : ""), String(v));
        cell.dataset.true = String(i); cell.dataset.pred = String(j);
        if (i !== j && v) cell.style.background = `rgba(220, 38, 38, ${(0.15 + 0.75 * v / max).toFixed(2)})`;
        cell.title = `true ${classes[i]}, predicted ${classes[j]}: ${v}`;
        if (v) cell.addEventListener("click", () => showImages(key, i, j, cell));
        grid.appendChild(cell);
      }
    }
    matrix.appendChild(grid);
  }
  async function showImages(key, i, j, cell) {
    if (cellPicked) cellPicked.classList.remove("utbd-vv-picked");
    cellPicked = cell; cell.classList.add("utbd-vv-picked");
    clearGallery();
    galleryHead.textContent = "loading…";
    try {
      const { result, buffers } = await call("images", { key, true: i, pred: j, limit: 24 });
      if (model.get("selected") !== key) return;
      utbdMixed(galleryHead, ["true ", [result.true], " → predicted ", [result.pred], `: ${result.n} image(s)` + (result.shown < result.n ? `, first ${result.shown} shown` : "")]);
      (buffers || []).forEach((b, n) => {
        const url = URL.createObjectURL(new Blob([b.buffer ? b.buffer : b], { type: "image/png" }));
        urls.push(url);
        const fig = h("figure", "vv-thumb");
        const img = document.createElement("img");
        img.className = utbdClass("vv-img"); img.src = url; img.alt = result.names[n] || "";
        fig.append(img, utbdLongText(h("figcaption", "vv-caption"), result.names[n] || "", "ellipsis"));
        gallery.appendChild(fig);
      });
    } catch (e) { galleryHead.textContent = ""; utbdLongText(error, String(e && e.message ? e.message : e), "scroll"); }
  }
  stopBtn.addEventListener("click", () => { stopBtn.disabled = true; call("request_stop", {}).catch(() => {}); });

  drawText(); drawStatus(); drawChart(); drawMatrix();
  model.on("change:title", drawText);
  for (const t of ["status", "error", "running"]) model.on(`change:${t}`, drawStatus);
  for (const t of ["runs", "x_metric", "y_metric", "selected", "techniques"]) model.on(`change:${t}`, drawChart);
  for (const t of ["confusion", "classes"]) model.on(`change:${t}`, drawMatrix);
  return () => { clearGallery(); root.remove(); };
}
