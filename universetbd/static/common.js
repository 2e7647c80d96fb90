// Shared helpers prepended to every universetbd widget's ES module (see universetbd.widgets.Widget).
// The escaping rule: text from data only ever reaches the DOM through textContent or attribute
// setters, never through innerHTML.
const UTBD_PREFIX = "utbd";

/** Prefix each space-separated class name with the package's CSS prefix. */
function utbdClass(names) {
  return (names || "").split(/\s+/).filter(Boolean).map((c) => `${UTBD_PREFIX}-${c}`).join(" ");
}

/** Create an element with prefixed classes and (escaped) text content. */
function h(tag, cls, text) {
  const el = document.createElement(tag);
  if (cls) el.className = utbdClass(cls);
  if (text !== undefined && text !== null) el.textContent = String(text);
  return el;
}

/** Request/response calls to the kernel over custom messages; returns call(method, params). */
function utbdRpc(model) {
  let next = 0;
  const pending = new Map();
  model.on("msg:custom", (msg, buffers) => {
    if (!msg || msg.kind !== "response" || !pending.has(msg.id)) return;
    const { resolve, reject } = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) reject(new Error(msg.error));
    else resolve({ result: msg.result, buffers });
  });
  return (method, params) =>
    new Promise((resolve, reject) => {
      const id = `${Date.now()}-${next++}`;
      pending.set(id, { resolve, reject });
      model.send({ kind: "request", id, method, params: params || {} });
    });
}

/** Format a number compactly for display. */
function utbdFmt(x, digits = 3) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return x.toExponential(2);
  const s = Number(x).toPrecision(digits);  // trailing zeros go after a decimal point only: 10 stays "10"
  return s.includes(".") && !s.includes("e") ? s.replace(/\.?0+$/, "") : s;
}

/** Show a string from data in `el`, the package's one way: cut by CSS (`cls`: clamp2/clamp3 lines, ellipsis on one
 * line, or scroll inside a box no taller than 12 lines), the whole text in the title attribute (on hover), and isolated
 * for direction (utbd-data: unicode-bidi isolate, dir="auto"): a right-to-left override or markup in the data cannot
 * reorder or change the widget's own text around it. */
function utbdLongText(el, text, cls = "clamp2") {
  el.textContent = text === undefined || text === null ? "" : String(text);
  el.classList.add(...utbdClass(`data ${cls || ""}`).split(" "));
  el.dir = "auto";
  if (el.textContent.length > 40) el.title = el.textContent;
  else el.removeAttribute("title");
  return el;
}

/** A new element holding a string from data (see utbdLongText): utbdData("span", "fc-label", label, "ellipsis"). */
function utbdData(tag, cls, text, clamp = "clamp2") {
  return utbdLongText(h(tag, cls), text, clamp);
}

/** Fill `el` with a line that mixes the widget's own text and strings from data: `parts` are strings (own text) or
 * one-element arrays `[text]` (from data: each in its own isolated element, cut by `clamp`, whole on hover). */
function utbdMixed(el, parts, clamp = "ellipsis") {
  el.replaceChildren(...parts.map((p) => (Array.isArray(p) ? utbdData("span", "", p[0], clamp) : document.createTextNode(String(p)))));
  return el;
}

/** `text` cut to at most `n` characters with "…" (for <option> and other places CSS cannot cut). */
function utbdCut(text, n = 80) {
  const t = text === undefined || text === null ? "" : String(text);
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}
