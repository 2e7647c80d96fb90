"""GrokkingPlot in a real JupyterLab: offline render, live updates while shown change the chart, no console errors."""
import time

from playwright.sync_api import expect


def _title(out):
    return out.locator(".vega-embed svg .role-title-text").first.text_content() or ""


def _kernel_status(nb):
    return nb.page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.status")


def test_grokking_plot_live_updates(notebook):
    nb = notebook("grokking.ipynb")
    nb.run_cell(1, timeout=120_000)
    out = nb.cell_output(1)
    svg = out.locator(".vega-embed svg")
    expect(svg).to_be_visible(timeout=60_000)
    expect(out).not_to_contain_text("Error loading script")
    expect(out.locator(".vega-embed svg .role-title-text")).to_contain_text("epoch 30", timeout=30_000)
    first = _title(out)
    paths_before = out.locator(".vega-embed svg path").count()

    # start the training-like loop without waiting, and watch the shown chart change while the kernel is busy
    nb.page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget.content;
                               nb.activeCellIndex = 2;
                               window.jupyterapp.commands.execute('notebook:run-cell'); }""")
    seen_live, deadline = [], time.time() + 90
    while time.time() < deadline:
        title, status = _title(out), _kernel_status(nb)
        if title != first and status == "busy": seen_live.append(title)
        if status == "idle" and nb.page.evaluate(
                "() => window.jupyterapp.shell.currentWidget.content.widgets[2].model.executionCount") is not None:
            break
        time.sleep(0.2)
    assert seen_live, "the chart did not change while the update loop was running"
    assert len(set(seen_live)) >= 2, f"expected several live redraws, saw {set(seen_live)}"
    nb.wait_idle()

    # final state: all 200 epochs, both fits and the gap in the subtitle, t* rules drawn
    expect(out.locator(".vega-embed svg .role-title-text")).to_contain_text("epoch 200", timeout=30_000)
    expect(out.locator(".vega-embed svg .role-title-subtitle")).to_contain_text("gap m =", timeout=30_000)
    expect(out.locator(".vega-embed svg")).to_contain_text("t*val")
    assert out.locator(".vega-embed svg path").count() >= paths_before
    expect(nb.cell_output(2)).to_contain_text("draws")

    # kernel side agrees
    nb.run_cell(3)
    expect(nb.cell_output(3)).to_contain_text("GrokkingPlot(200 epochs; train: t* = ")
    nb.screenshot("grokking_plot", out)
    nb.assert_clean()
