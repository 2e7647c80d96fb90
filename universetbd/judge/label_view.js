// LabelView: one prompt at a time for a person to label (acceptable / problematic / skip), undo, progress, the judge's
// guess revealed only after the answer (the kernel never sends it before), and a chart of the metrics across iterations.
// Data strings only reach the DOM through textContent / attribute setters (h() from common.js).
const LV_SERIES = [
  ["accuracy", "accuracy", "#2563eb", ""], ["precision", "precision", "#16a34a", ""], ["recall", "recall", "#9333ea", ""],
  ["auroc", "AUROC", "#f59e0b", ""], ["success_rate", "adversary success", "#dc2626", "4 3"],
];
const LV_NS = "http://www.w3.org/2000/svg";

function lvSvg(tag, attrs, text) {
  const el = document.createElementNS(LV_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = String(text);
  return el;
}

// Metrics per iteration as lines on a 0..1 axis (own SVG, no library).
function lvChart(history) {
  const W = 420, H = 170, L = 34, R = 10, T = 10, B = 26;
  const svg = lvSvg("svg", { viewBox: `0 0 ${W} ${H}`, class: "utbd-lv-svg", role: "img" });
  svg.appendChild(lvSvg("title", {}, "judge metrics on the held-out set and adversary success rate per iteration"));
  const its = history.map((r) => r.iteration);
  const maxIt = Math.max(1, ...its);
  const x = (i) => L + 12 + (W - L - R - 24) * (i / maxIt), y = (v) => T + (H - T - B) * (1 - v);
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.appendChild(lvSvg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "utbd-lv-grid" }));
    svg.appendChild(lvSvg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end", class: "utbd-lv-tick" }, v.toFixed(2)));
  }
  for (const i of its) svg.appendChild(lvSvg("text", { x: x(i), y: H - B + 14, "text-anchor": "middle", class: "utbd-lv-tick" }, i));
  svg.appendChild(lvSvg("text", { x: (L + W - R) / 2, y: H - 2, "text-anchor": "middle", class: "utbd-lv-tick" }, "iteration"));
  for (const [key, , color, dash] of LV_SERIES) {
    const pts = history.filter((r) => r[key] !== null && r[key] !== undefined).map((r) => [x(r.iteration), y(r[key])]);
    if (!pts.length) continue;
    if (pts.length > 1) svg.appendChild(lvSvg("polyline", { points: pts.map((p) => p.join(",")).join(" "), fill: "none",
      stroke: color, "stroke-width": 2, "stroke-dasharray": dash, class: `utbd-lv-line utbd-lv-${key}` }));
    for (const [px, py] of pts) svg.appendChild(lvSvg("circle", { cx: px, cy: py, r: 3, fill: color, class: `utbd-lv-pt utbd-lv-pt-${key}` }));
  }
  return svg;
}

function render({ model, el }) {
  const call = utbdRpc(model);
  const root = h("div", "root label-view");
  root.tabIndex = 0;
  root.setAttribute("data-lm-suppress-shortcuts", "true");  // JupyterLab: a/p/s/u/0/1 label here, they do not edit the notebook
  const title = h("div", "title");
  const policy = h("div", "lv-policy muted");
  const bar = h("div", "lv-progress");
  const barFill = h("div", "lv-progress-fill");
  bar.appendChild(barFill);
  const status = h("div", "lv-status muted");
  const card = h("div", "lv-card");
  const prompt = h("div", "lv-prompt");
  card.appendChild(prompt);
  const buttons = h("div", "lv-buttons");
  const bOk = h("button", "button lv-acceptable", "Acceptable (a)");
  const bBad = h("button", "button lv-problematic", "Problematic (p)");
  const bSkip = h("button", "button lv-skip", "Skip (s)");
  const bUndo = h("button", "button lv-undo", "Undo (u)");
  buttons.append(bOk, bBad, bSkip, bUndo);
  const error = h("div", "lv-error error");
  const last = h("div", "lv-last");
  const chartHead = h("div", "lv-head", "metrics per iteration (held-out set)");
  const chart = h("div", "lv-chart");
  const legend = h("div", "lv-legend");
  for (const [, label, color, dash] of LV_SERIES) {
    const item = h("span", "lv-key");
    const sw = h("span", "lv-swatch");
    sw.style.borderTopColor = color; if (dash) sw.style.borderTopStyle = "dashed";
    item.append(sw, document.createTextNode(label));
    legend.appendChild(item);
  }
  root.append(title, policy, bar, status, card, buttons, error, last, chartHead, chart, legend);
  el.appendChild(root);
  let busy = false;

  function drawPrompt() {
    const p = model.get("prompt") || "";
    utbdLongText(prompt, p, "");  // the card scrolls: the whole prompt inside its box
    prompt.classList.toggle("utbd-lv-empty", !p);
    if (!p) prompt.textContent = model.get("done") ? "Done: every iteration is labelled and the judge retrained." : "(no prompt)";
    const off = busy || !p;
    bOk.disabled = bBad.disabled = bSkip.disabled = off;
    bUndo.disabled = busy;
    card.classList.toggle("utbd-lv-busy", busy);
  }
  function drawProgress() {
    const g = model.get("progress") || {};
    const total = (g.iterations || 0) * (g.rounds || 0);
    const doneN = model.get("done") ? total : ((g.iteration || 1) - 1) * (g.rounds || 0) + (g.round || 0);
    barFill.style.width = total ? `${Math.min(100, (100 * doneN) / total).toFixed(1)}%` : "0%";
    bar.title = `${doneN} of ${total} rounds labelled`;
    status.textContent = `${model.get("status") || ""} · ${g.labelled || 0} labelled · ${g.attacks || 0} successful attacks · ${g.skipped || 0} skipped`;
  }
  function drawLast() {
    const r = model.get("last") || {};
    last.replaceChildren();
    last.className = utbdClass("lv-last");
    if (!r.prompt) {
      last.appendChild(h("div", "lv-hint muted", "Answer to see what the judge had guessed. Keys: a acceptable · p problematic · s skip · u undo."));
      return;
    }
    if (r.undone) {
      last.append(h("span", "lv-verdict", "Undone: "), utbdLongText(h("span", "lv-last-prompt"), r.prompt, "ellipsis"),
                  h("div", "muted", " — it is on screen again."));
      return;
    }
    const said = r.label === null || r.label === undefined ? "skipped" : r.label ? "problematic" : "acceptable";
    const guess = r.judge_pred === null || r.judge_pred === undefined ? "no guess (untrained)" :
      `${r.judge_pred ? "problematic" : "acceptable"} (p = ${utbdFmt(r.judge_proba, 2)})`;
    const line = h("div", "lv-reveal");
    line.append(h("span", "lv-said", `You said ${said}`), document.createTextNode(" · "), h("span", "lv-guess", `the judge had guessed ${guess}`));
    if (r.label !== null && r.label !== undefined && r.judge_pred !== null && r.judge_pred !== undefined)
      line.append(document.createTextNode(" · "), h("span", r.attack ? "lv-verdict lv-attack" : "lv-verdict",
        r.attack ? "a successful attack: it joins the adversary's set" : r.label === r.judge_pred ? "the judge was right" : "a false alarm"));
    last.append(line, utbdLongText(h("div", "lv-last-prompt muted"), r.prompt, "ellipsis"));
    if (r.trained) last.appendChild(h("div", "lv-trained", "Iteration finished: the judge was retrained (see the chart)."));
  }
  function drawChart() {
    const hist = model.get("history") || [];
    chart.replaceChildren(lvChart(hist));
    chartHead.style.display = chart.style.display = legend.style.display = hist.length ? "" : "none";
  }
  function drawText() {
    utbdLongText(title, model.get("title") || "", "clamp2");
    utbdLongText(policy, `policy: ${model.get("policy") || ""}`, "clamp2");
    utbdLongText(error, model.get("error") || "", "scroll");
  }
  // one request at a time, in the order pressed (a key pressed while the kernel works waits its turn); an answer
  // carries the prompt that was on screen when it was given, so a stale one is refused by the kernel
  let chain = Promise.resolve(), pending = 0;
  function send(method, params) {
    pending += 1; busy = true; drawPrompt(); utbdLongText(error, "", "scroll");
    chain = chain.then(() => call(method, params))
      .catch((e) => { utbdLongText(error, String(e && e.message ? e.message : e), "scroll"); })
      .finally(() => { pending -= 1; busy = pending > 0; drawPrompt(); root.focus({ preventScroll: true }); });
  }
  const answer = (v) => { if (model.get("prompt")) send("press", { value: v, prompt: model.get("prompt") }); };
  bOk.addEventListener("click", () => answer(0));
  bBad.addEventListener("click", () => answer(1));
  bSkip.addEventListener("click", () => answer(null));
  bUndo.addEventListener("click", () => send("press_undo", {}));
  root.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const k = e.key.toLowerCase();
    const act = { a: () => answer(0), 0: () => answer(0), p: () => answer(1), 1: () => answer(1), s: () => answer(null),
                  u: () => send("press_undo", {}), backspace: () => send("press_undo", {}) }[k];
    if (!act) return;
    e.preventDefault(); e.stopPropagation();  // keep JupyterLab's own shortcuts (a = insert cell above) out of it
    act();
  });
  root.addEventListener("click", (e) => { if (!(e.target instanceof HTMLButtonElement)) root.focus({ preventScroll: true }); });

  drawText(); drawPrompt(); drawProgress(); drawLast(); drawChart();
  model.on("change:prompt", drawPrompt);
  model.on("change:done", () => { drawPrompt(); drawProgress(); });
  model.on("change:progress", drawProgress);
  model.on("change:status", drawProgress);
  model.on("change:last", drawLast);
  model.on("change:history", drawChart);
  for (const t of ["title", "policy", "error"]) model.on(`change:${t}`, drawText);
  setTimeout(() => root.focus({ preventScroll: true }), 0);
  return () => root.remove();
}
