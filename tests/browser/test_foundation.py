"""Foundation widgets in a real JupyterLab: offline chart, click round trip, escaping of data strings."""
from playwright.sync_api import expect

HOSTILE = "<img src=x onerror=alert(1)>"


def test_offline_chart_renders_svg(notebook):
    nb = notebook("chart.ipynb")
    nb.run_all()
    svg = nb.cell_output(1).locator(".vega-embed svg")
    expect(svg).to_be_visible(timeout=60_000)
    # marks were drawn: the line and its 20 points are SVG paths inside the chart
    assert nb.cell_output(1).locator(".vega-embed svg path").count() >= 20
    expect(nb.cell_output(1)).not_to_contain_text("Error loading script")
    nb.screenshot("offline_chart", nb.cell_output(1))
    nb.assert_clean()


def test_choice_list_click_reaches_python_and_escapes_data(notebook):
    nb = notebook("choice_list.ipynb")
    nb.run_all()
    root = nb.cell_output(1).locator(".utbd-root.utbd-choice-list")
    expect(root).to_be_visible(timeout=60_000)
    items = root.locator(".utbd-choice-item")
    expect(items).to_have_count(3)
    # hostile data is literal text: no element was created from it and no script ran
    expect(items.nth(1)).to_have_text(HOSTILE)
    assert root.locator("img").count() == 0 and root.locator("b").count() == 0
    expect(root.locator(".utbd-title")).to_have_text("Pick <b>a</b> topic")
    # browser -> kernel: click, then ask Python for the value
    items.nth(2).click()
    expect(items.nth(2)).to_have_class("utbd-choice-item utbd-selected")
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text("selected=2 value='grokking'")
    items.nth(1).click()
    nb.run_cell(2)
    expect(nb.cell_output(2)).to_contain_text(f"selected=1 value='{HOSTILE}'")
    nb.screenshot("choice_list", root)
    nb.assert_clean()


def test_progress_bar_is_a_widget_that_keeps_its_text(notebook):
    nb = notebook("progress.ipynb")
    nb.run_all()
    outs = nb.cell_output(1)                      # the widget, then the bar's text output
    out = outs.first
    bar = out.locator(".widget-hprogress, .jupyter-widgets .progress-bar").first
    expect(bar).to_be_visible(timeout=60_000)     # JupyterLab shows the live widget, not the text fallback
    expect(out).to_contain_text("40/40")
    expect(out).to_contain_text("demo <b>bar</b>")  # the label is literal text
    expect(outs.nth(1)).to_be_hidden()            # the text output is hidden where widgets render
    assert outs.locator("b").count() == 0 and outs.locator("pre.universetbd-progress").count() == 0
    text = "".join(nb.output_text(2))
    assert "done" in text and "gone" not in text, text  # a finished leave=False bar leaves nothing behind
    nb.screenshot("progress_bar", out)
    nb.assert_clean()
