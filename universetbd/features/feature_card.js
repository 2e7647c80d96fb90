// FeatureCard: the card of one SAE feature. The drawing functions (utbdDrawCard and helpers) are
// reused by feature_explorer.js. Every data string goes through h() (textContent), never innerHTML.
const UTBD_SVG = "http://www.w3.org/2000/svg";

/** Activation histogram as SVG bars (counts of positive activations in equal bins from 0 to max). */
function utbdHist(counts, width = 200, height = 40) {
  const svg = document.createElementNS(UTBD_SVG, "svg");
  svg.setAttribute("class", utbdClass("fc-hist"));
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const m = Math.max(1, ...counts);
  const bw = width / Math.max(1, counts.length);
  counts.forEach((c, i) => {
    if (!c) return;
    const r = document.createElementNS(UTBD_SVG, "rect");
    const bh = Math.max(1, (height * c) / m);
    r.setAttribute("x", String(i * bw));
    r.setAttribute("y", String(height - bh));
    r.setAttribute("width", String(Math.max(1, bw - 1)));
    r.setAttribute("height", String(bh));
    const t = document.createElementNS(UTBD_SVG, "title");
    t.textContent = `${c} documents`;
    r.appendChild(t);
    svg.appendChild(r);
  });
  return svg;
}

/** Score line: F1 and r of the label, and a "clean" chip. */
function utbdScore(c) {
  const el = h("span", "fc-score");
  if (c.f1 === null || c.f1 === undefined) {
    el.appendChild(h("span", "muted", "not scored"));
    return el;
  }
  el.appendChild(h("span", "", `F1 ${utbdFmt(c.f1, 2)} · r ${utbdFmt(c.r, 2)}`));
  if (c.clean) el.appendChild(h("span", "chip fc-clean", "clean"));
  return el;
}

/** A clickable chip for a related feature: "#12 label (value)". */
function utbdFeatureLink(item, onOpen, valueName) {
  const b = h("button", "chip fc-link");
  b.type = "button";
  b.dataset.feature = String(item.feature);
  b.appendChild(h("span", "fc-num", `#${item.feature}`));
  b.appendChild(utbdData("span", "fc-link-label", ` ${item.label}`, ""));
  b.title = `#${item.feature} ${item.label}`;  // the chip ends in an ellipsis; the full label on hover
  if (item.value !== null && item.value !== undefined) {
    b.appendChild(h("span", "muted", ` ${utbdFmt(item.value, 2)}`));
    if (valueName) b.title += ` · ${valueName} ${utbdFmt(item.value, 3)}`;
  }
  b.addEventListener("click", (ev) => {
    ev.stopPropagation();
    onOpen(item.feature);
  });
  return b;
}

/** One document row: activation bar, title, year and snippet. */
function utbdDocRow(d, maxAct) {
  const row = h("div", "fc-doc");
  const bar = h("div", "fc-bar");
  const fill = h("span");
  const w = d.act && maxAct > 0 ? Math.max(2, (100 * d.act) / maxAct) : 0;
  fill.style.width = `${w.toFixed(0)}%`;
  bar.appendChild(fill);
  bar.title = d.act !== undefined && d.act !== null ? `activation ${utbdFmt(d.act, 3)}` : "zero";
  const body = h("div", "fc-doc-body");
  // the title (from data) is cut after two lines in its own box; the year and activation beside it stay in view
  const head = h("div", "fc-doc-head");
  head.appendChild(utbdData("span", "fc-doc-title", d.title, "clamp2"));
  head.lastChild.title = d.title || "";
  if (d.year !== null && d.year !== undefined) head.appendChild(h("span", "muted fc-year", ` ${d.year}`));
  if (d.act !== null && d.act !== undefined) head.appendChild(h("span", "muted fc-act", ` · ${utbdFmt(d.act, 3)}`));
  body.appendChild(head);
  body.appendChild(utbdData("div", "fc-snippet", d.snippet, ""));
  row.append(bar, body);
  return row;
}

function utbdSection(title, count) {
  const s = h("div", "fc-section", title);
  if (count !== undefined) s.appendChild(h("span", "muted", ` (${count})`));
  return s;
}

/** Draw a full card (dict from FeatureAtlas.card) into container; onOpen(feature) opens another card. */
function utbdDrawCard(container, c, onOpen) {
  const card = h("div", "fc-card");
  card.dataset.feature = String(c.feature);
  const head = h("div", "fc-head clamp3");
  head.title = `#${c.feature} ${c.label}`;
  head.appendChild(h("span", "fc-num", `#${c.feature}`));
  head.appendChild(utbdData("span", "fc-label", c.label, ""));
  card.appendChild(head);
  const stats = h("div", "fc-stats");
  stats.appendChild(utbdScore(c));
  stats.appendChild(h("span", "", ` · density ${utbdFmt(c.density, 3)} (${c.n_active}/${c.n_docs} docs)`));
  stats.appendChild(h("span", "muted", ` · mean ${utbdFmt(c.mean_act, 3)} · max ${utbdFmt(c.max_act, 3)}`));
  card.appendChild(stats);
  const hist = h("div", "fc-hist-wrap");
  hist.appendChild(utbdHist(c.hist));
  hist.appendChild(h("div", "muted fc-axis", `0 … ${utbdFmt(c.max_act, 3)}`));
  card.appendChild(hist);

  const cols = h("div", "fc-cols");
  const left = h("div", "fc-col");
  const right = h("div", "fc-col fc-side");
  const maxAct = c.max_act || 1;
  left.appendChild(utbdSection("Top documents", c.top.length));
  c.top.forEach((d) => left.appendChild(utbdDocRow(d, maxAct)));
  const q = h("details", "fc-quantiles");
  q.appendChild(h("summary", "fc-section", "Quantile samples"));
  c.quantiles.forEach((b) => {
    if (!b.docs.length) return;
    q.appendChild(h("div", "muted fc-band", b.band));
    b.docs.forEach((d) => q.appendChild(utbdDocRow(d, maxAct)));
  });
  left.appendChild(q);
  const z = h("details", "fc-zero");
  z.appendChild(h("summary", "fc-section", "Documents where it is zero"));
  c.zero.forEach((d) => z.appendChild(utbdDocRow(d, maxAct)));
  left.appendChild(z);

  const fam = c.families || { parent_of: [], child_of: [] };
  if (fam.child_of.length || fam.parent_of.length) {
    right.appendChild(utbdSection("Family"));
    const box = h("div", "fc-family");
    fam.child_of.forEach((f) => {
      const line = h("div", "fc-fam-line");
      line.appendChild(h("span", "muted", "parent "));
      line.appendChild(utbdFeatureLink(f.parent, onOpen));
      if (f.name) line.appendChild(utbdLongText(h("span", "muted"), ` ${f.name}`, "clamp2"));
      box.appendChild(line);
    });
    fam.parent_of.forEach((f) => {
      const line = h("div", "fc-fam-line");
      line.appendChild(utbdLongText(h("div", "muted"), `children${f.name ? " · " + f.name : ""}`, "clamp2"));
      const list = h("div", "fc-links fc-children");
      f.children.forEach((it) => list.appendChild(utbdFeatureLink(it, onOpen)));
      line.appendChild(list);
      box.appendChild(line);
    });
    right.appendChild(box);
  }
  [["Most similar (decoder cosine)", c.similar, "cosine", "fc-similar"],
   ["Co-occurring (Jaccard)", c.cooc, "Jaccard", "fc-cooc"],
   ["Least similar", c.dissimilar, "cosine", "fc-dissimilar"]].forEach(([title, items, vn, cls]) => {
    right.appendChild(utbdSection(title));
    const list = h("div", `fc-links ${cls}`);
    items.forEach((it) => list.appendChild(utbdFeatureLink(it, onOpen, vn)));
    if (!items.length) list.appendChild(h("span", "muted", "none"));
    right.appendChild(list);
  });
  cols.append(left, right);
  card.appendChild(cols);
  container.replaceChildren(card);
  return card;
}

/** Fetch and draw cards with a back-history. onOpen(feature) is called when a link is clicked. */
function utbdCardLoader(call, body, backBtn, onOpen) {
  const history = [];
  let shown = null;
  let token = 0;
  let goingBack = false;
  async function load(f) {
    const mine = ++token;
    if (shown !== null && shown !== f && !goingBack) history.push(shown);
    goingBack = false;
    body.replaceChildren(h("div", "muted", `loading feature #${f} …`));
    try {
      const { result } = await call("card", { feature: f });
      if (mine !== token) return;
      utbdDrawCard(body, result, onOpen);
      shown = f;
    } catch (e) {
      if (mine === token) body.replaceChildren(h("div", "error", String(e.message || e)));
    }
    if (backBtn) backBtn.disabled = history.length === 0;
  }
  function back() {
    if (!history.length) return null;
    goingBack = true;
    return history.pop();
  }
  return { load, back };
}

function render({ model, el }) {
  const call = utbdRpc(model);
  const root = h("div", "root feature-card");
  const nav = h("div", "fc-nav");
  const backBtn = h("button", "button fc-back", "← back");
  backBtn.type = "button";
  backBtn.disabled = true;
  nav.appendChild(backBtn);
  nav.appendChild(h("span", "muted", ` feature card · ${model.get("n_features")} features`));
  const body = h("div", "fc-body");
  root.append(nav, body);
  el.appendChild(root);
  // a click on a related feature goes through the model, so Python sees `feature` change
  const setFeature = (f) => {
    model.set("feature", f);
    model.save_changes();
  };
  const loader = utbdCardLoader(call, body, backBtn, setFeature);
  backBtn.addEventListener("click", () => {
    const f = loader.back();
    if (f !== null) setFeature(f);
  });
  model.on("change:feature", () => loader.load(model.get("feature")));
  loader.load(model.get("feature"));
  return () => root.remove();
}
