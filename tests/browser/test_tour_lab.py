"""The tour in a real JupyterLab: every widget of the main job renders, with no browser console errors.

This is what a new user sees after `bash .github/scripts/dev.sh lab` and "Run All". Screenshots of each
widget on the shipped arXiv sample land in test-artifacts/browser/tour_*.png. The notebook is then saved from
JupyterLab and its outputs get the checks of the headless run (`tests.tour_checks`): CI executes the tour once.
"""
import shutil
import time
from pathlib import Path

import nbformat
from playwright.sync_api import expect

from tests.browser.conftest import poll
from tests.tour_checks import tour_problems

TOUR = Path(__file__).resolve().parents[2] / "nbs" / "tour.ipynb"


def test_tour_widgets_render_in_jupyterlab(notebook, lab):
    shutil.copy(TOUR, lab.root / "tour.ipynb")
    nb = notebook("tour.ipynb")
    nb.run_all(timeout=900_000)
    page = nb.page
    outputs = ".jp-Notebook .jp-OutputArea-output"
    assert page.locator(f"{outputs} .jp-RenderedText[data-mime-type='application/vnd.jupyter.stderr'] >> text=Traceback").count() == 0
    explorer = page.locator(f"{outputs} .utbd-root.utbd-feature-explorer").first
    expect(explorer.locator(".utbd-fx-card").first).to_be_visible(timeout=60_000)
    card = page.locator(f"{outputs} > div > .utbd-root.utbd-feature-card, {outputs} .utbd-root.utbd-feature-card").last
    expect(card).to_be_visible(timeout=60_000)
    search = page.locator(f"{outputs} .utbd-root.utbd-search-box").first
    expect(search.locator(".utbd-sb-results li").first).to_be_visible(timeout=60_000)
    heatmap = page.locator(f"{outputs} .utbd-root.utbd-head-overlap").first
    expect(heatmap.locator(".utbd-ho-cell").first).to_be_visible(timeout=60_000)
    assert heatmap.locator(".utbd-ho-cell").count() == 16  # 2 layers x 8 heads of the induction model
    charts = page.locator(f"{outputs} .vega-embed svg")
    expect(charts.first).to_be_visible(timeout=60_000)
    assert charts.count() >= 2  # density histogram and the grokking plot
    grok = charts.last
    expect(grok).to_contain_text("t*", timeout=60_000)
    # the card and the search box (ten abstracts) are taller than a laptop screen: a tall window shows them whole
    page.set_viewport_size({"width": page.viewport_size["width"], "height": 2400})
    for name, loc in [("tour_feature_explorer", explorer), ("tour_feature_card", card), ("tour_search_box", search),
                      ("tour_head_overlap", heatmap), ("tour_grokking_plot", grok), ("tour_density", charts.first)]:
        loc.scroll_into_view_if_needed()
        nb.screenshot(name, loc)
    # the README shows the top of the search box (query, sliders, first results)
    search.scroll_into_view_if_needed()
    box, top = search.bounding_box(), nb.screenshot("tour_search_box_top", search)
    page.screenshot(path=str(top), clip={"x": box["x"], "y": box["y"], "width": box["width"], "height": min(box["height"], 900)})
    nb.assert_clean()
    # what the headless run checks, on the notebook as JupyterLab saves it
    saved = lab.root / "tour.ipynb"
    before = saved.stat().st_mtime_ns
    page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
    poll(lambda: saved.stat().st_mtime_ns, lambda m: m != before, timeout=60)
    time.sleep(0.5)   # the server writes the file atomically; let it settle
    assert not tour_problems(nbformat.read(saved, as_version=4))
