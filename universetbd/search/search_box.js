// SearchBox: steerable semantic search. Results, features and label searches come from the kernel
// through rpc calls (utbdRpc); data strings only ever reach the DOM through textContent (h()).
function render({ model, el }) {
  const call = utbdRpc(model);
  const root = h("div", "root search-box");
  el.appendChild(root);

  // ---- layout ----------------------------------------------------------------------------------
  const bar = h("div", "sb-bar");
  const input = h("input", "sb-query");
  input.type = "search";
  input.placeholder = "Ask a question or type a few words…";
  input.setAttribute("aria-label", "search query");
  const go = h("button", "button sb-go", "Search");
  bar.append(input, go);

  const toggles = h("div", "sb-toggles");
  const boxes = {};
  const labels = {};
  for (const [name, text] of [["keywords", "keywords"], ["recency", "recency"], ["citations", "citations"], ["hybrid", "hybrid (BM25)"], ["hyde", "HyDE"]]) {
    const lab = h("label", `sb-toggle sb-toggle-label-${name}`);
    const cb = h("input", `sb-toggle-${name}`);
    cb.type = "checkbox";
    cb.dataset.name = name;
    lab.append(cb, h("span", "", text));
    toggles.append(lab);
    boxes[name] = cb;
    labels[name] = lab;
  }
  const HYDE_ON = "HyDE: the LLM writes a hypothetical abstract answering the query; the search uses the mean of its embedding and the query's";
  const status = h("span", "sb-status muted");
  toggles.append(status);

  const featWrap = h("div", "sb-features-wrap");
  const featHead = h("div", "sb-section", "Query features (move a slider to steer)");
  const chips = h("div", "sb-features");
  const addWrap = h("div", "sb-add");
  const addInput = h("input", "sb-add-input");
  addInput.placeholder = "add a feature by label…";
  addInput.setAttribute("aria-label", "add a feature by label");
  const suggestions = h("div", "sb-suggestions");
  addWrap.append(addInput, suggestions);
  featWrap.append(featHead, chips, addWrap);

  // the hypothetical abstract a HyDE search used (text from the LLM: textContent only)
  const hydeBox = h("details", "sb-hyde");
  const hydeText = h("div", "sb-hyde-text");
  hydeBox.append(h("summary", "muted", "HyDE: the hypothetical abstract searched with"), hydeText);
  hydeBox.style.display = "none";

  const error = h("div", "error sb-error");
  const results = h("ol", "sb-results");

  // answer panel: question type, answer / cancel, reformat; progress with elapsed seconds
  const QTYPES = ["single-paper", "multi-paper", "bibliometric", "broad/consensus"];
  const STYLES = ["simpler language", "as bullet points", "in Spanish", "in French", "in German", "in Chinese", "in Hindi"];
  const option = (value, text) => { const o = h("option", "", text); o.value = value; return o; };
  const answerPanel = h("div", "sb-answer");
  const answerHead = h("div", "sb-section", "Answer");
  const answerCtl = h("div", "sb-answer-controls");
  const qtypeSel = h("select", "sb-qtype");
  qtypeSel.setAttribute("aria-label", "question type");
  qtypeSel.title = "question type (the prompt the answer is written with); auto uses the type detected from the query";
  const autoOpt = option("", "type: auto");
  qtypeSel.append(autoOpt, ...QTYPES.map((t) => option(t, t)));
  const answerBtn = h("button", "button sb-answer-btn", "Answer from these papers");
  const cancelBtn = h("button", "button sb-cancel", "Cancel");
  cancelBtn.title = "stop waiting: the kernel may finish writing it, but its answer is dropped";
  cancelBtn.style.display = "none";
  const styleSel = h("select", "sb-style");
  styleSel.setAttribute("aria-label", "reformat style");
  styleSel.append(...STYLES.map((t) => option(t, t)));
  const reformatBtn = h("button", "button sb-reformat", "Reformat");
  reformatBtn.title = "rewrite the answer shown in the chosen style or language (citations kept)";
  reformatBtn.disabled = true;
  const progress = h("span", "sb-answer-progress muted");
  answerCtl.append(qtypeSel, answerBtn, cancelBtn, styleSel, reformatBtn, progress);
  const answerBody = h("div", "sb-answer-body");
  answerPanel.append(answerHead, answerCtl, answerBody);

  const fb = h("div", "sb-feedback");
  const fbText = h("textarea", "sb-feedback-text");
  fbText.placeholder = "Feedback on these results (logged)…";
  fbText.rows = 2;
  const fbBtn = h("button", "button sb-feedback-send", "Send feedback");
  const fbStatus = h("span", "sb-feedback-status muted");
  fb.append(fbText, fbBtn, fbStatus);

  root.append(bar, toggles, hydeBox, featWrap, error, results, answerPanel, fb);

  // ---- state -------------------------------------------------------------------------------------
  let features = [];            // [{index, label, activation, value, added}]
  let edits = {};               // {index: value} of moved sliders
  let queryId = null;
  let currentQuery = "";
  let inFlight = false, pending = null, seq = 0;
  let shownResults = new Map();  // id -> result row of the list shown
  let answerReq = null;          // the answer/reformat request in flight {id, t0, cancelled}
  let answerSeq = 0, shownRequest = null, dropped = 0, tick = null;
  const votes = {};             // doc id -> +1/-1 for the current query

  function syncToggles() {
    const w = model.get("weights") || {};
    for (const n of ["keywords", "recency", "citations"]) boxes[n].checked = !!w[n];
    boxes.hybrid.checked = !!model.get("hybrid");
    boxes.hyde.checked = !!model.get("hyde");
  }
  function drawAnswerPanel() {
    const on = !!model.get("llm_configured");
    answerCtl.style.display = on ? "" : "none";
    // HyDE needs an LLM: without one the switch is disabled and its tooltip says how to configure one
    boxes.hyde.disabled = !on;
    labels.hyde.classList.toggle("utbd-sb-disabled", !on);
    labels.hyde.title = boxes.hyde.title = on ? HYDE_ON : `HyDE needs an LLM: ${model.get("llm_help")}`;
    if (!on) answerBody.textContent = model.get("llm_help");
    else if (answerBody.textContent === model.get("llm_help")) answerBody.textContent = "";
  }
  const hydeOn = () => boxes.hyde.checked && !boxes.hyde.disabled;

  // ---- searching -----------------------------------------------------------------------------------
  function params() {
    return {
      query: currentQuery, edits,
      weights: { keywords: boxes.keywords.checked, recency: boxes.recency.checked, citations: boxes.citations.checked },
      hybrid: boxes.hybrid.checked,
      hyde: hydeOn(),
    };
  }
  // Run a search; while one is in flight keep only the newest request (sliders fire many events).
  function runSearch(t0) {
    if (!currentQuery.trim()) return;
    if (inFlight) { pending = t0; return; }
    inFlight = true;
    const my = ++seq;
    root.classList.add("utbd-busy");
    call("search", params()).then(({ result }) => {
      utbdLongText(error, "", "scroll");
      drawResults(result);
      const ms = performance.now() - t0;
      root.dataset.lastLatencyMs = ms.toFixed(1);
      root.dataset.searches = String(my);
      const kernelMs = result.timings && result.timings.total_ms;  // the search itself (the round trip also waits for a busy kernel)
      status.textContent = `${result.results.length} results · ${result.mode} · ${(kernelMs ?? ms).toFixed(0)} ms`;
    }).catch((e) => {
      utbdLongText(error, String(e.message || e), "scroll");
      status.textContent = "";
    }).finally(() => {
      inFlight = false;
      root.classList.remove("utbd-busy");
      if (pending !== null) { const p = pending; pending = null; runSearch(p); }
    });
  }
  function newQuery() {
    // a new search starts with a clean slate: no old error, no "thank you, logged" from the last feedback
    utbdLongText(error, "", "scroll");
    fbStatus.textContent = "";
    if (!input.value.trim()) {
      status.textContent = "type a query first";
      input.focus();
      return;
    }
    status.textContent = hydeOn() ? "searching (HyDE: the LLM writes an abstract first)…" : "searching…";
    currentQuery = input.value;
    edits = {};
    features = [];
    runSearch(performance.now());
  }

  // ---- drawing -------------------------------------------------------------------------------------
  function drawResults(result) {
    queryId = result.query_id;
    for (const k of Object.keys(votes)) delete votes[k];
    // features: the query's active ones (first search of a query) plus any added by label
    const byIndex = new Map(features.map((f) => [f.index, f]));
    for (const f of result.features) {
      if (!byIndex.has(f.index)) {
        const nf = { index: f.index, label: f.label, name: f.name, activation: f.activation, value: f.activation, added: false };
        features.push(nf); byIndex.set(f.index, nf);
      }
    }
    root.dataset.sliderMax = String(result.slider_max);
    root.dataset.mode = result.mode;
    shownResults = new Map(result.results.map((r) => [r.id, r]));
    autoOpt.textContent = result.qtype ? `type: auto (${result.qtype})` : "type: auto";
    root.dataset.qtype = result.qtype || "";
    utbdLongText(hydeText, result.hyde_abstract || "", "");  // its box scrolls
    hydeBox.style.display = result.hyde_abstract ? "" : "none";
    drawFeatures(result.slider_max);
    results.replaceChildren();
    for (const r of result.results) results.append(drawResult(r));
    if (!result.results.length) results.append(h("li", "muted", "No results."));
  }

  function drawFeatures(max) {
    chips.replaceChildren();
    for (const f of features) {
      const chip = h("div", "chip sb-feature" + (f.index in edits ? " sb-edited" : ""));
      chip.dataset.index = String(f.index);
      // "#12 label" (from the kernel): features that share a label are told apart; long ones end in "…"
      const name = utbdLongText(h("span", "sb-feature-label"), f.name, "ellipsis");
      name.title = f.name;
      const val = h("span", "sb-feature-value muted", utbdFmt(f.value, 2));
      const slider = h("input", "sb-slider");
      slider.type = "range";
      slider.min = "0";
      slider.max = String(Math.max(max, f.value || 0));
      slider.step = "any";
      slider.value = String(f.value || 0);
      slider.setAttribute("aria-label", `steer feature ${f.label}`);
      slider.addEventListener("input", () => {
        const t0 = performance.now();
        f.value = Number(slider.value);
        edits[f.index] = f.value;
        val.textContent = utbdFmt(f.value, 2);
        chip.classList.add("utbd-sb-edited");
        runSearch(t0);
      });
      const reset = h("button", "button sb-reset", "↺");
      reset.title = "reset this feature";
      reset.addEventListener("click", () => {
        delete edits[f.index];
        if (f.added) features = features.filter((g) => g !== f);
        else f.value = f.activation;
        drawFeatures(Number(root.dataset.sliderMax || 1));
        runSearch(performance.now());
      });
      chip.append(name, slider, val, reset);
      chips.append(chip);
    }
    featHead.style.display = features.length ? "" : "none";
  }

  function drawResult(r) {
    const li = h("li", "sb-result");
    li.dataset.id = r.id;
    li.dataset.rank = String(r.rank);
    const head = h("div", "sb-result-head");
    const title = utbdData("span", "sb-title", r.title, "");
    title.title = r.title;
    const meta = h("span", "sb-meta muted",
      ` ${[r.year, r.citations == null ? null : `${r.citations} citations`, `score ${utbdFmt(r.score, 3)}`].filter((x) => x != null).join(" · ")}`);
    head.append(title, meta);
    if (r.feature) {
      const fchip = utbdMixed(h("span", "chip sb-doc-feature ellipsis"), [[r.feature.name], ` ${utbdFmt(r.feature.activation, 2)}`], "");
      fchip.title = `the query feature strongest in this paper: ${r.feature.name}`;
      head.append(fchip);
    }
    const snippet = utbdData("div", "sb-snippet", r.snippet, "clamp3");
    const actions = h("div", "sb-actions");
    const up = h("button", "button sb-vote sb-up", "▲");
    const down = h("button", "button sb-vote sb-down", "▼");
    up.title = "relevant"; down.title = "not relevant";
    const id = utbdData("span", "sb-id muted", r.id, "ellipsis");
    const voteFor = (value) => {
      const removed = votes[r.id] === value;
      const prev = votes[r.id];
      const q = queryId;
      const after = () => {
        if (removed) delete votes[r.id]; else votes[r.id] = value;
        up.classList.toggle("utbd-voted", votes[r.id] === 1);
        down.classList.toggle("utbd-voted", votes[r.id] === -1);
        li.dataset.vote = String(votes[r.id] ?? 0);
      };
      // switching from up to down takes the old vote back first
      const first = prev !== undefined && prev !== value
        ? call("vote", { doc_id: r.id, value: prev, query_id: q, removed: true }) : Promise.resolve();
      first.then(() => call("vote", { doc_id: r.id, value, query_id: q, removed }))
        .then(after).catch((e) => { utbdLongText(error, String(e.message || e), "scroll"); });
    };
    up.addEventListener("click", () => voteFor(1));
    down.addEventListener("click", () => voteFor(-1));
    actions.append(up, down, id);
    li.append(head, snippet, actions);
    return li;
  }

  // ---- events --------------------------------------------------------------------------------------
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") newQuery(); });
  go.addEventListener("click", newQuery);
  for (const cb of Object.values(boxes)) cb.addEventListener("change", () => {
    if (cb === boxes.hyde && hydeOn() && currentQuery.trim()) status.textContent = "searching (HyDE: the LLM writes an abstract first)…";
    runSearch(performance.now());
  });

  let addTimer = null;
  addInput.addEventListener("input", () => {
    clearTimeout(addTimer);
    addTimer = setTimeout(() => {
      const text = addInput.value.trim();
      suggestions.replaceChildren();
      if (!text) return;
      call("find_features", { text }).then(({ result }) => {
        suggestions.replaceChildren();
        for (const f of result) {
          const b = utbdLongText(h("button", "button sb-suggestion"), f.name, "ellipsis");
          b.title = f.name;
          b.dataset.index = String(f.index);
          b.addEventListener("click", () => {
            if (!features.some((g) => g.index === f.index))
              features.push({ index: f.index, label: f.label, name: f.name, activation: 0, value: 0, added: true });
            suggestions.replaceChildren();
            addInput.value = "";
            drawFeatures(Number(root.dataset.sliderMax || 1));
          });
          suggestions.append(b);
        }
        if (!result.length) suggestions.append(h("span", "muted", "no feature with that label"));
      }).catch((e) => { utbdLongText(error, String(e.message || e), "scroll"); });
    }, 150);
  });

  // ---- answers --------------------------------------------------------------------------------------
  // One request at a time. The kernel cannot interrupt an LLM call, so Cancel marks the request
  // cancelled here (its answer is dropped when it arrives) and tells the kernel (cancel_answer).
  function setAnswerBusy(req, label) {
    answerReq = req;
    answerBtn.disabled = !!req;
    reformatBtn.disabled = !!req || !shownRequest;
    cancelBtn.style.display = req ? "" : "none";
    root.classList.toggle("utbd-sb-answering", !!req);
    clearInterval(tick);
    tick = null;
    if (req) {
      const show = () => { progress.textContent = `${label}… ${Math.floor((performance.now() - req.t0) / 1000)} s`; };
      show();
      tick = setInterval(show, 500);
    }
  }
  function requestAnswer(method, params, label) {
    if (answerReq || !model.get("llm_configured")) return;
    const req = { id: `${method}-${++answerSeq}-${Date.now()}`, t0: performance.now(), cancelled: false };
    setAnswerBusy(req, label);
    const drop = () => { root.dataset.answersDropped = String(++dropped); };
    call(method, { ...params, request: req.id }).then(({ result }) => {
      if (req.cancelled || result.cancelled) { drop(); return; }
      if (result.error) { answerBody.replaceChildren(utbdData("div", "sb-answer-error", result.error, "scroll")); progress.textContent = ""; return; }
      drawAnswer(result);
      const secs = result.seconds < 0.1 ? "< 0.1" : utbdFmt(result.seconds, 2);
      progress.textContent = `${method === "reformat" ? "rewritten" : "written"} in ${secs} s`;
    }).catch((e) => {
      if (req.cancelled) { drop(); return; }
      progress.textContent = "";
      answerBody.replaceChildren(h("div", "error sb-answer-error", String(e.message || e)));
      shownRequest = null;
    }).finally(() => { if (answerReq === req) setAnswerBusy(null); });
  }
  function drawAnswer(result) {
    shownRequest = result.request;
    root.dataset.answerRequest = result.request;
    // the answer is from an LLM: each piece of its text in its own isolated span (an override in it cannot turn the
    // citations around), the whole answer cut after a few lines with "show all" to read it whole
    const text = h("div", "sb-answer-text sb-answer-clamped");
    for (const p of result.pieces || [{ text: result.answer }]) {
      if (p.cite === undefined) { text.append(utbdData("span", "sb-answer-piece", p.text, "")); continue; }
      const a = h("a", "sb-cite", `[${p.cite}]`);
      a.href = "#";
      a.dataset.rank = String(p.cite);
      a.dataset.id = p.id;
      const row = shownResults.get(p.id);
      a.title = `result ${p.cite}: ${row ? row.title : p.id}`;
      a.addEventListener("click", (e) => { e.preventDefault(); showResult(p.id, p.cite); });
      text.append(a);
    }
    const cites = (result.cited_ranks || []).map((n) => `[${n}]`).join(" ");
    const meta = [`question type: ${result.qtype}`, result.style ? `reformatted: ${result.style}` : null,
      cites ? `cites ${cites}` : "cites none of the results", result.model].filter(Boolean).join(" · ");
    const all = h("button", "button sb-answer-all", "show all");
    all.type = "button";
    all.addEventListener("click", () => {
      const open = text.classList.toggle("utbd-sb-answer-clamped") === false;
      all.textContent = open ? "show less" : "show all";
      root.dataset.answerOpen = open ? "1" : "0";
    });
    root.dataset.answerOpen = "0";
    answerBody.replaceChildren(text, all, h("div", "sb-answer-meta muted", meta));
    // the button only where the answer is longer than its box
    requestAnimationFrame(() => { all.style.display = text.scrollHeight > text.clientHeight + 1 ? "" : "none"; });
  }
  // scroll to the cited result and highlight it (by id: the list may have changed since the answer)
  function showResult(id, n) {
    let target = null;
    for (const li of results.children) {
      li.classList.remove("utbd-sb-highlight");
      if (li.dataset.id === id) target = li;
    }
    if (!target) { progress.textContent = `[${n}] ${id} is not in the result list shown (the search changed since the answer)`; return; }
    target.classList.add("utbd-sb-highlight");
    target.scrollIntoView({ block: "center", behavior: "smooth" });
  }
  answerBtn.addEventListener("click", () => {
    requestAnswer("answer", { query_id: queryId, qtype: qtypeSel.value || null }, "writing the answer");
  });
  reformatBtn.addEventListener("click", () => {
    if (!shownRequest) return;
    requestAnswer("reformat", { source: shownRequest, style: styleSel.value }, `rewriting the answer (${styleSel.value})`);
  });
  cancelBtn.addEventListener("click", () => {
    const req = answerReq;
    if (!req) return;
    req.cancelled = true;
    setAnswerBusy(null);
    progress.textContent = "cancelled (the kernel may still be writing it: that answer will be dropped)";
    call("cancel_answer", { request: req.id }).catch((e) => { utbdLongText(error, String(e.message || e), "scroll"); });
  });

  fbBtn.addEventListener("click", () => {
    const text = fbText.value.trim();
    if (!text) return;
    fbStatus.textContent = "";
    call("send_feedback", { text, query_id: queryId }).then(() => {
      fbText.value = "";
      fbStatus.textContent = "thank you, logged";
    }).catch((e) => { fbStatus.textContent = String(e.message || e); });
  });

  model.on("change:weights", syncToggles);
  model.on("change:hybrid", syncToggles);
  model.on("change:hyde", syncToggles);
  model.on("change:llm_configured", drawAnswerPanel);
  syncToggles();
  drawAnswerPanel();
  featHead.style.display = "none";
  if (model.get("query")) { input.value = model.get("query"); newQuery(); }
  return () => { clearInterval(tick); root.remove(); };
}
