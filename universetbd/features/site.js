// Feature atlas site (universetbd.features.site): the FeatureExplorer and ResearchLandscape front ends of the
// widgets, run in a page without a kernel. A local model stands in for the widget model: it keeps the state,
// fires the same change events, and answers the widgets' kernel calls (`card`, `tree`, `point`) and state
// changes (query, sort, page, colour) from the export's data files. Browsers refuse fetch() of local files,
// so each data file is a script (data/<name>.js calling UTBD_SITE_DATA) loaded on demand, once.
// Every data string reaches the DOM through h() / textContent (common.js), never innerHTML.

const utbdSiteFiles = new Map(); // file name -> {promise, resolve, reject, requested, done}

function utbdSiteSlot(name) {
  let s = utbdSiteFiles.get(name);
  if (!s) {
    s = { requested: false, done: false };
    s.promise = new Promise((resolve, reject) => {
      s.resolve = resolve;
      s.reject = reject;
    });
    utbdSiteFiles.set(name, s);
  }
  return s;
}

/** Called by each data file: UTBD_SITE_DATA("cards-0003", {...}). */
function UTBD_SITE_DATA(name, value) {
  const s = utbdSiteSlot(name);
  s.done = true;
  s.resolve(value);
}

/** The content of data/<name>.js, loaded once as a script. */
function utbdSiteData(name) {
  const s = utbdSiteSlot(name);
  if (!s.requested) {
    s.requested = true;
    const el = document.createElement("script");
    el.src = `data/${name}.js`;
    el.charset = "utf-8";
    el.onload = () => {
      el.remove();
      if (!s.done) s.reject(new Error(`data/${name}.js holds no data for "${name}": export the site again`));
    };
    el.onerror = () => {
      el.remove();
      s.reject(new Error(`could not read data/${name}.js: keep the site's folder whole (index.html, assets/, data/) or export it again`));
    };
    document.head.appendChild(el);
  }
  return s.promise;
}

const utbdSitePad = (i) => String(i).padStart(4, "0");

/** Bytes of a base64 string. */
function utbdSiteBytes(b64) {
  const s = atob(b64 || "");
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * A stand-in for an anywidget model: get/set/on/off/save_changes/send like the real one.
 * `onSave(keys)` sees the keys the view changed since its last save (what the kernel observes);
 * `onRequest(method, params)` answers a view's kernel call (a value or a promise).
 * `update(key, value)` is the kernel's side: it sets and announces a value without marking it changed.
 */
function utbdLocalModel(state, onSave, onRequest) {
  const handlers = new Map();
  let dirty = new Set();
  const emit = (ev, ...args) => (handlers.get(ev) || []).slice().forEach((fn) => fn(...args));
  const put = (k, v) => {
    if (Object.is(state[k], v)) return false;
    state[k] = v;
    emit(`change:${k}`, model, v);
    return true;
  };
  const model = {
    get: (k) => state[k],
    set(k, v) {
      if (put(k, v)) dirty.add(k);
    },
    update: put,
    on(ev, fn) {
      if (!handlers.has(ev)) handlers.set(ev, []);
      handlers.get(ev).push(fn);
    },
    off(ev, fn) {
      const list = handlers.get(ev) || [];
      if (fn === undefined) handlers.delete(ev);
      else handlers.set(ev, list.filter((g) => g !== fn));
    },
    save_changes() {
      const keys = dirty;
      dirty = new Set();
      if (keys.size) onSave(keys);
    },
    send(msg) {
      if (!msg || msg.kind !== "request") return;
      Promise.resolve()
        .then(() => onRequest(msg.method, msg.params || {}))
        .then((result) => emit("msg:custom", { kind: "response", id: msg.id, result }, []),
          (e) => emit("msg:custom", { kind: "response", id: msg.id, error: String((e && e.message) || e) }, []));
    },
  };
  return model;
}

/** What the explorer's kernel does (FeatureAtlas.search, brief, card, tree), answered from the data files. */
function utbdSiteAtlas(meta) {
  const n = meta.n_features;
  const labels = meta.labels;
  const lower = labels.map((l) => String(l).toLowerCase());
  const identity = Array.from({ length: n }, (_, i) => i);
  const orders = { ...meta.sorts, feature: identity };
  const rank = new Int32Array(n); // position in the density order: the briefs are stored in that order
  meta.sorts.density.forEach((f, r) => { rank[f] = r; });

  const check = (feature) => {
    const f = Number(feature);
    if (!Number.isInteger(f) || f < 0 || f >= n) throw new Error(`feature ${feature} is out of range: this SAE has features 0..${n - 1}`);
    return f;
  };
  /** Features matching `query` in `sort` order: the precomputed order of FeatureAtlas.search, filtered alike. */
  function search(query, sort) {
    if (!(sort in orders)) throw new Error(`sort must be one of ${Object.keys(orders).join(", ")}, got ${sort}`);
    const q = String(query || "").trim().toLowerCase();
    const order = orders[sort];
    if (/^#\d+$/.test(q)) {
      const f = Number(q.slice(1));
      return f < n ? [f] : [];
    }
    if (!q) return order;
    const words = q.split(/\s+/);
    return order.filter((f) => words.every((w) => lower[f].includes(w)));
  }
  async function brief(feature) {
    const r = rank[check(feature)];
    const chunk = Math.floor(r / meta.brief_chunk);
    return (await utbdSiteData(`briefs-${utbdSitePad(chunk)}`))[r - chunk * meta.brief_chunk];
  }
  async function card(feature) {
    const f = check(feature);
    const chunk = Math.floor(f / meta.card_chunk);
    const data = await utbdSiteData(`cards-${utbdSitePad(chunk)}`);
    const c = data.cards[f - chunk * meta.card_chunk];
    // the join of universetbd.features.site.unpack_card: document rows [doc, id, title, year, snippet] (or
    // [..., rest, 1] for a snippet that starts with the title), related features [feature, value]
    const doc = (r) => {
      const [d, id, title, year, rest, cut] = data.docs[r.d];
      const out = { doc: d, title, year, snippet: cut ? title + rest : rest };
      if (id !== null) out.id = id;
      if (r.act !== undefined) out.act = r.act;
      return out;
    };
    const related = (items) => items.map(([g, value]) => ({ feature: g, label: labels[g], value }));
    return { ...c, top: c.top.map(doc), zero: c.zero.map(doc), quantiles: c.quantiles.map((q) => ({ ...q, docs: q.docs.map(doc) })),
      similar: related(c.similar), dissimilar: related(c.dissimilar), cooc: related(c.cooc) };
  }
  const tree = () => utbdSiteData("tree");
  /** Document row: {row, id, title, year, category, features}. */
  async function doc(row) {
    const r = Number(row);
    if (!Number.isInteger(r) || r < 0 || r >= meta.n_docs) throw new Error(`row ${row} is out of range for ${meta.n_docs} documents`);
    const chunk = Math.floor(r / meta.doc_chunk);
    const [id, title, year, category, features] = (await utbdSiteData(`docs-${utbdSitePad(chunk)}`))[r - chunk * meta.doc_chunk];
    return { row: r, id, title, year, category, features };
  }
  let allDocs = null;
  /** Rows of the documents whose titles hold every word of `query`. */
  async function searchTitles(query) {
    const q = String(query || "").trim().toLowerCase();
    if (!q || /^#\d+$/.test(q)) return [];
    if (!allDocs) {
      const parts = await Promise.all(Array.from({ length: meta.files.docs }, (_, i) => utbdSiteData(`docs-${utbdSitePad(i)}`)));
      allDocs = parts.flat().map((d) => String(d[1] || "").toLowerCase());
    }
    const words = q.split(/\s+/);
    const rows = [];
    allDocs.forEach((t, i) => { if (words.every((w) => t.includes(w))) rows.push(i); });
    return rows;
  }
  return { n, labels, check, search, brief, card, tree, doc, searchTitles };
}

/** A document line of the site: title (two lines, whole on hover), id · year · category, its features as links. */
function utbdSiteDocRow(d, atlas, open, featuresName) {
  const row = h("div", "site-doc");
  row.dataset.row = String(d.row);
  const head = h("div", "site-doc-title clamp2");
  head.appendChild(utbdData("span", "site-text", d.title || "(no title)", ""));
  head.title = d.title || "";
  const meta = [d.id, d.year, d.category].filter((x) => x !== null && x !== undefined && x !== "");
  row.append(head, utbdMixed(h("div", "muted site-doc-meta"), meta.flatMap((x, i) => (i ? [" · ", [x]] : [[x]]))));
  if (d.features && d.features.length) {
    const links = h("div", "fc-links site-doc-features");
    links.appendChild(h("span", "muted", `${featuresName} `));
    d.features.forEach((f) => links.appendChild(utbdFeatureLink({ feature: f, label: atlas.labels[f] }, open)));
    row.appendChild(links);
  }
  return row;
}

/** A list of documents that grows by `step` rows on "more". */
function utbdSiteDocList(box, rows, atlas, open, heading, featuresName, step = 20) {
  const seq = (box._utbdSeq = (box._utbdSeq || 0) + 1);
  box.replaceChildren();
  if (!rows.length) return;
  const fold = h("details", "site-docs-fold");
  fold.open = true;
  const list = h("div", "site-doc-list");
  const more = h("button", "button site-more", "more");
  more.type = "button";
  fold.append(h("summary", "fc-section site-docs-head", heading), list, more);
  box.appendChild(fold);
  let shown = 0;
  async function grow() {
    more.disabled = true;
    const next = rows.slice(shown, shown + step);
    const docs = await Promise.all(next.map((r) => atlas.doc(r)));
    if (seq !== box._utbdSeq) return;
    docs.forEach((d) => list.appendChild(utbdSiteDocRow(d, atlas, open, featuresName)));
    shown += next.length;
    more.hidden = shown >= rows.length;
    more.disabled = false;
    box.dataset.shown = String(shown);
  }
  more.addEventListener("click", grow);
  return grow();
}

/** Build the site into `el` from the atlas data (data/atlas.js). */
async function utbdSiteStart(el) {
  const t0 = performance.now();
  const meta = await utbdSiteData("atlas");
  const atlas = utbdSiteAtlas(meta);
  const featuresName = meta.doc_features === "codes" ? "strongest features:" : "top document of:";

  const root = h("div", "root site");
  const head = h("header", "site-head");
  const title = h("h1", "site-title clamp2");
  utbdLongText(title, meta.title, "clamp2");
  const info = utbdData("div", "muted site-info", meta.summary, "clamp3");
  const tabs = h("nav", "site-tabs");
  const tabFeatures = h("button", "button site-tab-features utbd-active", "Features");
  const tabMap = h("button", "button site-tab-map", "Map");
  tabFeatures.type = tabMap.type = "button";
  tabs.appendChild(tabFeatures);
  if (meta.map) tabs.appendChild(tabMap);
  const status = h("div", "error site-status");
  status.hidden = true;
  head.append(title, info, tabs, status);
  const featuresPane = h("section", "site-features");
  const mapPane = h("section", "site-map");
  mapPane.hidden = true;
  root.append(head, featuresPane, mapPane);
  el.replaceChildren(root);
  const say = (msg) => {
    utbdLongText(status, msg || "", "clamp3");
    status.hidden = !msg;
  };

  // ---- the explorer, with FeatureExplorer's front end; its kernel is the functions below ----------------
  let results = atlas.search("", "density");
  let showSeq = 0;
  const state = { query: "", sort: "density", page: 0, page_size: 12, view: "grid", selected: -1,
    n_features: atlas.n, title: "", shown: {} };
  const nPages = () => Math.max(1, Math.ceil(results.length / state.page_size));
  async function show() {
    const seq = ++showSeq;
    const page = Math.max(0, Math.min(state.page, nPages() - 1));
    const feats = results.slice(page * state.page_size, (page + 1) * state.page_size);
    const cards = await Promise.all(feats.map((f) => atlas.brief(f)));
    if (seq !== showSeq) return;
    if (page !== state.page) model.update("page", page);
    model.update("shown", { query: state.query, sort: state.sort, page, page_size: state.page_size, n_pages: nPages(),
      n_results: results.length, cards });
  }
  const docsBox = h("div", "site-docs");
  async function searchDocs() {
    const q = state.query;
    const rows = await atlas.searchTitles(q);
    if (q !== state.query) return;
    await utbdSiteDocList(docsBox, rows, atlas, (f) => select(f),
      `${rows.length.toLocaleString()} document title${rows.length === 1 ? "" : "s"} match`, featuresName);
    docsBox.dataset.query = q;
    docsBox.dataset.count = String(rows.length);
  }
  function onSave(keys) {
    try {
      if (keys.has("query") || keys.has("sort")) {
        results = atlas.search(state.query, state.sort);
        state.page = 0;
        say("");
      }
      if (keys.has("query")) searchDocs().catch((e) => say(String(e.message || e)));
      if (keys.has("query") || keys.has("sort") || keys.has("page") || keys.has("page_size")) show().catch((e) => say(String(e.message || e)));
      if (keys.has("selected")) followSelected();
    } catch (e) {
      say(String(e.message || e));
    }
  }
  function onRequest(method, params) {
    if (method === "card") return atlas.card(params.feature);
    if (method === "tree") return atlas.tree();
    throw new Error(`the site has no call ${method}`);
  }
  const model = utbdLocalModel(state, onSave, onRequest);
  await show();
  renderExplorer({ model, el: featuresPane });
  featuresPane.querySelector(".utbd-fx-toolbar")?.after(docsBox);
  const searchBox = featuresPane.querySelector(".utbd-fx-search");
  if (searchBox) searchBox.placeholder = "Search labels and document titles (or #123)…";
  const select = (f) => {
    showTab("features");
    model.set("selected", f);
    model.save_changes();
  };

  // ---- a URL fragment per feature: #feature-12 opens its card, and a link to it can be shared -----------
  function followSelected() {
    const f = state.selected;
    const want = f >= 0 ? `#feature-${f}` : "";
    if (location.hash !== want && !(want === "" && location.hash === "#")) {
      if (want) location.hash = want;
      else history.replaceState(null, "", location.href.split("#")[0]);
    }
    highlightCard(f);
  }
  function fromHash() {
    const m = /^#feature-(\d+)$/.exec(location.hash);
    if (!m) return;
    const f = Number(m[1]);
    if (f >= atlas.n) {
      say(`there is no feature ${f} in this atlas (features 0..${atlas.n - 1})`);
      return;
    }
    say("");
    if (f !== state.selected) select(f);
  }
  window.addEventListener("hashchange", fromHash);

  // ---- the map, with ResearchLandscape's front end; loaded when first shown ----------------------------
  let mapModel = null;
  let mapReady = null;
  const selBox = h("div", "site-docs site-map-docs");
  function showTab(name) {
    featuresPane.hidden = name !== "features";
    mapPane.hidden = name !== "map";
    tabFeatures.classList.toggle("utbd-active", name === "features");
    tabMap.classList.toggle("utbd-active", name === "map");
    root.dataset.tab = name;
    if (name === "map" && meta.map && !mapReady) mapReady = openMap().catch((e) => say(String(e.message || e)));
  }
  async function openMap() {
    const m = await utbdSiteData("map");
    const opts = m.options;
    const colors = (k) => {
      const o = opts[k];
      return { codes: utbdSiteBytes(o.codes), code_bytes: o.code_bytes, palette: o.palette, legend: o.legend };
    };
    const mstate = { xy: new Float32Array(utbdSiteBytes(m.xy).buffer), n_points: m.n_points, ...colors(m.color_by),
      color_by: m.color_by, color_options: Object.keys(opts), highlighted: [], selected: [], title: m.title || "",
      message: "", height: 560, point_size: m.n_points > 20000 ? 1.5 : 2 };
    mapModel = utbdLocalModel(mstate, (keys) => {
      if (keys.has("color_by")) {
        const k = mstate.color_by;
        if (k in opts) {
          const c = colors(k);
          mapModel.update("message", "");
          for (const key of ["code_bytes", "codes", "palette", "legend"]) mapModel.update(key, c[key]);
        } else mapModel.update("message", `this site has no colouring ${k}: choose ${Object.keys(opts).join(", ")}`);
      }
      if (keys.has("selected")) {
        const rows = mstate.selected;
        utbdSiteDocList(selBox, rows, atlas, (f) => select(f),
          `${rows.length.toLocaleString()} selected document${rows.length === 1 ? "" : "s"}`, featuresName)
          ?.catch((e) => say(String(e.message || e)));
      }
    }, async (method, params) => {
      if (method !== "point") throw new Error(`the site has no call ${method}`);
      const d = await atlas.doc(params.row);
      return { row: d.row, id: d.id, title: d.title, year: d.year, category: d.category, value: null };
    });
    mapPane.replaceChildren(mapHint);
    const holder = h("div", "site-map-holder");
    mapPane.append(holder, selBox);
    renderLandscape({ model: mapModel, el: holder });
    highlightCard(state.selected);
  }
  const mapHint = h("div", "muted site-map-hint clamp2");
  let hlSeq = 0;
  async function highlightCard(f) {
    const seq = ++hlSeq;
    if (!mapModel) return;
    const rows = f >= 0 ? (await atlas.card(f)).top.map((d) => d.doc) : [];
    if (seq !== hlSeq) return;
    mapModel.update("highlighted", rows);
    utbdMixed(mapHint, f >= 0 ? [`Red: the top documents of #${f} `, [atlas.labels[f]]] : ["Open a feature to see its top documents here (red)."]);
  }
  tabFeatures.addEventListener("click", () => showTab("features"));
  tabMap.addEventListener("click", () => showTab("map"));

  showTab("features");
  fromHash();
  root.dataset.ready = "1";
  root.dataset.openMs = (performance.now() - t0).toFixed(1);
  window.utbdSite = { atlas, model, get mapModel() { return mapModel; }, showTab };
  return root;
}

document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("utbd-site");
  utbdSiteStart(el).catch((e) => {
    const msg = h("div", "error site-status", `The atlas could not be opened: ${e.message || e}`);
    el.replaceChildren(msg);
  });
});
