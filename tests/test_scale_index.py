"""Smoke test of benchmarks/scale_index.py (--quick: 4,000 synthetic vectors): every stage runs in its own process,
the on-disk index is measured against in-RAM exact search, and streamed SAE training equals in-memory training."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_scale_index_quick(tmp_path):
    out_json = tmp_path / "figures.json"
    r = subprocess.run([sys.executable, "benchmarks/scale_index.py", "--quick", "--json", str(out_json), "--workdir", str(tmp_path)],
                       cwd=REPO, capture_output=True, text=True, timeout=400)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "N=4,000 x 384" in r.stdout and "recall@10 vs exact" in r.stdout and "baseline exact in RAM" in r.stdout, r.stdout
    row = json.loads(out_json.read_text())["synthetic"][0]
    assert row["recall@10"] >= 0.6, row                                   # PQ shortlist + exact re-rank finds the neighbours
    assert row["build"]["bytes"] > 0 and row["query"]["p95_ms"] >= row["query"]["p50_ms"] > 0
    for stage in ("build", "query", "exact", "sae_stream", "sae_memory"):
        assert row[stage]["rss_mb"] > 0 and row[stage]["anon_mb"] > 0, (stage, row[stage])
    assert row["sae_identical"] is True                                   # memory-mapped training = in-memory training
    assert not any(p.name.startswith("utbd-scale-") for p in tmp_path.iterdir())   # temporary files deleted
