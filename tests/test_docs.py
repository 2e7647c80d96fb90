"""The local docs check (tests/docs_check.py): unit tests of its notebook handling, and a build of the
documentation pages of a few notebooks (execute + render with nbconvert, no Quarto).

The build covers $UNIVERSETBD_DOCS_NOTEBOOKS (prefixes of notebook paths below nbs/, e.g. `00_core sae/01_topk`,
separated by spaces; "all" for every notebook; default: the foundation notebooks, the home page and one family
notebook). tests/browser/test_docs_pages.py opens the same pages in Chromium. For the full check run
`python -m tests.docs_check` (or `bash .github/scripts/dev.sh docs`).
"""
import os
from pathlib import Path

import nbformat

from tests import docs_check as dc

DEFAULT_SUBSET = "00_core 01_widgets 02_charts index sae/index"


def docs_subset() -> tuple:
    names = os.environ.get("UNIVERSETBD_DOCS_NOTEBOOKS", DEFAULT_SUBSET).split()
    return () if names == ["all"] else tuple(names)


def docs_build(tmp_path_factory) -> tuple[Path, dict]:
    """Build the pages of the subset once per test session (shared with the browser test)."""
    out = tmp_path_factory.getbasetemp() / "docs-check"
    return out, dc.cached_build(out, docs_subset())

SNAPSHOT = '<div class="utbd-root utbd-static utbd-choice-list"><ul><li>a</li></ul></div>'


def _nb(*cells):
    nb = nbformat.v4.new_notebook()
    nb.cells = list(cells)
    return nb


def _out(data):
    return nbformat.v4.new_output("execute_result", data=data, execution_count=1)


def test_widget_outputs_show_their_static_snapshot():
    view = {"model_id": "abc", "version_major": 2, "version_minor": 0}
    ours = nbformat.v4.new_code_cell("w")
    ours.outputs = [_out({"application/vnd.jupyter.widget-view+json": view, "text/html": SNAPSHOT, "text/plain": "ChoiceList()"})]
    foreign = nbformat.v4.new_code_cell("x")
    foreign.outputs = [_out({"application/vnd.jupyter.widget-view+json": view, "text/plain": "IntSlider(value=3)"})]
    bar = nbformat.v4.new_code_cell("b")
    bar.outputs = [_out({"application/vnd.jupyter.widget-view+json": view, "text/plain": "demo:  50%|#    | 2/4 [00:01<00:01, 2.0it/s]"})]
    nb = _nb(nbformat.v4.new_markdown_cell("# T\n\n> s"), ours, foreign, bar)
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {"abc": {}}}}
    shown, counts = dc.display_copy(nb)
    assert counts == {"widgets": 2, "snapshots": 1, "charts": 0, "progress_bars": 1}
    assert "widgets" not in shown.metadata and "widgets" in nb.metadata  # the source notebook is untouched
    d = shown.cells[1].outputs[0]["data"]
    assert "application/vnd.jupyter.widget-view+json" not in d and d["text/html"] == f'<div class="utbd-docs-widget">{SNAPSHOT}</div>'
    assert "utbd-docs-no-snapshot" in shown.cells[2].outputs[0]["data"]["text/html"]
    assert "text/html" not in shown.cells[3].outputs[0]["data"]
    page = dc.render_html(shown, "t")
    assert SNAPSHOT in page and 'type="application/vnd.jupyter.widget-view+json"' not in page and "unpkg" not in page


def test_nbdev_directives():
    cells = [nbformat.v4.new_code_cell(s) for s in (
        "#| default_exp core", "#| export\ndef f(x): return x\nclass C: pass\ndef _g(): pass", "#| hide\nimport os",
        "#| eval: false\nslow_download()", "#| echo: false\nprint('shown')", "#| slow\nbig()", "1 + 1")]
    nb = _nb(nbformat.v4.new_markdown_cell("# T\n\n> s"), *cells)
    assert dc.skip_execution(cells[3]) and dc.skip_execution(cells[5], {"slow"}) and not dc.skip_execution(cells[6], {"slow"})
    assert dc.add_show_docs(nb) == 2
    srcs = [c.source for c in nb.cells]
    assert srcs[0] == "#| hide\nfrom nbdev.showdoc import show_doc"
    assert "#| echo: false\nshow_doc(f)" in srcs and "#| echo: false\nshow_doc(C)" in srcs and not any("_g)" in s for s in srcs)
    shown, _ = dc.display_copy(nb)
    kept = [c.source for c in shown.cells if c.cell_type == "code"]
    assert kept == ["show_doc(f)", "show_doc(C)", "slow_download()", "print('shown')", "big()", "1 + 1"]
    page = dc.render_html(shown, "t")
    assert "print(&#39;shown&#39;)" not in page and "print('shown')" not in page  # echo: false hides the input


def test_failure_banner_and_lint():
    good = nbformat.v4.new_markdown_cell("# Title\n\n> summary")
    bad = nbformat.v4.new_markdown_cell("# # Title\n#\n# > summary")
    assert not dc.percent_prefixed(good) and dc.percent_prefixed(bad)
    assert not dc.percent_prefixed(nbformat.v4.new_markdown_cell("## Section"))
    assert dc.lint(_nb(good)) == [] and "percent-format" in dc.lint(_nb(bad, bad))[0]
    shown, _ = dc.display_copy(_nb(good, nbformat.v4.new_code_cell("1/0")),
                               {"cell": 1, "ename": "ZeroDivisionError", "evalue": "division by zero"})
    assert "failed to execute" in shown.cells[1].source and "ZeroDivisionError" in shown.cells[1].source


def test_find_notebooks_in_subfolders(tmp_path):
    nbs = tmp_path / "nbs"
    for rel in ("00_core", "index", "sae/01_topk", "sae/02_metrics", "sae/index", "search/01_index", "_draft",
                "sae/_scratch", ".hidden/x", "sae/.ipynb_checkpoints/01_topk-checkpoint", "_old/01_x"):
        (nbs / rel).parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(_nb(), nbs / f"{rel}.ipynb")
    names = lambda *a, **kw: [dc.notebook_name(p, nbs) for p in dc.find_notebooks(a, nbs=nbs, **kw)]
    assert names() == ["00_core", "index", "sae/01_topk", "sae/02_metrics", "sae/index", "search/01_index"]
    assert names("sae/01_topk") == ["sae/01_topk"] and names("sae/01_topk.ipynb") == ["sae/01_topk"]
    assert names("sae") == ["sae/01_topk", "sae/02_metrics", "sae/index"] and names("nbs/sae/0") == ["sae/01_topk", "sae/02_metrics"]
    assert names("index", "00") == ["00_core", "index"] and names("s", skip="index") == ["sae/01_topk", "sae/02_metrics"]


def test_execution_failure_is_reported(tmp_path):
    """A notebook in a family folder runs in its own folder, its page keeps the folder, and its failure is reported."""
    nb = _nb(nbformat.v4.new_markdown_cell("# Broken\n\n> fails"), nbformat.v4.new_code_cell("x = open('beside.txt').read()"),
             nbformat.v4.new_code_cell("raise ValueError('boom ' + x)"), nbformat.v4.new_code_cell("never = 1"))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    src = tmp_path / "nbs" / "fam" / "broken.ipynb"
    src.parent.mkdir(parents=True)
    (src.parent / "beside.txt").write_text("found-beside")
    nbformat.write(nb, src)
    r = dc.execute_notebook(src, tmp_path / "out", tmp_path / "home", timeout=120, nbs=tmp_path / "nbs")
    assert r["notebook"] == "fam/broken.ipynb" and r["page"] == "fam/broken.html"
    assert not r["ok"] and r["error"]["ename"] == "ValueError" and r["error"]["cell"] == 3, r["error"]
    assert "boom found-beside" in r["error"]["evalue"]  # the cell before read a file beside the notebook
    page = (tmp_path / "out" / "fam" / "broken.html").read_text()
    assert "failed to execute" in page and "boom" in page


def test_docs_build(tmp_path_factory):
    """Every notebook of the subset executes, renders a page, and its widget outputs carry static snapshots."""
    out, report = docs_build(tmp_path_factory)
    assert report["notebooks"], "no notebooks were built"
    failed = {r["notebook"]: f"cell {r['error'].get('cell')}: {r['error'].get('ename')}: {r['error'].get('evalue')}"
              for r in report["notebooks"] if not r["ok"]}
    assert not failed, f"notebooks failed to execute (see {out}/report.json): {failed}"
    for r in report["notebooks"]:
        page = (out / r["page"]).read_text()
        assert r["widgets"] == r["snapshots"], f"{r['notebook']}: {r['widgets'] - r['snapshots']} widget output(s) without a static snapshot"
        assert 'type="application/vnd.jupyter.widget-view+json"' not in page
    by = {r["notebook"]: r for r in report["notebooks"]}
    if not docs_subset() or {"01_widgets", "02_charts"} <= set(docs_subset()):
        assert by["01_widgets.ipynb"]["snapshots"] >= 1 and by["02_charts.ipynb"]["charts"] >= 1
    if not docs_subset() or "sae/index" in docs_subset():  # a family notebook: its page keeps the folder
        assert by["sae/index.ipynb"]["page"] == "sae/index.html" and (out / "sae" / "index.html").exists()


def test_docs_sources(tmp_path_factory):
    """The markdown of each notebook renders as written (no leftover '# ' prefixes from percent-format sources)."""
    _, report = docs_build(tmp_path_factory)
    problems = {r["notebook"]: r["lint"] for r in report["notebooks"] if r.get("lint")}
    assert not problems, ("notebook sources that spoil their pages (fix: python -m tests.docs_check "
                          f"--fix-markdown NAMES, then nbdev_clean): {problems}")
