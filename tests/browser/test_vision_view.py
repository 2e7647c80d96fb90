"""SweepView in a real JupyterLab: points appear one by one while the sweep runs, a click on a point shows its
confusion matrix, a click on a cell shows the misclassified images (PNG buffers), hostile and very long class names
stay text and keep the layout, no console errors."""
import re

from playwright.sync_api import expect

from .conftest import poll as _poll

_SIDEWAYS = """el => [el, ...el.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'hidden'
                 && !['svg', 'input', 'select', 'option'].includes(e.tagName.toLowerCase()) && !e.closest('svg'))
               .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> ${e.scrollWidth} > ${e.clientWidth}`)"""


def test_vision_view(notebook):
    nb = notebook("vision_view.ipynb")
    nb.run_cell(1, timeout=120_000)
    root = nb.cell_output(1).locator(".utbd-root.utbd-vision-view")
    expect(root).to_be_visible(timeout=60_000)
    expect(root.locator(".utbd-title")).to_have_text("Sweep <img src=x onerror=alert(1)> view")
    points = root.locator("circle.utbd-vv-point")
    expect(points).to_have_count(0)

    # the sweep runs in a background thread of the kernel: points arrive one by one
    nb.page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget.content;
                               nb.activeCellIndex = 2; window.jupyterapp.commands.execute('notebook:run-cell'); }""")
    counts = _poll(points.count, lambda c: c >= 6, timeout=180)
    assert [c for c in counts if c > 0][:3] == [1, 2, 3], f"the points did not arrive one by one: {counts}"
    nb.wait_idle()
    expect(nb.cell_output(2)).to_contain_text("runs=6 running=False")
    expect(root.locator(".utbd-vv-status")).to_contain_text("6 / 6 runs")
    expect(root.locator(".utbd-vv-legend-item")).to_have_count(3)

    # click the worst run's point: its confusion matrix (3 x 3) with the class names as text
    nb.run_cell(3)
    worst = re.search(r"worst=(\S+)", " ".join(nb.output_text(3))).group(1)
    root.locator(f'circle.utbd-vv-point[data-key="{worst}"]').dispatch_event("click")
    expect(root.locator(f'circle.utbd-vv-point.utbd-vv-selected[data-key="{worst}"]')).to_have_count(1)
    expect(root.locator(".utbd-vv-cell")).to_have_count(9)
    expect(root.locator(".utbd-vv-rowhead").first).to_have_text("<img src=x onerror=alert(1)>")
    expect(root.locator(".utbd-vv-rowhead").nth(1)).to_have_text("bacterial_leaf_blight_" * 6)
    expect(root.locator(".utbd-vv-head").first).to_contain_text(worst.split("|")[1])

    # click a mistake: its images come from the kernel as PNG buffers and load
    off = root.locator(".utbd-vv-cell.utbd-vv-off").first
    n = int(off.text_content())
    off.click()
    imgs = root.locator("img.utbd-vv-img")
    expect(imgs).to_have_count(min(n, 24), timeout=30_000)
    expect(root.locator(".utbd-vv-gallery-head")).to_contain_text(f"{n} image(s)")
    nb.page.wait_for_function("els => els.every(i => i.complete && i.naturalWidth > 0)", arg=imgs.element_handles())
    assert imgs.first.get_attribute("src").startswith("blob:")

    # hostile names stay text; the 132-character class name does not widen anything
    assert root.locator("img:not(.utbd-vv-img)").count() == 0 and root.locator("script").count() == 0
    assert root.evaluate(_SIDEWAYS) == []
    # the y axis switch redraws the chart with the same points
    root.locator("select.utbd-vv-axis").nth(1).select_option("f1")
    expect(points).to_have_count(6)
    expect(root.locator("text.utbd-vv-axis-label").nth(1)).to_have_text("macro F1")
    nb.screenshot("vision_view", root)
    nb.assert_clean()
