"""ResearchLandscape in a real JupyterLab: the canvas draws, hover shows an escaped title, zoom and pan move the
map, a click and a lasso selection reach Python, colour-by changes the legend, and the highlights follow the
linked SearchBox (new query, steering slider).

Fixture: the shipped arXiv sample (3,000 abstracts, MiniLM embeddings) on a PCA map; row 0's title is an
HTML/script string. The first-frame time the page records is printed for information (run with -s); it is not
asserted (benchmarks/landscape_open.py measures it).
"""
import re

from playwright.sync_api import expect

HOSTILE = "<img src=x onerror=alert(1)><script>alert(2)</script>"
SETUP, MAP, BOX, SELECTED, HIGHLIGHTED, COLOR = 1, 2, 3, 4, 5, 6   # cell indexes in the fixture


def _screen(root, row):
    return root.evaluate("(el, r) => el.utbdLandscape.screenOf(r)", row)


def _nearest(root, x, y):
    return root.evaluate("(el, p) => el.utbdLandscape.nearest(p[0], p[1])", [x, y])


def _box(canvas):
    "The canvas's page position now (running a cell or typing below scrolls the notebook)."
    canvas.scroll_into_view_if_needed()
    return canvas.bounding_box()


def _wait_draws(nb, root, n):
    nb.page.wait_for_function("([el, n]) => Number(el.dataset.draws) > n", arg=[root.element_handle(), n], timeout=30_000)


def _wait_new_highlights(nb, root, before):
    nb.page.wait_for_function("([el, b]) => el.dataset.highlighted === '10' && el.dataset.highlightRows !== b",
                              arg=[root.element_handle(), before], timeout=60_000)
    return root.get_attribute("data-highlight-rows")


def test_landscape_draw_hover_select_link(notebook):
    nb = notebook("landscape.ipynb")
    nb.run_all(timeout=300_000)
    expect(nb.cell_output(SETUP)).to_contain_text("ready 3000")
    root = nb.cell_output(MAP).locator(".utbd-root.utbd-landscape")
    expect(root).to_be_visible(timeout=60_000)
    expect(root).to_have_attribute("data-first-frame-ms", re.compile(r"^\d"), timeout=30_000)
    print(f"\nfirst frame {root.get_attribute('data-first-frame-ms')} ms after render() (3,000 points)")
    canvas = root.locator("canvas.utbd-ls-canvas")
    box = canvas.bounding_box()

    # the canvas is drawn: many non-blank pixels, in more than one colour
    painted = canvas.evaluate("""c => { const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0; const cols = new Set();
        for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0) { n++; if (cols.size < 50) cols.add(d[i] + ',' + d[i+1] + ',' + d[i+2]); }
        return [n, cols.size]; }""")
    assert painted[0] > 2000 and painted[1] > 3, f"canvas looks blank: {painted}"
    # the title is text (the fixture's title holds a <b> tag that must not become an element)
    expect(root.locator(".utbd-ls-title")).to_have_text("arXiv sample <b>not bold</b>")
    expect(root.locator(".utbd-ls-legend-item").first).to_be_visible()

    # linked search: the box's results are highlighted, and a new query and a slider move change them
    sb = nb.cell_output(BOX).locator(".utbd-root.utbd-search-box")
    q = sb.locator(".utbd-sb-query")
    q.fill("dark matter halo density profiles")
    q.press("Enter")
    first = _wait_new_highlights(nb, root, "")
    q.fill("transformer language models for machine translation")
    q.press("Enter")
    second = _wait_new_highlights(nb, root, first)
    assert second != first
    nb.run_cell(HIGHLIGHTED)
    expect(nb.cell_output(HIGHLIGHTED)).to_contain_text("HIGHLIGHTED 10 True")
    nb.screenshot("landscape_category_linked", root)
    slider = sb.locator(".utbd-sb-slider").first
    expect(slider).to_be_visible(timeout=30_000)
    slider.evaluate("s => { s.value = s.max; s.dispatchEvent(new Event('input', {bubbles: true})); }")
    third = _wait_new_highlights(nb, root, second)
    assert third != second
    nb.run_cell(HIGHLIGHTED)
    expect(nb.cell_output(HIGHLIGHTED)).to_contain_text("HIGHLIGHTED 10 True")

    # colour by year: Python recomputes the codes, the legend follows
    root.locator(".utbd-ls-color-select").select_option("year")
    expect(root.locator(".utbd-ls-legend-title")).to_have_text("year")
    expect(root.locator(".utbd-ls-ramp")).to_have_count(1)
    nb.run_cell(COLOR)
    expect(nb.cell_output(COLOR)).to_contain_text("COLOR year | year | ''")

    # zoom (wheel) in on row 0 until it is the nearest point under the pointer, then hover: escaped title
    box = _box(canvas)
    for _ in range(6):
        x, y = _screen(root, 0)
        nb.page.mouse.move(box["x"] + x, box["y"] + y)
        if _nearest(root, x, y) == 0:
            break
        n = int(root.get_attribute("data-draws"))
        nb.page.mouse.wheel(0, -400)
        _wait_draws(nb, root, n)
    x, y = _screen(root, 0)
    assert _nearest(root, x, y) == 0, "row 0 stays covered by other points after zooming"
    nb.page.mouse.move(box["x"] + x + 30, box["y"] + y + 30)
    nb.page.mouse.move(box["x"] + x, box["y"] + y)
    tip = root.locator(".utbd-ls-tip")
    expect(tip).to_be_visible()
    expect(root).to_have_attribute("data-hover-row", "0")
    expect(tip.locator(".utbd-ls-tip-title")).to_contain_text("<img src=x")
    assert HOSTILE in tip.locator(".utbd-ls-tip-title").inner_text()
    assert root.locator("img").count() == 0 and root.locator("script").count() == 0

    # click a point: the selection reaches Python (rows and ids)
    nb.page.mouse.click(box["x"] + x, box["y"] + y)
    expect(root).to_have_attribute("data-selected", "1")
    nb.run_cell(SELECTED)
    expect(nb.cell_output(SELECTED)).to_contain_text("SELECTED 1 [0] ['0704.0059']")

    # pan (drag) moves the map by the drag
    box = _box(canvas)
    x, y = _screen(root, 0)
    nb.page.mouse.move(box["x"] + 200, box["y"] + 200)
    nb.page.mouse.down()
    nb.page.mouse.move(box["x"] + 260, box["y"] + 240, steps=6)
    nb.page.mouse.up()
    x2, y2 = _screen(root, 0)
    assert abs(x2 - x - 60) < 1 and abs(y2 - y - 40) < 1, (x, y, x2, y2)
    expect(root).to_have_attribute("data-selected", "1")   # a drag is not a click

    # reset the view, then shift-drag a lasso around the middle: the selected rows reach Python
    root.locator(".utbd-ls-reset").click()
    box = _box(canvas)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    nb.page.keyboard.down("Shift")
    nb.page.mouse.move(cx - 120, cy - 90)
    nb.page.mouse.down()
    for dx, dy in [(120, -90), (120, 90), (-120, 90), (-120, -80)]:
        nb.page.mouse.move(cx + dx, cy + dy, steps=4)
    nb.page.mouse.up()
    nb.page.keyboard.up("Shift")
    nb.page.wait_for_function("el => Number(el.dataset.selected) > 1", arg=root.element_handle())
    n_sel = int(root.get_attribute("data-selected"))
    nb.run_cell(SELECTED)
    expect(nb.cell_output(SELECTED)).to_contain_text(f"SELECTED {n_sel} [")
    nb.page.mouse.move(box["x"] + 5, box["y"] + box["height"] + 40)   # pointer off the map for the picture

    nb.screenshot("landscape", root)
    nb.assert_clean()
