"""Open the rendered documentation pages offline in Chromium (the docs check's browser part).

The pages are built once per session by tests/test_docs.py's helper with tests/docs_check.py (the notebooks of
$UNIVERSETBD_DOCS_NOTEBOOKS, default the foundation notebooks, the home page and sae/index) and served from a
loopback http.server with every other request blocked. Each page must load without console errors from our content,
show every widget output's static snapshot (class utbd-static; charts with an inline SVG) and have no broken
images. Screenshots land in test-artifacts/browser/docs/ (a page in a folder as folder__name.png).
"""
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
from tests import docs_check as dc  # noqa: E402
from tests.test_docs import docs_build, docs_subset  # noqa: E402

ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"  # as in conftest.py


def test_docs_pages_offline(browser, tmp_path_factory):
    out, report = docs_build(tmp_path_factory)
    pages = [r["page"] for r in report["notebooks"] if (out / r["page"]).exists()]
    assert pages, "no pages were rendered"
    results = dc.check_pages(out, pages, browser=browser, screenshots=ARTIFACTS / "docs")
    problems = {p: v["problems"] for p, v in results.items() if v["problems"]}
    assert not problems, f"docs pages with problems: {problems}"
    for p, v in results.items():
        assert v["cells"] > 0, f"{p} shows no notebook cells"
    if not docs_subset() or {"01_widgets", "02_charts"} <= set(docs_subset()):
        assert results["01_widgets.html"]["widgets"] >= 1, "the widgets page shows no widget snapshot"
        assert results["02_charts.html"]["charts"] >= 1, "the charts page shows no chart snapshot"
    if not docs_subset() or "sae/index" in docs_subset():
        assert results["sae/index.html"]["cells"] > 0, "the family page in nbs/sae/ was not served from its folder"
