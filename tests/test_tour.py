"""The README main job in headless mode: the tour executes from top to bottom without errors, on the arXiv sample.

The tour is the longest notebook, so CI runs it once: tests/browser/test_tour_lab.py executes it in JupyterLab,
saves it, and checks the same outputs (`tests.tour_checks`). This test runs the headless path (nbconvert, what
`dev.sh lab --headless` runs) where that browser test cannot run, or always with UNIVERSETBD_TOUR_HEADLESS=1.
"""
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tests.browser.conftest import chromium_path
from tests.tour_checks import tour_problems

REPO = Path(__file__).resolve().parents[1]


def _browser_tour_runs() -> bool:
    "Whether tests/browser/test_tour_lab.py can run here (Chromium and Playwright present)."
    try: import playwright  # noqa: F401
    except ImportError: return False
    return chromium_path() is not None


def test_tour_runs_headless(tmp_path):
    if _browser_tour_runs() and os.environ.get("UNIVERSETBD_TOUR_HEADLESS") != "1":
        pytest.skip("the tour runs once per session, in JupyterLab (tests/browser/test_tour_lab.py checks the same "
                    "outputs); UNIVERSETBD_TOUR_HEADLESS=1 runs it headless too")
    out = tmp_path / "tour.ipynb"
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    subprocess.run([sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
                    str(REPO / "nbs" / "tour.ipynb"), "--ExecutePreprocessor.timeout=1200",
                    "--output-dir", str(tmp_path), "--output", "tour.ipynb"],
                   check=True, env=env, cwd=REPO / "nbs", capture_output=True, text=True)
    assert not tour_problems(nbformat.read(out, as_version=4))


def test_tour_checks_catch_a_broken_tour():
    "The checks fail on a tour whose outputs lack what a new user must see, or hold an error."
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("1/0", outputs=[nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                                                   evalue="division by zero", traceback=[])])]
    problems = tour_problems(nb)
    assert any("ZeroDivisionError" in p for p in problems) and any("dark matter" in p for p in problems)
    assert "no widget outputs" in problems
