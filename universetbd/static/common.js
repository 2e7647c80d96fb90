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
  return Number(x).toPrecision(digits).replace(/\.?0+$/, "");
}

/** Show `text` in `el`, cut by CSS (a utbd-clamp2/3 or utbd-ellipsis class), with the full text on hover. */
function utbdLongText(el, text, cls = "clamp2") {
  el.textContent = text === undefined || text === null ? "" : String(text);
  el.classList.add(...utbdClass(cls).split(" "));
  if (el.textContent.length > 40) el.title = el.textContent;
  else el.removeAttribute("title");
  return el;
}
