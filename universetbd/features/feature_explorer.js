// FeatureExplorer: type-ahead search over feature labels, sorting, a paged grid of compact cards,
// a family tree, and the full card of the selected feature (drawn by feature_card.js's utbdDrawCard).
// The kernel filters and orders the features and sends the compact cards of the page on screen
// (the synced `shown`); full cards and the tree are fetched by RPC when shown.
function renderExplorer({ model, el }) {
  const call = utbdRpc(model);
  const root = h("div", "root feature-explorer");
  const title = h("div", "title fx-title clamp2");
  const bar = h("div", "fx-toolbar");
  const search = h("input", "fx-search");
  search.type = "search";
  search.placeholder = "Search labels (or #123)…";
  search.setAttribute("aria-label", "search feature labels");
  search.value = model.get("query");
  const sort = h("select", "fx-sort");
  [["density", "sort: density"], ["score", "sort: score"], ["clean", "sort: clean first"], ["family", "sort: family"],
    ["feature", "sort: feature #"]]
    .forEach(([v, t]) => {
      const o = h("option", "", t);
      o.value = v;
      sort.appendChild(o);
    });
  sort.value = model.get("sort");
  const gridBtn = h("button", "button fx-view-grid", "Cards");
  const treeBtn = h("button", "button fx-view-tree", "Family tree");
  gridBtn.type = treeBtn.type = "button";
  const prev = h("button", "button fx-prev", "‹");
  const next = h("button", "button fx-next", "›");
  prev.type = next.type = "button";
  const info = h("span", "muted fx-info", "loading…");
  const pager = h("span", "fx-pager");  // pages of the card grid (hidden in the tree view)
  pager.append(prev, info, next);
  bar.append(search, sort, gridBtn, treeBtn, pager);
  const main = h("div", "fx-main");
  const grid = h("div", "fx-grid");
  const tree = h("div", "fx-tree");
  const detail = h("div", "fx-detail");
  const detailNav = h("div", "fc-nav");
  const backBtn = h("button", "button fc-back", "← back");
  backBtn.type = "button";
  backBtn.disabled = true;
  const closeBtn = h("button", "button fx-close", "close");
  closeBtn.type = "button";
  detailNav.append(backBtn, closeBtn);
  const detailBody = h("div", "fc-body");
  detail.append(detailNav, detailBody);
  main.append(grid, tree, detail);
  root.append(title, bar, main);
  el.appendChild(root);

  const select = (f) => {
    model.set("selected", f);
    model.save_changes();
  };
  const loader = utbdCardLoader(call, detailBody, backBtn, select);
  let treeLoaded = false;

  // The kernel filters and orders (FeatureAtlas.search) and sends the page to draw as `shown`:
  // {query, sort, page, page_size, n_pages, n_results, cards}. The browser only draws it.
  const pending = () => {
    const s = model.get("shown") || {};
    return s.query !== model.get("query") || s.sort !== model.get("sort") || s.page !== model.get("page")
      || s.page_size !== model.get("page_size");
  };
  function drawWaiting() {
    root.classList.toggle("utbd-fx-pending", pending());
  }

  function drawPage() {
    const s = model.get("shown") || {};
    const cards = s.cards || [];
    const pages = Math.max(1, s.n_pages || 1);
    const page = s.page || 0;
    info.textContent = `${s.n_results ?? 0} of ${model.get("n_features")} features · page ${page + 1}/${pages}`;
    prev.disabled = page <= 0;
    next.disabled = page >= pages - 1;
    grid.replaceChildren(...cards.map(briefCard));
    if (!cards.length) grid.appendChild(h("div", "muted fx-empty", "No feature label matches."));
    root.dataset.query = s.query ?? "";
    root.dataset.sort = s.sort ?? "";
    root.dataset.page = String(page);
    root.dataset.ready = "1";
    drawWaiting();
  }

  function briefCard(b) {
    const c = h("div", "fx-card");
    c.dataset.feature = String(b.feature);
    c.tabIndex = 0;
    if (b.feature === model.get("selected")) c.classList.add("utbd-selected");
    const head = h("div", "fx-card-head");
    head.title = `#${b.feature} ${b.label}`;
    head.appendChild(h("span", "fc-num", `#${b.feature}`));
    head.appendChild(utbdData("span", "fx-card-label", ` ${b.label}`, ""));
    c.appendChild(head);
    const st = h("div", "muted fx-card-stats");
    st.appendChild(h("span", "", `density ${utbdFmt(b.density, 2)} · `));
    st.appendChild(utbdScore(b));
    c.appendChild(st);
    c.appendChild(utbdHist(b.hist, 160, 26));
    const ul = h("ul", "fx-card-top");
    b.top.forEach((t) => {
      const li = utbdData("li", "", t.title, "");
      li.title = t.title || "";
      ul.appendChild(li);
    });
    c.appendChild(ul);
    c.addEventListener("click", () => select(b.feature));
    c.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter") select(b.feature);
    });
    return c;
  }

  function treeNode(node) {
    const d = h("details", "fx-fam");
    d.open = true;
    const s = h("summary", "fx-fam-head");
    const p = utbdFeatureLink({ feature: node.parent, label: node.label }, select);
    s.appendChild(p);
    s.appendChild(utbdMixed(h("span", "muted"), [` ${node.size} children`, ...(node.name ? [" · ", [node.name]] : [])]));
    d.appendChild(s);
    const kids = h("div", "fc-links fx-fam-children");
    node.children.forEach((it) => kids.appendChild(utbdFeatureLink(it, select, "density")));
    d.appendChild(kids);
    node.sub.forEach((sub) => d.appendChild(treeNode(sub)));
    return d;
  }

  async function drawTree() {
    if (treeLoaded) return;
    treeLoaded = true;
    tree.replaceChildren(h("div", "muted", "loading families…"));
    try {
      // {families: [...], why: "..."}: why there are none, when there are none
      const { result } = await call("tree", {});
      const fams = result.families || [];
      if (fams.length) tree.replaceChildren(h("div", "muted", `${fams.length} top-level families`));
      else tree.replaceChildren(h("div", "muted fx-no-families", result.why || "no families"));
      fams.forEach((n) => tree.appendChild(treeNode(n)));
    } catch (e) {
      treeLoaded = false;
      tree.replaceChildren(h("div", "error", String(e.message || e)));
    }
  }

  function drawView() {
    const v = model.get("view");
    grid.style.display = v === "tree" ? "none" : "";
    tree.style.display = v === "tree" ? "" : "none";
    pager.style.display = v === "tree" ? "none" : "";
    gridBtn.classList.toggle("utbd-active", v !== "tree");
    treeBtn.classList.toggle("utbd-active", v === "tree");
    if (v === "tree") drawTree();
  }

  function drawSelected() {
    const f = model.get("selected");
    detail.style.display = f >= 0 ? "" : "none";
    root.classList.toggle("utbd-fx-has-detail", f >= 0);
    grid.querySelectorAll(".utbd-fx-card").forEach((c) =>
      c.classList.toggle("utbd-selected", Number(c.dataset.feature) === f));
    if (f >= 0) loader.load(f);
  }

  function drawTitle() {
    utbdLongText(title, model.get("title") || "", "clamp2");
    title.style.display = model.get("title") ? "" : "none";
  }

  let typing = null;
  search.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      model.set("query", search.value);
      model.set("page", 0);
      model.save_changes();
    }, 120);
  });
  sort.addEventListener("change", () => {
    model.set("sort", sort.value);
    model.set("page", 0);
    model.save_changes();
  });
  const setView = (v) => {
    model.set("view", v);
    model.save_changes();
  };
  gridBtn.addEventListener("click", () => setView("grid"));
  treeBtn.addEventListener("click", () => setView("tree"));
  const turn = (k) => {
    model.set("page", Math.max(0, model.get("page") + k));
    model.save_changes();
  };
  prev.addEventListener("click", () => turn(-1));
  next.addEventListener("click", () => turn(1));
  backBtn.addEventListener("click", () => {
    const f = loader.back();
    if (f !== null) select(f);
  });
  closeBtn.addEventListener("click", () => select(-1));

  model.on("change:query", () => {
    if (search.value !== model.get("query")) search.value = model.get("query");
    drawWaiting();
  });
  model.on("change:sort", () => {
    sort.value = model.get("sort");
    drawWaiting();
  });
  model.on("change:page", drawWaiting);
  model.on("change:page_size", drawWaiting);
  model.on("change:shown", drawPage);
  model.on("change:n_features", drawPage);
  model.on("change:view", drawView);
  model.on("change:selected", drawSelected);
  model.on("change:title", drawTitle);

  drawTitle();
  drawView();
  drawSelected();
  drawPage();
  return () => {
    clearTimeout(typing);
    root.remove();
  };
}
