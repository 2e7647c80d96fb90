"""Every widget holds any text: 5,000-character labels and titles, 3,000-character unbroken words and hostile HTML
(fixture long_text.ipynb) never make a widget, its output area or a scroll pane inside it scroll sideways, live in
JupyterLab or as a static snapshot (ten widgets and charts) opened on its own; no script runs from data. Also: features sharing a label are
told apart, the search box says so on a blank query and clears old status lines, and the explorer's family tree
without families hides the pager and says why."""
from playwright.sync_api import expect

from .conftest import ARTIFACTS
from .hostile import height, reads_ltr

# Elements that should never scroll sideways: the element itself, its output area, and every scroll pane inside it.
# (Elements that clip with an ellipsis, overflow: hidden, are meant to be wider inside and are not checked.)
_SIDEWAYS = """el => {
  const bad = [];
  const check = (e, what) => {
    if (e.scrollWidth > e.clientWidth + 1) bad.push(`${what} <${e.tagName.toLowerCase()} class="${e.className?.baseVal ?? e.className}"> scrollWidth ${e.scrollWidth} > clientWidth ${e.clientWidth}`);
  };
  check(el, "root");
  const out = el.closest(".jp-OutputArea-output");
  if (out) check(out, "output area");
  el.querySelectorAll("*").forEach((e) => {
    const s = getComputedStyle(e);
    if (["auto", "scroll"].includes(s.overflowX) && e.clientWidth > 0) check(e, "scroll pane");
  });
  if (bad.length) {  // name the widest elements, to say what stretched it
    const w = el.clientWidth;
    [...el.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().width > w + 1)
      .slice(-3).forEach((e) => bad.push(`  too wide: <${e.tagName.toLowerCase()} class="${e.className?.baseVal ?? e.className}"> ${Math.round(e.getBoundingClientRect().width)} px`));
  }
  return bad;
}"""


def _no_sideways(locator, name):
    bad = locator.evaluate(_SIDEWAYS)
    assert not bad, f"{name} scrolls sideways:\n" + "\n".join(bad)


def _no_elements_from_data(root):
    assert root.locator("img").count() == 0
    assert root.locator("script").count() == 0


def test_long_text_live(notebook):
    nb = notebook("long_text.ipynb")
    nb.run_all(timeout=240_000)
    out = lambda i: nb.cell_output(i)

    # ChoiceList: long items and title wrap inside the list
    cl = out(1).locator(".utbd-root.utbd-choice-list")
    expect(cl.locator(".utbd-choice-item")).to_have_count(4, timeout=60_000)
    _no_sideways(cl, "ChoiceList")
    nb.screenshot("long_text_choice_list", cl)

    # FeatureExplorer: grid and the detail pane of feature 0 (5,000-character label, long titles, long-word snippet)
    ex = out(2).locator(".utbd-root.utbd-feature-explorer")
    expect(ex).to_have_attribute("data-ready", "1", timeout=60_000)
    detail = ex.locator('.utbd-fx-detail .utbd-fc-card[data-feature="0"]')
    expect(detail).to_be_visible(timeout=30_000)
    # the document starting with a 3,000-character word keeps a (cut) snippet, not an empty one
    snippets = detail.locator(".utbd-fc-snippet").evaluate_all("els => els.map(e => e.textContent)")
    assert any(s.startswith("A WWWW") and s.endswith("…") and len(s) > 200 for s in snippets), snippets[:3]
    assert all(s.strip() for s in snippets)
    # a long title is shown in full on hover
    head = ex.locator('.utbd-fx-card[data-feature="0"] .utbd-fx-card-head')
    assert len(head.get_attribute("title")) > 5000
    _no_sideways(ex, "FeatureExplorer (grid + detail)")
    _no_elements_from_data(ex)
    nb.screenshot("long_text_explorer_detail", ex)
    # features sharing a label are told apart by their numbers, on cards and links
    ex.locator(".utbd-fx-search").fill("shared label")
    expect(ex).to_have_attribute("data-query", "shared label", timeout=15_000)
    heads = ex.locator(".utbd-fx-grid .utbd-fx-card-head").all_inner_texts()
    assert len(heads) == 8 and len(set(heads)) == 8, heads
    # family tree with long labels
    ex.locator(".utbd-fx-view-tree").click()
    expect(ex.locator(".utbd-fx-tree .utbd-fx-fam").first).to_be_visible(timeout=15_000)
    expect(ex.locator(".utbd-fx-pager")).to_be_hidden()
    _no_sideways(ex, "FeatureExplorer (tree + detail)")
    nb.screenshot("long_text_explorer_tree", ex)

    # FeatureCard of feature 0
    card = out(3).locator(".utbd-root.utbd-feature-card")
    expect(card.locator('.utbd-fc-card[data-feature="0"]')).to_be_visible(timeout=30_000)
    nb.screenshot("long_text_feature_card", card)
    card.locator("details").evaluate_all("els => els.forEach(d => d.open = true)")  # quantile and zero documents too
    _no_sideways(card, "FeatureCard")
    _no_elements_from_data(card)

    # Explorer without families, tree view: no pager, a message that says why
    bare = out(4).locator(".utbd-root.utbd-feature-explorer")
    expect(bare.locator(".utbd-fx-tree")).to_contain_text("no families", timeout=30_000)
    expect(bare.locator(".utbd-fx-pager")).to_be_hidden()
    expect(bare.locator(".utbd-fx-info")).to_be_hidden()
    nb.screenshot("long_text_explorer_no_families", bare)

    # SearchBox: long/hostile labels on chips, a long title and a long-word snippet
    box = out(5).locator(".utbd-root.utbd-search-box")
    query = next(t for t in nb.output_text(5) if "QUERY=" in t).split("QUERY=")[1].splitlines()[0]
    box.locator(".utbd-sb-query").fill(query)
    box.locator(".utbd-sb-go").click()
    expect(box.locator(".utbd-sb-result").first).to_be_visible(timeout=60_000)
    expect(box.locator(".utbd-sb-feature").first).to_be_visible()
    box.locator(".utbd-sb-add-input").fill("shared")
    sugg = box.locator(".utbd-sb-suggestion")
    expect(sugg.first).to_be_visible(timeout=15_000)
    texts = sugg.all_inner_texts()
    assert len(texts) > 1 and len(set(texts)) == len(texts), f"suggestions look the same: {texts}"
    sugg.nth(0).click()
    box.locator(".utbd-sb-add-input").fill("shared")
    expect(sugg.first).to_be_visible(timeout=15_000)
    sugg.nth(1).click()
    chips = box.locator(".utbd-sb-feature").all_inner_texts()
    assert len(set(chips)) == len(chips), f"feature chips look the same: {chips}"
    box.locator(".utbd-sb-add-input").fill("dark matter")  # the 5,000-character label as a suggestion
    expect(sugg.first).to_be_visible(timeout=15_000)
    _no_sideways(box, "SearchBox")
    _no_elements_from_data(box)
    nb.screenshot("long_text_search_box", box)

    # SearchBox status: a blank query says so and runs nothing; a new search clears "thank you, logged"
    searches = box.get_attribute("data-searches")
    box.locator(".utbd-sb-feedback-text").fill("very useful")
    box.locator(".utbd-sb-feedback-send").click()
    expect(box.locator(".utbd-sb-feedback-status")).to_contain_text("logged", timeout=15_000)
    box.locator(".utbd-sb-query").fill("   ")
    box.locator(".utbd-sb-go").click()
    expect(box.locator(".utbd-sb-status")).to_contain_text("type a query first")
    assert box.get_attribute("data-searches") == searches
    box.locator(".utbd-sb-query").fill(query)
    box.locator(".utbd-sb-query").press("Enter")
    expect(box.locator(".utbd-sb-status")).to_contain_text("results", timeout=30_000)
    expect(box.locator(".utbd-sb-feedback-status")).to_have_text("")
    assert box.get_attribute("data-searches") != searches

    # HeadOverlapHeatmap and GrokkingPlot titles, an offline chart's title
    hm = out(6).locator(".utbd-root.utbd-head-overlap")
    expect(hm.locator(".utbd-ho-cell")).to_have_count(24, timeout=30_000)
    _no_sideways(hm, "HeadOverlapHeatmap")
    _no_elements_from_data(hm)
    nb.screenshot("long_text_heatmap", hm)
    for i, name in ((7, "grokking"), (8, "chart")):
        svg = out(i).locator(".vega-embed svg")
        expect(svg).to_be_visible(timeout=60_000)
        _no_sideways(out(i).locator(".vega-embed"), name)
        nb.screenshot(f"long_text_{name}", out(i))
    # KoopmanView, ResearchLandscape and SteerView: 5,000-character titles clamp to two lines, full text on hover
    for i, cls, tcls in ((9, "utbd-koopman-view", "utbd-title"), (10, "utbd-landscape", "utbd-ls-title"),
                         (11, "utbd-steer-view", "utbd-title")):
        root = out(i).locator(f".utbd-root.{cls}")
        expect(root).to_be_visible(timeout=60_000)
        title = root.locator(f".{tcls}").first
        expect(title).to_be_visible(timeout=30_000)
        assert title.evaluate("e => e.getBoundingClientRect().height") < 60, f"{cls}: the long title is not clamped"
        assert len(title.get_attribute("title") or "") > 5000, f"{cls}: the full title is not on hover"
        _no_sideways(root, cls)
        _no_elements_from_data(root)
        nb.screenshot(f"long_text_{cls.removeprefix('utbd-')}", root)
    expect(out(12)).to_contain_text("STATIC")
    nb.assert_clean()


def test_long_text_static(notebook, browser, lab):
    """Each widget's static snapshot, opened on its own in an 800 px wide page, does not scroll sideways."""
    if len(list(lab.root.glob("long_text_static_*.html"))) < 10:  # written by the fixture's last cell
        nb = notebook("long_text.ipynb")
        nb.run_all(timeout=240_000)
        expect(nb.cell_output(12)).to_contain_text("STATIC")
        nb.assert_clean()
    ctx = browser.new_context(viewport={"width": 800, "height": 900})
    try:
        page = ctx.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        names = sorted(p.name for p in lab.root.glob("long_text_static_*.html"))
        assert len(names) == 10, names
        for name in names:
            html = (lab.root / name).read_text()
            page.set_content(f'<!doctype html><html><body style="margin:8px">{html}</body></html>')
            _no_sideways(page.locator("html"), name)
            _no_sideways(page.locator("body"), name)
            root = page.locator(".utbd-root").first
            _no_sideways(root, name)
            assert page.locator("img").count() == 0 and page.locator("body script").count() == 0, name
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"{name.removesuffix('.html')}.png"), full_page=True)
        assert not dialogs, dialogs
    finally:
        ctx.close()


# ---- hostile text (fixture hostile_text.ipynb): each widget on plain data, then on a 3,000-character label holding
# markup and a right-to-left override (U+202E). Output 0 of a cell is the plain widget, output 1 the hostile one.
# (cell, name, root selector, a selector that says it has drawn, height allowed beyond the formula for its bounded boxes)
HOSTILE_WIDGETS = [
    (2, "choice_list", ".utbd-root.utbd-choice-list", ".utbd-choice-item", 0),
    (3, "feature_card", ".utbd-root.utbd-feature-card", ".utbd-fc-card", 0),
    (4, "feature_explorer", ".utbd-root.utbd-feature-explorer", ".utbd-fx-detail .utbd-fc-card", 0),
    (5, "search_box", ".utbd-root.utbd-search-box", ".utbd-sb-result", 0),
    (6, "landscape", ".utbd-root.utbd-landscape", "canvas", 0),
    (7, "heatmap", ".utbd-root.utbd-head-overlap", ".utbd-ho-cell", 0),
    (8, "grokking", ".vega-embed", "svg", 0),
    (9, "koopman_view", ".utbd-root.utbd-koopman-view", "svg", 0),
    (10, "label_view", ".utbd-root.utbd-label-view", ".utbd-lv-prompt", 240),  # the prompt scrolls in a box of 260 px
    (11, "sweep_view", ".utbd-root.utbd-vision-view", ".utbd-vv-grid", 0),
    (12, "steer_view", ".utbd-root.utbd-steer-view", ".utbd-sv-text", 0),
    (13, "chart", ".vega-embed", "svg", 0),
]


def _allowed(plain: float, extra: float = 0) -> float:
    "The most a widget may grow on hostile data: each cut string may take its two or three lines, nothing more."
    return 1.25 * plain + 80 + extra


def _check_hostile(plain, hostile, name, extra=0):
    hp, hh = height(plain), height(hostile)
    assert hh <= _allowed(hp, extra), f"{name}: {hh:.0f} px tall on hostile data, {hp:.0f} px on plain data"
    _no_sideways(hostile, name)
    _no_elements_from_data(hostile)
    reads_ltr(hostile, name)
    return hp, hh


def _hover_landscape(root):
    "Hover a point of the map that no other point covers; returns its tooltip."
    canvas = root.locator("canvas").first
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    for row in range(60):
        x, y = root.evaluate("(el, r) => el.utbdLandscape.screenOf(r)", row)
        if 4 < x < box["width"] - 4 and 4 < y < box["height"] - 4 and \
                root.evaluate("(el, p) => el.utbdLandscape.nearest(p[0], p[1])", [x, y]) == row:
            break
    canvas.page.mouse.move(box["x"] + x + 30, box["y"] + y + 30)
    canvas.page.mouse.move(box["x"] + x, box["y"] + y)
    tip = root.locator(".utbd-ls-tip")
    expect(tip).to_be_visible()
    expect(root).to_have_attribute("data-hover-row", str(row))
    expect(tip.locator(".utbd-ls-tip-title")).not_to_have_text("…", timeout=10_000)
    return tip


def test_hostile_text_live(notebook):
    """Live in JupyterLab, every widget on hostile data stays about its plain size, never scrolls sideways, shows no
    element from data, and its own text reads left to right (the override stays inside the data's own element)."""
    nb = notebook("hostile_text.ipynb")
    nb.run_all(timeout=300_000)
    sizes = {}
    for cell, name, sel, ready, extra in HOSTILE_WIDGETS:
        outs = nb.cell_output(cell)
        expect(outs).to_have_count(2, timeout=60_000)
        plain, hostile = outs.nth(0).locator(sel).first, outs.nth(1).locator(sel).first
        for w in (plain, hostile):
            expect(w.locator(ready).first).to_be_visible(timeout=60_000)
        if name == "search_box":  # an answer: 8 lines and "show all"; its citations after the override still read [1] [2]
            for w in (plain, hostile):
                w.locator(".utbd-sb-answer-btn").click()
                expect(w.locator(".utbd-sb-answer-meta")).to_contain_text("cites", timeout=30_000)
            expect(plain.locator(".utbd-sb-answer-all")).to_be_hidden()
            text = hostile.locator(".utbd-sb-answer-text")
            assert len(text.text_content()) > 8000
            expect(text.locator(".utbd-sb-cite")).to_have_text(["[2]", "[1]"])
        if name == "heatmap":  # the tooltip of a head names the score and the layer (both from data)
            tips = []
            for w in (plain, hostile):
                w.locator(".utbd-ho-cell").nth(8).hover()
                expect(w.locator(".utbd-ho-tooltip.utbd-visible")).to_be_visible()
                tips.append(height(w.locator(".utbd-ho-tooltip")))
            assert tips[1] <= tips[0] + 4, f"heatmap tooltip {tips[1]} px on hostile data, {tips[0]} px on plain"
            _no_sideways(hostile.locator(".utbd-ho-tooltip"), "heatmap tooltip")
            reads_ltr(hostile.locator(".utbd-ho-tooltip"), "heatmap tooltip")
            nb.screenshot("hostile_heatmap_tooltip", hostile)
        if name == "landscape":  # the hover tooltip: title cut after 4 lines, id · category on one line
            hp = height(_hover_landscape(plain))
            th = _hover_landscape(hostile)
            assert height(th) <= hp + 60, f"landscape tooltip {height(th)} px vs {hp} px"
            _no_sideways(th, "landscape tooltip")
            reads_ltr(th, "landscape tooltip")
            nb.screenshot("hostile_landscape_tooltip", hostile)
        if name == "grokking":  # the chart's title: the data part ends in an isolate, the epoch count after it reads on
            title = hostile.locator("svg text", has_text="points").first.text_content()
            assert "\u2069 · epoch" in title, repr(title[-60:])
        nb.screenshot(f"hostile_{name}_plain", plain)
        nb.screenshot(f"hostile_{name}", hostile)
        sizes[name] = _check_hostile(plain, hostile, name, extra)
        if name == "search_box":  # "show all" opens the whole answer inside the widget, without sideways scroll
            text = hostile.locator(".utbd-sb-answer-text")
            closed = height(text)
            hostile.locator(".utbd-sb-answer-all").click()
            expect(hostile).to_have_attribute("data-answer-open", "1")
            assert height(text) > 3 * closed
            _no_sideways(hostile, "search box, answer open")
            hostile.locator(".utbd-sb-answer-all").click()
            expect(hostile).to_have_attribute("data-answer-open", "0")
    print("heights (plain, hostile):", {k: (round(a), round(b)) for k, (a, b) in sizes.items()})
    expect(nb.cell_output(14)).to_contain_text("STATIC")
    nb.assert_clean()


def test_hostile_text_static(notebook, browser, lab):
    """Each widget's static snapshot on hostile data, opened on its own in an 800 px page, stays about the size of its
    snapshot on plain data, does not scroll sideways, holds no element from data, and its own text reads left to right."""
    if len(list(lab.root.glob("hostile_static_*.html"))) < 24:  # written by the fixture's last cell
        nb = notebook("hostile_text.ipynb")
        nb.run_all(timeout=300_000)
        expect(nb.cell_output(14)).to_contain_text("STATIC")
    ctx = browser.new_context(viewport={"width": 800, "height": 900})
    try:
        page = ctx.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        names = sorted({p.name.removeprefix("hostile_static_").rsplit("_", 1)[0] for p in lab.root.glob("hostile_static_*.html")})
        assert len(names) == 12, names
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        for name in names:
            hs = []
            for kind in ("plain", "hostile"):
                html = (lab.root / f"hostile_static_{name}_{kind}.html").read_text()
                page.set_content(f'<!doctype html><html><body style="margin:8px">{html}</body></html>')
                root = page.locator(".utbd-root").first
                hs.append(height(root))
                page.screenshot(path=str(ARTIFACTS / f"hostile_static_{name}_{kind}.png"), full_page=True)
            extra = dict((n, e) for _, n, _, _, e in HOSTILE_WIDGETS)[name]
            assert hs[1] <= _allowed(hs[0], extra), f"{name} snapshot: {hs[1]:.0f} px on hostile data, {hs[0]:.0f} px on plain"
            for loc in (page.locator("html"), page.locator("body"), root):
                _no_sideways(loc, f"{name} snapshot")
            assert page.locator("img").count() == 0 and page.locator("body script").count() == 0, name
            reads_ltr(page.locator("body"), f"{name} snapshot")
        assert not dialogs, dialogs
    finally:
        ctx.close()
