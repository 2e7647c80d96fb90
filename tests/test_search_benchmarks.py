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
    out = _run("benchmarks/search_latency.py", "--sizes", "3000x32", "--ann-size", "3000x32", "--reps", "2", "--real", "sample")
    assert "exact/faiss ratio" in out and "same top-10: 1.000" in out, out
    assert "steered vector's: 256/256 queries" in out and "steered vector's: 200/200 queries" in out, out   # slider moves
    assert "recall@10" in out, out
    assert "same top-10 as float32: 1.000" in out, out            # float16 scan + float32 re-rank loses nothing
    real = out.split("real embeddings 'sample'")[1]                 # the shipped arXiv vectors: 2,800 indexed, 200 queries
    assert "2800 x 384" in real and "float16 + re-rank" in real and "(same top-10: 1.000)" in real, out
    assert real.count("recall@10") == 4, out


def test_retrieval_eval_quick(tmp_path):
    out = _run("benchmarks/retrieval_eval.py", "--quick", "--out", str(tmp_path / "t.csv"))
    import pandas as pd
    t = pd.read_csv(tmp_path / "t.csv").set_index("method")
    methods = ["random", "bag of words (TF-IDF)", "plain (exact cosine)", "hybrid (dense + BM25, RRF)", "Pathfinder weights",
               "weights + hybrid", "steering (top feature x2)"]
    assert all(m in t.index for m in methods), list(t.index)
    assert all(m in out for m in methods), out
    assert "HyDE skipped: --hyde-n 0" in out, out           # --quick runs no LLM
    metrics = t.drop(columns="seconds")
    assert metrics.notna().all().all() and ((metrics >= 0) & (metrics <= 1)).all().all(), metrics
    for col in ("title:mrr", "sentence:mrr", "category:ndcg@10", "category:recall@10"):
        assert t.loc["plain (exact cosine)", col] > t.loc["random", col] + 0.1, (col, t[col])
