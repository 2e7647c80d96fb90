"""Smoke tests of the search benchmarks (tiny sizes): they run, measure against their baselines, lose nothing."""
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(*args, timeout=300):
    r = subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


def test_feedback_load_small():
    out = _run("benchmarks/feedback_load.py", "--processes", "3", "--votes", "40")
    assert "written 120, read back 120, distinct 120, lost 0" in out, out


def test_search_latency_small():
    out = _run("benchmarks/search_latency.py", "--sizes", "3000x32", "--ann-size", "3000x32", "--reps", "2")
    assert "exact/faiss ratio" in out and "same top-10: 1.000" in out, out
    assert "recall@10" in out, out
