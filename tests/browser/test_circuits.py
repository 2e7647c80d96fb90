"""HeadOverlapHeatmap in a real JupyterLab: renders offline, threshold updates the circuit stats, click -> histogram."""
from playwright.sync_api import expect

from .conftest import poll


def run_until(nb, index, text, timeout=30):
    """Run cell `index` until its output contains `text`. ipywidgets holds a state update back while the kernel has not
    yet answered the one before it, so a cell run right after two quick slider moves can still see the first value
    (seen once in CI: threshold 2.5 instead of 0.5)."""
    seen = poll(lambda: (nb.run_cell(index), " ".join(nb.output_text(index)))[1], lambda t: text in t, timeout=timeout)
    assert text in seen[-1], seen


def test_head_overlap_heatmap(notebook):
    nb = notebook("circuits_heatmap.ipynb")
    nb.run_all()
    # the last cell (a calibrated result, a few seconds of SAE training) has finished before the kernel is asked anything
    cal = nb.cell_output(3).locator(".utbd-root.utbd-head-overlap")
    expect(cal).to_be_visible(timeout=90_000)
    root = nb.cell_output(1).locator(".utbd-root.utbd-head-overlap")
    expect(root).to_be_visible(timeout=60_000)
    cells = root.locator(".utbd-ho-cell")
    expect(cells).to_have_count(24)
    # ground truth outlined, predicted circuit (count > 4) marked
    expect(root.locator(".utbd-ho-cell.utbd-ho-truth")).to_have_count(6)
    expect(root.locator(".utbd-ho-cell.utbd-ho-pred")).to_have_count(5)
    expect(root.locator(".utbd-ho-count")).to_have_text("5 heads selected")
    expect(root.locator(".utbd-ho-precision")).to_have_text("precision 1")
    expect(root.locator(".utbd-ho-recall")).to_have_text("recall 0.833")
    # the hostile title is literal text
    expect(root.locator(".utbd-title")).to_have_text("Synthetic <img src=x onerror=alert(1)> circuit")
    assert root.locator("img").count() == 0

    # hover shows details
    cells.nth(12).hover()
    expect(root.locator(".utbd-ho-tooltip")).to_contain_text("L2H0")
    expect(root.locator(".utbd-ho-tooltip")).to_contain_text("ground truth: yes")

    # lower the threshold: the circuit grows, precision/recall update live, and Python sees the new value
    slider = root.locator("input.utbd-ho-threshold")
    slider.evaluate("(el) => { el.value = '2.5'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    expect(root.locator(".utbd-ho-count")).to_have_text("6 heads selected")
    expect(root.locator(".utbd-ho-recall")).to_have_text("recall 1")
    slider.evaluate("(el) => { el.value = '0.5'; el.dispatchEvent(new Event('input', {bubbles: true})); }")
    expect(root.locator(".utbd-ho-count")).to_have_text("12 heads selected")
    expect(root.locator(".utbd-ho-precision")).to_have_text("precision 0.5")
    run_until(nb, 2, "n_selected=12 precision=0.50 recall=1.00")

    # click a head: the kernel answers with its code histogram, drawn as bars for positives and negatives
    cells.nth(12).click()
    expect(cells.nth(12)).to_have_class("utbd-ho-cell utbd-ho-truth utbd-ho-pred utbd-selected")
    expect(root.locator(".utbd-ho-hist-title")).to_have_text("L2H0: code counts, positives vs negatives")
    expect(root.locator(".utbd-ho-hist svg rect.utbd-ho-bar-pos")).to_have_count(12)
    expect(root.locator(".utbd-ho-hist svg rect.utbd-ho-bar-neg")).to_have_count(12)
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text("selected=12")
    nb.screenshot("circuits_head_overlap", root)

    # a calibrated result: z-coloured cells, the significant set starred, stability bars, p on hover, null control
    expect(cal.locator(".utbd-ho-cell")).to_have_count(12)
    expect(cal.locator(".utbd-ho-cell.utbd-ho-sig")).to_have_count(3)
    expect(cal.locator(".utbd-ho-star")).to_have_count(3)
    expect(cal.locator(".utbd-ho-stab")).to_have_count(12)
    expect(cal.locator(".utbd-ho-sigcount")).to_have_text("3 significant")
    expect(cal.locator(".utbd-ho-null")).to_contain_text("null control")
    expect(cal.locator(".utbd-ho-null")).to_contain_text("0 heads selected")
    expect(cal.locator(".utbd-ho-count")).to_have_text("3 heads selected")  # threshold starts at the significant set
    cal.locator(".utbd-ho-cell").nth(3).hover()
    expect(cal.locator(".utbd-ho-tooltip")).to_contain_text("-log10 p")
    expect(cal.locator(".utbd-ho-tooltip")).to_contain_text("significant (BH q=0.05): yes")
    expect(cal.locator(".utbd-ho-tooltip")).to_contain_text("stability across seeds: 1")
    cal.locator(".utbd-ho-cell").nth(0).hover()
    expect(cal.locator(".utbd-ho-tooltip")).to_contain_text("significant (BH q=0.05): no")
    nb.screenshot("circuits_head_overlap_calibrated", cal)

    # a result without codes (e.g. attention entropy): the hint says so and a click asks for no histogram
    plain = nb.cell_output(4).locator(".utbd-root.utbd-head-overlap")
    expect(plain.locator(".utbd-ho-cell")).to_have_count(12, timeout=30_000)
    expect(plain.locator(".utbd-ho-hist-title")).to_contain_text("no codes")
    plain.locator(".utbd-ho-cell").nth(5).click()
    expect(plain.locator(".utbd-ho-cell.utbd-selected")).to_have_count(1)
    expect(plain.locator(".utbd-ho-hist-title")).to_contain_text("no codes")
    assert plain.locator(".utbd-ho-hist svg").count() == 0
    expect(plain.locator(".utbd-ho-layer-label")).to_be_hidden()  # no layers: no "colour by" choice

    # a layer (the patching effect) beside the scores: "colour by" recolours the cells, the threshold stays on the scores
    lay = nb.cell_output(5).locator(".utbd-root.utbd-head-overlap")
    expect(lay.locator(".utbd-ho-cell")).to_have_count(12, timeout=30_000)
    sel = lay.locator("select.utbd-ho-layer")
    expect(sel.locator("option")).to_have_count(2)
    expect(sel.locator("option").nth(1)).to_have_text("patching <b>effect</b>")  # a data string, shown as text
    assert lay.locator("b").count() == 0
    expect(lay.locator(".utbd-ho-cell").nth(11)).to_have_text("11")
    sel.select_option(index=1)
    expect(lay.locator(".utbd-ho-cell").nth(11)).to_have_text("0.9")
    expect(lay.locator(".utbd-ho-cell").nth(0)).to_have_text("0")
    expect(lay.locator(".utbd-ho-count")).to_have_text("2 heads selected")  # scores 10, 11 above 9.5
    lay.locator(".utbd-ho-cell").nth(11).hover()
    expect(lay.locator(".utbd-ho-tooltip")).to_contain_text("patching <b>effect</b>: 0.9")
    nb.run_cell(6)
    expect(nb.cell_output(6)).to_contain_text("layer='patching <b>effect</b>' threshold=9.5")
    nb.screenshot("circuits_head_overlap_layer", lay)
    nb.assert_clean()
