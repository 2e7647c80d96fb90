"""Regenerate the README's widget screenshots (nbs/images/*.png) from the tour run in a real JupyterLab.

    python -m tests.readme_images            # from the repository root, after `bash .github/scripts/dev.sh setup`

It runs `tests/browser/test_tour_lab.py` (the tour on the shipped arXiv sample, in JupyterLab + Chromium) with its
screenshots going to a temporary folder, then copies the widget shots the README shows into nbs/images/.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
IMAGES = REPO / "nbs" / "images"
# README image -> screenshot taken by the tour test
SHOTS = {"feature_cards.png": "tour_feature_explorer.png", "search_box.png": "tour_search_box_top.png",
         "head_overlap.png": "tour_head_overlap.png", "grokking_plot.png": "tour_grokking_plot.png"}


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, TEST_ARTIFACTS=tmp, HF_HUB_OFFLINE="1")
        test = REPO / "tests" / "browser" / "test_tour_lab.py"
        rc = subprocess.call([sys.executable, "-m", "pytest", str(test), "-q", "-p", "no:cacheprovider"], cwd=REPO, env=env)
        if rc != 0:
            print("the tour did not run cleanly in JupyterLab: README images left unchanged", file=sys.stderr)
            return rc
        shots = Path(tmp) / "browser"
        missing = [s for s in SHOTS.values() if not (shots / s).is_file()]
        if missing:
            print(f"screenshots missing from the tour run: {missing}", file=sys.stderr)
            return 1
        IMAGES.mkdir(parents=True, exist_ok=True)
        for image, shot in SHOTS.items():
            tmp_copy = IMAGES / f".{image}.tmp"
            shutil.copyfile(shots / shot, tmp_copy)
            os.replace(tmp_copy, IMAGES / image)
            print(f"nbs/images/{image} <- {shot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
