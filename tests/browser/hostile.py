"""Checks for widgets holding hostile text (used by test_long_text.py): the widget keeps its size, nothing scrolls sideways,
no element from data, and the widget's own text reads left to right whatever the data around it."""

# Every text node of `el`: those without bidi controls or right-to-left letters (the widget's own text, plain data) must
# render in reading order, left to right on each line, and so must the text after the last isolate end (U+2069) of a
# node that holds one (a chart title: data, then the chart's own words). A node that holds a right-to-left override
# (U+202E) must sit in an element isolated for direction. Returns a list of problems.
READS_LTR = r"""el => {
  const bad = [], CTRL = /[\u202a-\u202e\u2066-\u2069\u200f\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]/;
  const isolated = (e) => { for (; e && e !== el.parentElement; e = e.parentElement) {
      const s = getComputedStyle(e);
      if (["isolate", "isolate-override", "plaintext"].includes(s.unicodeBidi) || e.tagName === "BDI") return true;
      if (s.display !== "inline" && s.display !== "contents" && e.parentElement && e.textContent.trim() === e.firstChild?.textContent?.trim()) return true;
    } return false; };
  const boxes = (node, from, to) => {
    const out = [], p = node.parentElement;
    const svg = p instanceof SVGTextContentElement ? p : null;
    for (let i = from; i < to; i++) {
      if (/\s/.test(node.data[i])) continue;
      let r = null;
      if (svg) { try { const b = svg.getExtentOfChar(i); r = { left: b.x, top: b.y, w: b.width }; } catch (e) { r = null; } }
      else { const rg = document.createRange(); rg.setStart(node, i); rg.setEnd(node, i + 1);
             const rs = rg.getClientRects(); if (rs.length) r = { left: rs[0].left, top: rs[0].top, w: rs[0].width }; }
      if (r && r.w > 0) out.push([i, r]);
    }
    return out;
  };
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let budget = 6000;
  for (let node = walker.nextNode(); node && budget > 0; node = walker.nextNode()) {
    const t = node.data;
    if (t.includes("\u202e") && !node.parentElement.closest("svg") && !isolated(node.parentElement))
      bad.push(`not isolated: <${node.parentElement.tagName.toLowerCase()} class="${node.parentElement.className}"> ${JSON.stringify(t.slice(0, 60))}`);
    let from = 0;
    if (CTRL.test(t)) { const k = t.lastIndexOf("\u2069"); if (k < 0) continue; from = k + 1; }
    const to = Math.min(t.length, from + 80);
    if (to - from < 2) continue;
    budget -= to - from;
    const bs = boxes(node, from, to);
    for (let j = 1; j < bs.length; j++) {
      const [, a] = bs[j - 1], [i, b] = bs[j];
      if (Math.abs(a.top - b.top) < 3 && b.left < a.left - 0.5) {
        bad.push(`reads right to left at ${i}: ${JSON.stringify(t.slice(from, to))} in <${node.parentElement.tagName.toLowerCase()} class="${node.parentElement.className?.baseVal ?? node.parentElement.className}">`);
        break;
      }
    }
  }
  if (getComputedStyle(el).direction !== "ltr") bad.push(`the widget's direction is ${getComputedStyle(el).direction}`);
  return bad;
}"""


def height(locator) -> float:
    return locator.evaluate("e => e.getBoundingClientRect().height")


def reads_ltr(locator, name):
    bad = locator.evaluate(READS_LTR)
    assert not bad, f"{name}: the widget's own text is reordered by data:\n" + "\n".join(bad[:8])
