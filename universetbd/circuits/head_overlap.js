// HeadOverlapHeatmap: layers x heads grid of circuit scores. Ground-truth heads are outlined, a threshold
// slider selects the predicted circuit (precision/recall/F1 update live), hovering shows details, clicking a
// head asks the kernel for its code histogram (positives vs negatives); a "colour by" choice shows another per-head
// layer (e.g. the patching effect) in the cells. Data strings only via textContent.
const SVG_NS = "http://www.w3.org/2000/svg";

function svgEl(tag, attrs) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  return el;
}

function blues(t) {
  // light (#f1f5fb) -> dark blue (#08306b)
  const a = [241, 245, 251], b = [8, 48, 107];
  const c = a.map((x, i) => Math.round(x + (b[i] - x) * Math.max(0, Math.min(1, t))));
  return `rgb(${c[0]},${c[1]},${c[2]})`;
}

function headStats(scores, truth, thr) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  scores.forEach((s, i) => {
    const sel = s > thr, t = !!truth[i];
    if (sel && t) tp++; else if (sel) fp++; else if (t) fn++; else tn++;
  });
  const div = (a, b) => (b ? a / b : 0);
  const p = div(tp, tp + fp), r = div(tp, tp + fn);
  return { tp, fp, fn, tn, n: tp + fp, precision: p, recall: r, f1: div(2 * p * r, p + r) };
}

function render({ model, el }) {
  const call = utbdRpc(model);
  const root = h("div", "root head-overlap");
  const title = h("div", "title");
  const controls = h("div", "ho-controls");
  const label = h("label", "ho-label", "threshold");
  const slider = h("input", "ho-threshold");
  slider.type = "range";
  const thrText = h("span", "ho-threshold-value");
  const stats = h("div", "ho-stats");
  const count = h("span", "ho-count");
  const prec = h("span", "ho-precision");
  const rec = h("span", "ho-recall");
  const f1 = h("span", "ho-f1");
  const sigCount = h("span", "ho-sigcount");
  stats.append(count, prec, rec, f1, sigCount);
  label.appendChild(slider);
  const layerLabel = h("label", "ho-layer-label", "colour by ");
  const layerSel = h("select", "ho-layer");
  layerLabel.appendChild(layerSel);
  controls.append(label, thrText, stats, layerLabel);
  const body = h("div", "ho-body");
  const grid = h("div", "ho-grid");
  const side = h("div", "ho-side");
  const tip = h("div", "ho-tooltip");
  const hist = h("div", "ho-hist");
  const histTitle = h("div", "ho-hist-title", model.get("has_codes") ? "Click a head to see its code histogram."
    : "Hover a head for its details (this method has no codes, so no histogram).");
  const histPlot = h("div", "ho-hist-plot");
  hist.append(histTitle, histPlot);
  side.append(tip, hist);
  body.append(grid, side);
  const legend = h("div", "ho-legend");
  const lgTruth = h("span", "ho-legend-truth", "outlined: ground truth");
  const lgPred = h("span", "ho-legend-pred", "dot: predicted circuit (score > threshold)");
  const lgSig = h("span", "ho-legend-sig", "★: significant (Benjamini-Hochberg); green bar: stability across seeds");
  legend.append(lgTruth, lgPred, lgSig);
  const nullLine = h("div", "ho-null");
  root.append(title, controls, body, legend, nullLine);
  el.appendChild(root);
  let cells = [];

  const scores = () => model.get("scores") || [];
  const truth = () => model.get("truth") || [];

  function range(s = scores()) {
    const lo = s.length ? Math.min(...s) : 0, hi = s.length ? Math.max(...s) : 1;
    return [lo, hi > lo ? hi : lo + 1];
  }
  // a layer (e.g. the patching effect) colours the cells; the threshold always applies to the method's scores
  const layers = () => model.get("layers") || {};
  const shown = () => { const L = layers(), name = model.get("layer"); return name && L[name] ? L[name] : null; };

  function drawLayerChoice() {
    const names = Object.keys(layers());
    layerLabel.style.display = names.length ? "" : "none";
    const opts = [["", model.get("score_name") || "score"], ...names.map((n) => [n, n])];
    layerSel.replaceChildren(...opts.map(([v, text]) => { const o = h("option", "ho-layer-option", utbdCut(text)); o.value = v; o.title = text; return o; }));
    layerSel.value = names.includes(model.get("layer")) ? model.get("layer") : "";
  }
  layerSel.addEventListener("change", () => { model.set("layer", layerSel.value); model.save_changes(); });

  function drawGrid() {
    const nl = model.get("n_layers"), nh = model.get("n_heads");
    const t = truth(), layer = shown();
    const s = layer || scores(), counts = layer ? [] : model.get("counts") || [];
    const [lo, hi] = range(s);
    root.classList.toggle("utbd-ho-layered", !!layer);
    utbdLongText(title, model.get("title") || "", "clamp2");
    title.style.display = model.get("title") ? "" : "none";
    grid.replaceChildren();
    grid.style.gridTemplateColumns = `auto repeat(${nh}, minmax(30px, 1fr))`;
    grid.appendChild(h("div", "ho-corner", "L \\ H"));
    for (let j = 0; j < nh; j++) grid.appendChild(h("div", "ho-colhead", j));
    cells = [];
    for (let l = 0; l < nl; l++) {
      grid.appendChild(h("div", "ho-rowhead", `L${l}`));
      for (let j = 0; j < nh; j++) {
        const i = l * nh + j;
        const v = (s[i] - lo) / (hi - lo);
        const cell = h("div", "ho-cell", counts.length ? counts[i] : utbdFmt(s[i], 2));
        cell.dataset.index = String(i);
        cell.dataset.label = `L${l}H${j}`;
        cell.style.background = blues(v);
        cell.style.color = v > 0.55 ? "#fff" : "#111";
        if (t[i]) cell.classList.add("utbd-ho-truth");
        const sig = model.get("significant") || [], stab = model.get("stability") || [];
        if (sig[i]) { cell.classList.add("utbd-ho-sig"); cell.appendChild(h("span", "ho-star", "★")); }
        if (stab.length) {
          const bar = h("span", "ho-stab");
          bar.style.width = `${Math.round(100 * Math.max(0, Math.min(1, stab[i])))}%`;
          cell.appendChild(bar);
        }
        cell.setAttribute("role", "button");
        cell.setAttribute("aria-label", `L${l}H${j}`);
        cell.addEventListener("mouseenter", () => showTip(i));
        cell.addEventListener("mouseleave", () => { tip.textContent = ""; tip.classList.remove("utbd-visible"); });
        cell.addEventListener("click", () => { model.set("selected", i); model.save_changes(); });
        grid.appendChild(cell);
        cells.push(cell);
      }
    }
    setupSlider();
    drawSelection();
  }

  function showTip(i) {
    const s = scores(), t = truth(), counts = model.get("counts") || [], nh = model.get("n_heads");
    const thr = model.get("threshold");
    const pv = model.get("p_values") || [], sig = model.get("significant") || [], stab = model.get("stability") || [];
    const lines = [
      `L${Math.floor(i / nh)}H${i % nh}`,
      [[model.get("score_name") || "score"], `: ${utbdFmt(s[i], 4)}`],
      counts.length && counts[i] !== s[i] ? `unique-to-positive codes: ${counts[i]}` : null,
      `ground truth: ${t[i] ? "yes" : "no"}`,
      `predicted: ${s[i] > thr ? "yes" : "no"}`,
      pv.length ? `p = ${utbdFmt(pv[i], 3)} (-log10 p = ${utbdFmt(-Math.log10(pv[i]), 2)})` : null,
      sig.length ? `significant (BH q=${model.get("q")}): ${sig[i] ? "yes" : "no"}` : null,
      stab.length ? `stability across seeds: ${utbdFmt(stab[i], 2)}` : null,
      ...Object.entries(layers()).map(([name, v]) => [[name], `: ${utbdFmt(v[i], 3)}`]),
    ].filter(Boolean);
    // names from data (score and layer names) sit in their own isolated one-line boxes: the tooltip keeps its size
    tip.replaceChildren(...lines.map((x, k) => (Array.isArray(x) ? utbdMixed(h("div", "ho-tip-line"), x)
                                                                  : h("div", k === 0 ? "ho-tip-head" : "ho-tip-line", x))));
    tip.classList.add("utbd-visible");
  }

  function setupSlider() {
    const [lo, hi] = range();
    slider.min = String(lo);
    slider.max = String(hi);
    slider.step = String((hi - lo) / 200 || 0.01);
    slider.value = String(model.get("threshold"));
  }

  function drawThreshold() {
    const thr = model.get("threshold"), s = scores(), t = truth();
    if (document.activeElement !== slider) slider.value = String(thr);
    thrText.textContent = utbdFmt(thr, 3);
    cells.forEach((c, i) => c.classList.toggle("utbd-ho-pred", s[i] > thr));
    const st = headStats(s, t, thr);
    count.textContent = `${st.n} heads selected`;
    const hasTruth = t.some(Boolean);
    prec.textContent = hasTruth ? `precision ${utbdFmt(st.precision, 3)}` : "";
    rec.textContent = hasTruth ? `recall ${utbdFmt(st.recall, 3)}` : "";
    f1.textContent = hasTruth ? `F1 ${utbdFmt(st.f1, 3)}` : "";
    prec.dataset.value = String(st.precision);
    rec.dataset.value = String(st.recall);
    count.dataset.value = String(st.n);
    const sig = model.get("significant") || [];
    sigCount.textContent = sig.length ? `${sig.filter(Boolean).length} significant` : "";
    lgSig.style.display = sig.length || (model.get("stability") || []).length ? "" : "none";
    nullLine.textContent = model.get("null_text") || "";
    nullLine.style.display = model.get("null_text") ? "" : "none";
  }

  function drawHistogram(data, i) {
    const nh = model.get("n_heads");
    histTitle.textContent = `L${Math.floor(i / nh)}H${i % nh}: code counts, positives vs negatives`;
    histPlot.replaceChildren();
    const codes = data.codes || [], P = data.positives || [], N = data.negatives || [];
    const W = 300, H = 150, pad = 22, n = Math.max(codes.length, 1);
    const maxC = Math.max(1, ...P, ...N);
    const bw = (W - pad) / n;
    const svg = svgEl("svg", { width: W, height: H + 16, viewBox: `0 0 ${W} ${H + 16}`, class: "utbd-ho-hist-svg" });
    svg.appendChild(svgEl("line", { x1: pad, y1: H, x2: W, y2: H, stroke: "#888" }));
    codes.forEach((c, k) => {
      const x = pad + k * bw;
      const unique = P[k] > 0 && N[k] === 0;
      const ph = (P[k] / maxC) * (H - 10), nhh = (N[k] / maxC) * (H - 10);
      const rp = svgEl("rect", { x: x + bw * 0.08, y: H - ph, width: bw * 0.4, height: ph, fill: unique ? "#1d4ed8" : "#60a5fa", class: "utbd-ho-bar-pos" });
      const rn = svgEl("rect", { x: x + bw * 0.5, y: H - nhh, width: bw * 0.4, height: nhh, fill: "#f97316", class: "utbd-ho-bar-neg" });
      const tp = svgEl("title"); tp.textContent = `code ${c}: ${P[k]} positives${unique ? " (never on negatives)" : ""}`;
      const tn = svgEl("title"); tn.textContent = `code ${c}: ${N[k]} negatives`;
      rp.appendChild(tp); rn.appendChild(tn);
      svg.append(rp, rn);
      if (codes.length <= 16) {
        const tx = svgEl("text", { x: x + bw / 2, y: H + 12, "text-anchor": "middle", "font-size": 9, fill: "#444" });
        tx.textContent = String(c);
        svg.appendChild(tx);
      }
    });
    const yl = svgEl("text", { x: 2, y: 10, "font-size": 9, fill: "#444" });
    yl.textContent = String(maxC);
    svg.append(yl);
    const key = h("div", "ho-hist-key", "blue: positives (dark: code never seen on negatives) · orange: negatives");
    histPlot.append(svg, key);
  }

  let pending = 0;
  function drawSelection() {
    const i = model.get("selected");
    cells.forEach((c, k) => c.classList.toggle("utbd-selected", k === i));
    if (i < 0 || i >= cells.length || !model.get("has_codes")) return;
    const ticket = ++pending;
    histTitle.textContent = "loading...";
    call("histogram", { head: i })
      .then(({ result }) => { if (ticket === pending) drawHistogram(result, i); })
      .catch((e) => { if (ticket === pending) histTitle.textContent = `no histogram: ${e.message}`; });
  }

  slider.addEventListener("input", () => {
    model.set("threshold", Number(slider.value));
    model.save_changes();
  });

  drawLayerChoice();
  drawGrid();
  drawThreshold();
  model.on("change:layer", () => { drawLayerChoice(); drawGrid(); drawThreshold(); });
  model.on("change:layers", () => { drawLayerChoice(); drawGrid(); drawThreshold(); });
  model.on("change:scores", () => { drawGrid(); drawThreshold(); });
  model.on("change:counts", drawGrid);
  model.on("change:truth", () => { drawGrid(); drawThreshold(); });
  model.on("change:n_layers", drawGrid);
  model.on("change:n_heads", drawGrid);
  model.on("change:title", drawGrid);
  model.on("change:threshold", drawThreshold);
  model.on("change:selected", drawSelection);
  model.on("change:significant", () => { drawGrid(); drawThreshold(); });
  model.on("change:stability", drawGrid);
  model.on("change:null_text", drawThreshold);
  return () => root.remove();
}
