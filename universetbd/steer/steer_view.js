// SteerView: live STEER generation. gamma/eta sliders, Generate/Stop (the kernel generates in a background thread and
// pushes each finished sample to the `samples` list), the metrics of the current set, and two gamma x eta heatmaps
// (a diversity metric and a quality metric) filled cell by cell while a sweep runs.
// Data strings only reach the DOM through textContent / attribute setters (h() from common.js).
const SV_LABELS = {
  coherence: "coherence (cosine to real) ↑", mauve: "MAUVE ↑", auroc: "authenticity AUROC (0.5 = indistinguishable)",
  ngram3: "3-gram diversity ↑", ngram3_real: "3-gram diversity of the real set", rep_diversity: "repetition diversity ↑",
};
const SV_DIVERSITY = ["rep_diversity", "ngram3"];
const SV_QUALITY = ["coherence", "mauve", "auroc"];

function svSlider(label, value, onChange) {
  const wrap = h("label", "sv-label", label);
  const input = h("input", "sv-slider");
  Object.assign(input, { type: "range", min: "0", max: "1", step: "0.2" });
  const out = h("span", "sv-value");
  wrap.append(input, out);
  const show = (v) => { input.value = String(v); out.textContent = utbdFmt(Number(v), 2); };
  show(value);
  input.addEventListener("input", () => { out.textContent = utbdFmt(Number(input.value), 2); });
  input.addEventListener("change", () => onChange(Number(input.value)));
  return { wrap, input, show };
}

function svSelect(options, value, onChange) {
  const sel = h("select", "sv-metric");
  sel.replaceChildren(...options.map((k) => { const o = h("option", "", SV_LABELS[k] || k); o.value = k; return o; }));
  sel.value = value;
  sel.addEventListener("change", () => onChange(sel.value));
  return sel;
}

// A heatmap of `metric` over the grid (rows gamma, columns eta) as a CSS grid of cells.
function svHeatmap(model, metric) {
  const gs = model.get("grid_gammas") || [], es = model.get("grid_etas") || [];
  const cells = model.get("cells") || [], cur = model.get("current_cell") || [];
  const val = new Map(cells.map((c) => [`${c.gamma},${c.eta}`, c.metrics ? c.metrics[metric] : null]));
  const fin = [...val.values()].filter((v) => v !== null && v !== undefined && Number.isFinite(v));
  const lo = fin.length ? Math.min(...fin) : 0, hi = fin.length ? Math.max(...fin) : 1;
  const grid = h("div", "sv-grid");
  grid.style.gridTemplateColumns = `auto repeat(${es.length}, minmax(34px, 52px))`;
  grid.appendChild(h("div", "sv-corner", "γ \\ η"));
  for (const e of es) grid.appendChild(h("div", "sv-colhead", utbdFmt(e, 2)));
  for (const g of gs) {
    grid.appendChild(h("div", "sv-rowhead", utbdFmt(g, 2)));
    for (const e of es) {
      const key = `${g},${e}`, has = val.has(key), v = val.get(key);
      const cell = h("div", "sv-cell");
      cell.dataset.gamma = String(g); cell.dataset.eta = String(e);
      if (has) {
        cell.classList.add("utbd-sv-done");
        const ok = v !== null && v !== undefined && Number.isFinite(v);
        const t = ok ? (hi > lo ? (v - lo) / (hi - lo) : 0.5) : 0;
        cell.textContent = ok ? utbdFmt(v, 2) : "–";
        cell.style.background = ok ? `rgba(37, 99, 235, ${(0.1 + 0.8 * t).toFixed(2)})` : "";
        cell.style.color = ok && t > 0.55 ? "#fff" : "";
        cell.title = `γ ${utbdFmt(g, 2)}, η ${utbdFmt(e, 2)}: ${SV_LABELS[metric] || metric} = ${ok ? utbdFmt(v, 4) : "–"}`;
      } else {
        cell.textContent = "·";
        cell.title = `γ ${utbdFmt(g, 2)}, η ${utbdFmt(e, 2)}: not run yet`;
      }
      if (cur.length === 2 && cur[0] === g && cur[1] === e) cell.classList.add("utbd-sv-current");
      grid.appendChild(cell);
    }
  }
  return grid;
}

function render({ model, el }) {
  const call = utbdRpc(model);
  const root = h("div", "root steer-view");
  const title = h("div", "title");
  const instr = h("div", "sv-instruction muted");
  const controls = h("div", "sv-controls");
  const save = (name, v) => { model.set(name, v); model.save_changes(); };
  const gamma = svSlider("γ (guidance) ", model.get("gamma"), (v) => save("gamma", v));
  const eta = svSlider("η (negative prompt) ", model.get("eta"), (v) => save("eta", v));
  const nLabel = h("label", "sv-label", "samples ");
  const nInput = h("input", "sv-n");
  Object.assign(nInput, { type: "number", min: "1", max: "1000", step: "1" });
  nInput.value = String(model.get("n"));
  nInput.addEventListener("change", () => {
    const v = Math.max(1, Math.round(Number(nInput.value) || 1));
    nInput.value = String(v); save("n", v);
  });
  nLabel.appendChild(nInput);
  const genBtn = h("button", "button sv-generate", "Generate");
  const stopBtn = h("button", "button sv-stop", "Stop");
  controls.append(gamma.wrap, eta.wrap, nLabel, genBtn, stopBtn);
  const status = h("div", "sv-status");
  const error = h("div", "sv-error error");
  const body = h("div", "sv-body");
  const left = h("div", "sv-left");
  const samplesHead = h("div", "sv-head", "samples");
  const list = h("ol", "sv-samples");
  left.append(samplesHead, list);
  const right = h("div", "sv-right");
  const metricsHead = h("div", "sv-head", "metrics of the current set");
  const metrics = h("table", "sv-metrics");
  const heatHead = h("div", "sv-head", "γ × η trade-off");
  const heats = h("div", "sv-heats");
  const heatD = h("div", "sv-heat sv-heat-diversity"), heatQ = h("div", "sv-heat sv-heat-quality");
  const selD = svSelect(SV_DIVERSITY, model.get("diversity_metric"), (v) => save("diversity_metric", v));
  const selQ = svSelect(SV_QUALITY, model.get("quality_metric"), (v) => save("quality_metric", v));
  const mapD = h("div", "sv-map"), mapQ = h("div", "sv-map");
  heatD.append(selD, mapD); heatQ.append(selQ, mapQ);
  heats.append(heatD, heatQ);
  const legend = h("div", "sv-legend muted", "darker = higher within each map · hover a cell for its value · · = not run yet");
  right.append(metricsHead, metrics, heatHead, heats, legend);
  body.append(left, right);
  root.append(title, instr, controls, status, error, body);
  el.appendChild(root);

  function drawText() {
    utbdLongText(title, model.get("title") || "", "clamp2");  // a long title ends after 2 lines, full text on hover
    title.style.display = model.get("title") ? "" : "none";
    utbdLongText(instr, model.get("instruction") || "", "clamp2");
  }
  function drawRunning() {
    const r = model.get("running") || "";
    genBtn.disabled = !!r;
    stopBtn.disabled = !r;
    gamma.input.disabled = eta.input.disabled = nInput.disabled = !!r;
    root.classList.toggle("utbd-sv-running", !!r);
  }
  function drawStatus() {
    status.textContent = model.get("status") || "";
    utbdLongText(error, model.get("error") || "", "scroll");
  }
  function drawSamples() {
    const s = model.get("samples") || [];
    let items = list.children;
    // append only what is new when the list grew; rebuild otherwise
    let same = items.length <= s.length;
    for (let i = 0; same && i < items.length; i++) same = items[i].dataset.full === s[i];
    if (!same) { list.replaceChildren(); items = list.children; }
    for (let i = items.length; i < s.length; i++) {
      const li = h("li", "sv-sample");
      li.dataset.full = s[i];
      const span = utbdLongText(h("span", "sv-text"), s[i], "clamp3");
      li.appendChild(span);
      li.addEventListener("click", () => span.classList.toggle("utbd-clamp3"));
      list.appendChild(li);
    }
    samplesHead.textContent = s.length ? `samples (${s.length})` : "samples (none yet: press Generate)";
  }
  function drawMetrics() {
    const m = model.get("metrics") || {};
    const keys = Object.keys(m);
    metrics.replaceChildren(...keys.map((k) => {
      const tr = h("tr", "sv-metric-row");
      tr.dataset.key = k;
      const v = m[k];
      tr.append(h("td", "sv-metric-name", SV_LABELS[k] || k), h("td", "sv-metric-value", v === null || v === undefined ? "–" : utbdFmt(v, 3)));
      return tr;
    }));
    metricsHead.style.display = metrics.style.display = keys.length ? "" : "none";
  }
  function drawHeat() {
    const any = (model.get("grid_gammas") || []).length > 0;
    heatHead.style.display = heats.style.display = legend.style.display = any ? "" : "none";
    if (!any) return;
    selD.value = model.get("diversity_metric"); selQ.value = model.get("quality_metric");
    mapD.replaceChildren(svHeatmap(model, model.get("diversity_metric")));
    mapQ.replaceChildren(svHeatmap(model, model.get("quality_metric")));
  }
  async function press(method, params) {
    try { await call(method, params); }
    catch (e) { utbdLongText(error, String(e && e.message ? e.message : e), "scroll"); drawRunning(); }
  }
  genBtn.addEventListener("click", () => {
    genBtn.disabled = true;  // until the kernel says it runs (or refuses)
    utbdLongText(error, "", "scroll");
    press("start_generate", { n: model.get("n"), gamma: model.get("gamma"), eta: model.get("eta") });
  });
  stopBtn.addEventListener("click", () => { stopBtn.disabled = true; press("request_stop", {}); });

  drawText(); drawRunning(); drawStatus(); drawSamples(); drawMetrics(); drawHeat();
  model.on("change:title", drawText);
  model.on("change:instruction", drawText);
  model.on("change:running", drawRunning);
  model.on("change:status", drawStatus);
  model.on("change:error", drawStatus);
  model.on("change:samples", drawSamples);
  model.on("change:metrics", drawMetrics);
  model.on("change:gamma", () => gamma.show(model.get("gamma")));
  model.on("change:eta", () => eta.show(model.get("eta")));
  model.on("change:n", () => { nInput.value = String(model.get("n")); });
  for (const t of ["cells", "grid_gammas", "grid_etas", "current_cell", "diversity_metric", "quality_metric"])
    model.on(`change:${t}`, drawHeat);
  return () => root.remove();
}
