// KoopmanView: live Koopman-autoencoder training. Loss curves (log scale), the eigenvalues of the operator C on
// the complex plane with the unit circle, and a rollout against the truth for a chosen validation start.
// Data strings only reach the DOM through textContent / attribute setters (h() from common.js).
const KV_NS = "http://www.w3.org/2000/svg";

function kvEl(tag, attrs, text) {
  const el = document.createElementNS(KV_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

function kvPath(xs, ys, sx, sy) {
  let d = "";
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i];
    if (y === null || y === undefined || !Number.isFinite(y)) continue;
    d += `${d ? "L" : "M"}${sx(xs[i]).toFixed(1)},${sy(y).toFixed(1)}`;
  }
  return d;
}

function kvLossPanel(model) {
  const W = 300, H = 220, L = 46, R = 8, T = 22, B = 28;
  const svg = kvEl("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "utbd-kv-loss-svg" });
  const ep = model.get("epochs") || [], tr = model.get("train_loss") || [], va = model.get("val_loss") || [];
  svg.appendChild(kvEl("text", { x: L, y: 14, class: "utbd-kv-panel-title" }, "loss (log scale)"));
  const vals = tr.concat(va).filter((v) => Number.isFinite(v) && v > 0);
  if (!ep.length || !vals.length) {
    svg.appendChild(kvEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "utbd-kv-empty" }, "no epochs yet"));
    return svg;
  }
  let lo = Math.log10(Math.min(...vals)), hi = Math.log10(Math.max(...vals));
  if (hi - lo < 1e-6) { lo -= 0.5; hi += 0.5; }
  const x0 = Math.min(...ep), x1 = Math.max(...ep) > x0 ? Math.max(...ep) : x0 + 1;
  const sx = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const sy = (v) => T + (1 - (Math.log10(Math.max(v, 1e-300)) - lo) / (hi - lo)) * (H - T - B);
  svg.appendChild(kvEl("rect", { x: L, y: T, width: W - L - R, height: H - T - B, class: "utbd-kv-frame" }));
  for (const [v, y] of [[Math.pow(10, hi), T], [Math.pow(10, lo), H - B]])
    svg.appendChild(kvEl("text", { x: L - 4, y: y + 4, "text-anchor": "end", class: "utbd-kv-tick" }, utbdFmt(v, 2)));
  svg.appendChild(kvEl("text", { x: L, y: H - 8, class: "utbd-kv-tick" }, `epoch ${x0}`));
  svg.appendChild(kvEl("text", { x: W - R, y: H - 8, "text-anchor": "end", class: "utbd-kv-tick" }, `${x1}`));
  svg.appendChild(kvEl("path", { d: kvPath(ep, tr, sx, sy), class: "utbd-kv-train" }));
  svg.appendChild(kvEl("path", { d: kvPath(ep, va, sx, sy), class: "utbd-kv-val" }));
  svg.appendChild(kvEl("text", { x: W - R - 72, y: 14, "text-anchor": "end", class: "utbd-kv-key-train" }, "— train"));
  svg.appendChild(kvEl("text", { x: W - R, y: 14, "text-anchor": "end", class: "utbd-kv-key-val" }, "— validation"));
  return svg;
}

function kvEigPanel(model) {
  const S = 220, T = 22, P = 10;
  const svg = kvEl("svg", { width: S, height: S + T, viewBox: `0 0 ${S} ${S + T}`, class: "utbd-kv-eig-svg" });
  const eigs = model.get("eigs") || [];
  svg.appendChild(kvEl("text", { x: P, y: 15, class: "utbd-kv-panel-title" }, `eigenvalues of C (${eigs.length})`));
  const mods = eigs.map((e) => Math.hypot(e[0], e[1])).filter(Number.isFinite);
  const Rg = Math.max(1.25, ...mods.map((m) => Math.min(m, 5) * 1.1));
  const c = S / 2, sc = (S / 2 - P) / Rg;
  const X = (re) => c + re * sc, Y = (im) => T + c - im * sc;
  svg.appendChild(kvEl("line", { x1: P, y1: Y(0), x2: S - P, y2: Y(0), class: "utbd-kv-axis" }));
  svg.appendChild(kvEl("line", { x1: X(0), y1: T + P, x2: X(0), y2: T + S - P, class: "utbd-kv-axis" }));
  svg.appendChild(kvEl("circle", { cx: X(0), cy: Y(0), r: sc, class: "utbd-kv-unit" }));
  svg.appendChild(kvEl("text", { x: X(0) + sc * 0.72 + 3, y: Y(0) - sc * 0.72 - 3, class: "utbd-kv-tick" }, "|λ| = 1"));
  eigs.forEach((e, i) => {
    const re = Math.max(-Rg, Math.min(Rg, e[0])), im = Math.max(-Rg, Math.min(Rg, e[1]));
    const dot = kvEl("circle", { cx: X(re).toFixed(2), cy: Y(im).toFixed(2), r: 5, class: "utbd-kv-eig" });
    dot.dataset.re = String(e[0]);
    dot.dataset.im = String(e[1]);
    dot.appendChild(kvEl("title", {}, `λ${i + 1} = ${utbdFmt(e[0], 4)} ${e[1] < 0 ? "-" : "+"} ${utbdFmt(Math.abs(e[1]), 4)}i, |λ| = ${utbdFmt(Math.hypot(e[0], e[1]), 4)}`));
    svg.appendChild(dot);
  });
  return svg;
}

function kvRolloutPanel(model) {
  const W = 380, H = 220, L = 46, R = 8, T = 22, B = 28;
  const svg = kvEl("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, class: "utbd-kv-rollout-svg" });
  const truth = model.get("rollout_true") || [], pred = model.get("rollout_pred") || [];
  const names = model.get("var_names") || [];
  svg.appendChild(kvEl("text", { x: L, y: 14, class: "utbd-kv-panel-title" }, "rollout vs truth"));
  if (!truth.length) {
    svg.appendChild(kvEl("text", { x: W / 2, y: H / 2, "text-anchor": "middle", class: "utbd-kv-empty" }, "no model yet"));
    return svg;
  }
  const nv = Math.min(truth.length, 3), band = (H - T - B) / nv;
  for (let k = 0; k < nv; k++) {
    const tv = truth[k], pv = pred[k] || [];
    const xs = tv.map((_, i) => i);
    const fin = tv.filter(Number.isFinite);
    let lo = Math.min(...fin), hi = Math.max(...fin);
    const pad = (hi - lo || 1) * 0.25; lo -= pad; hi += pad;
    const top = T + k * band;
    const sx = (x) => L + (x / Math.max(1, xs.length - 1)) * (W - L - R);
    const sy = (v) => top + 4 + (1 - (Math.max(lo, Math.min(hi, v)) - lo) / (hi - lo)) * (band - 8);
    svg.appendChild(kvEl("rect", { x: L, y: top + 2, width: W - L - R, height: band - 4, class: "utbd-kv-frame" }));
    const name = names[k] || `x${k}`;  // a long name is cut (full name on hover) so it stays inside the panel
    const label = kvEl("text", { x: L - 4, y: top + band / 2 + 4, "text-anchor": "end", class: "utbd-kv-tick" }, name.length > 10 ? name.slice(0, 9) + "…" : name);
    label.appendChild(kvEl("title", {}, name));
    svg.appendChild(label);
    svg.appendChild(kvEl("path", { d: kvPath(xs, tv, sx, sy), class: "utbd-kv-truth" }));
    svg.appendChild(kvEl("path", { d: kvPath(xs, pv, sx, sy), class: "utbd-kv-pred" }));
  }
  svg.appendChild(kvEl("text", { x: L, y: H - 8, class: "utbd-kv-tick" }, "step 0"));
  svg.appendChild(kvEl("text", { x: W - R, y: H - 8, "text-anchor": "end", class: "utbd-kv-tick" }, `${Math.max(0, truth[0].length - 1)}`));
  svg.appendChild(kvEl("text", { x: W - R - 74, y: 14, "text-anchor": "end", class: "utbd-kv-key-truth" }, "— truth"));
  svg.appendChild(kvEl("text", { x: W - R, y: 14, "text-anchor": "end", class: "utbd-kv-key-pred" }, "- - prediction"));
  return svg;
}

function render({ model, el }) {
  const root = h("div", "root koopman-view");
  const title = h("div", "title");
  const controls = h("div", "kv-controls");
  const label = h("label", "kv-label", "validation start ");
  const select = h("select", "kv-start");
  label.appendChild(select);
  const status = h("span", "kv-status");
  const err = h("span", "kv-error");
  controls.append(label, status, err);
  const panels = h("div", "kv-panels");
  const pLoss = h("div", "kv-panel kv-panel-loss"), pEig = h("div", "kv-panel kv-panel-eig"), pRoll = h("div", "kv-panel kv-panel-rollout");
  panels.append(pLoss, pEig, pRoll);
  root.append(title, controls, panels);
  el.appendChild(root);

  function drawTitle() {
    utbdLongText(title, model.get("title") || "", "clamp2");  // a long title ends after 2 lines, full text on hover
    title.style.display = model.get("title") ? "" : "none";
  }
  function drawStarts() {
    const starts = model.get("starts") || [];
    select.replaceChildren(...starts.map((s, i) => { const o = h("option", "", s); o.value = String(i); return o; }));
    select.value = String(model.get("start"));
    select.disabled = !starts.length;
  }
  function drawStatus() {
    status.textContent = model.get("status") || "";
    const e = model.get("rollout_error");
    err.textContent = Number.isFinite(e) && e >= 0 ? `cumulative rel. error ${utbdFmt(e, 3)}` : "";
  }
  const drawLoss = () => pLoss.replaceChildren(kvLossPanel(model));
  const drawEig = () => pEig.replaceChildren(kvEigPanel(model));
  const drawRoll = () => { pRoll.replaceChildren(kvRolloutPanel(model)); drawStatus(); };

  select.addEventListener("change", () => { model.set("start", Number(select.value)); model.save_changes(); });
  drawTitle(); drawStarts(); drawStatus(); drawLoss(); drawEig(); drawRoll();
  model.on("change:title", drawTitle);
  model.on("change:starts", drawStarts);
  model.on("change:start", () => { select.value = String(model.get("start")); });
  model.on("change:status", drawStatus);
  model.on("change:epochs", drawLoss);
  model.on("change:val_loss", drawLoss);
  model.on("change:eigs", drawEig);
  model.on("change:rollout_pred", drawRoll);
  model.on("change:rollout_true", drawRoll);
  model.on("change:rollout_error", drawStatus);
  return () => root.remove();
}
