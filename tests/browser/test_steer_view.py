"""SteerView in a real JupyterLab: Generate streams samples one by one, Stop ends the run, a 2x2 sweep fills the
heatmaps cell by cell, hostile text stays text, nothing scrolls sideways, no console errors."""

from playwright.sync_api import expect

from .conftest import poll as _poll

_SIDEWAYS = """el => [el, ...el.querySelectorAll('*')].filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== 'hidden'
                 && !['svg', 'input', 'select', 'option'].includes(e.tagName.toLowerCase()))
               .map(e => `<${e.tagName.toLowerCase()} class="${e.className}"> ${e.scrollWidth} > ${e.clientWidth}`)"""


def test_steer_view(notebook):
    nb = notebook("steer_view.ipynb")
    nb.run_cell(1, timeout=120_000)
    root = nb.cell_output(1).locator(".utbd-root.utbd-steer-view")
    expect(root).to_be_visible(timeout=60_000)
    expect(root.locator(".utbd-title")).to_have_text("STEER <img src=x onerror=alert(1)> view")
    gen, stop, items = root.locator("button.utbd-sv-generate"), root.locator("button.utbd-sv-stop"), root.locator("li.utbd-sv-sample")
    expect(gen).to_be_enabled()
    expect(stop).to_be_disabled()
    expect(root.locator("input.utbd-sv-slider")).to_have_count(2)

    # Generate: samples arrive one by one while the button is disabled
    gen.click()
    expect(gen).to_be_disabled()
    counts = _poll(items.count, lambda c: c >= 4, timeout=60)
    assert counts[-1] >= 4 and [c for c in counts if c > 0][:3] == [1, 2, 3], f"samples did not arrive one by one: {counts}"
    expect(gen).to_be_disabled()
    # Stop: the run ends after the current sample, before all 8
    stop.click()
    expect(gen).to_be_enabled(timeout=30_000)
    expect(root.locator(".utbd-sv-status")).to_contain_text("stopped")
    n = items.count()
    assert 4 <= n < 8, n
    expect(root.locator("tr.utbd-sv-metric-row")).to_have_count(6)
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text(f"samples={n} running='' gamma=0.2 eta=0.6")

    # hostile text stays text; the 3,000-character word wraps instead of widening the widget
    assert root.locator("img").count() == 0 and root.locator("script").count() == 0
    expect(items.nth(1)).to_contain_text("<img src=x onerror=alert(1)>")
    expect(items.nth(2)).to_contain_text("x" * 200)
    assert root.evaluate(_SIDEWAYS) == []
    nb.screenshot("steer_view_samples", root)

    # a 2x2 sweep, run without waiting: the heatmap cells fill while the kernel is busy
    nb.page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget.content;
                               nb.activeCellIndex = 3; window.jupyterapp.commands.execute('notebook:run-cell'); }""")
    done = root.locator(".utbd-sv-heat-diversity .utbd-sv-cell.utbd-sv-done")
    expect(root.locator(".utbd-sv-heat-diversity .utbd-sv-cell")).to_have_count(4, timeout=60_000)
    filled = _poll(done.count, lambda c: c >= 4, timeout=90)
    assert [c for c in filled if c > 0] == [1, 2, 3, 4], f"the heatmap did not fill cell by cell: {filled}"
    nb.wait_idle()
    expect(nb.cell_output(3)).to_contain_text("cells=4 cached=True")
    expect(root.locator(".utbd-sv-heat-quality .utbd-sv-cell.utbd-sv-done")).to_have_count(4)
    expect(gen).to_be_enabled()
    # the metric menu switches the heatmap
    root.locator(".utbd-sv-heat-quality select").select_option("mauve")
    expect(root.locator(".utbd-sv-heat-quality .utbd-sv-cell.utbd-sv-done").first).to_have_text("0.7")
    assert root.evaluate(_SIDEWAYS) == []
    nb.screenshot("steer_view", root)
    nb.assert_clean()
