"""Smoke test of benchmarks/scale_ray.py in its quick mode (peak-memory part, one small size): the stages run in
their own processes, report a peak RSS, and the streamed statistics equal the in-memory ones."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ray")
BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "scale_ray.py"


def test_quick_memory(tmp_path):
    out = tmp_path / "res.json"
    p = subprocess.run([sys.executable, str(BENCH), "--quick", "--parts", "memory", "--sizes", "2000", "--json-out", str(out)],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads(out.read_text())["memory"]
    assert res["streamed_stats_equal_in_memory"] is True
    modes = {r["mode"] for r in res["rows"]}
    assert modes == {"stream-encode", "stream-stats", "in-memory"}
    assert all(r["peak_rss_mb"] >= r["rss_after_imports_mb"] > 0 and r["n_docs"] == 2000 for r in res["rows"])
