"""Feature statistics, labels, families and cards together: build_atlas with its cache on real abstracts,
and a smoke run of benchmarks/feature_cards_bench.py."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]

from tests.datafiles import shared_data  # noqa: E402




def _codes(N, n=64, k=6, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(n, 0.5))
    idx = np.stack([rng.choice(n, size=k, replace=False, p=p) for _ in range(N)]).astype(np.int32)
    return (idx, rng.exponential(1, (N, k)).astype(np.float32), n), rng.normal(size=(32, n)).astype(np.float32)


def test_build_atlas_caches_and_checks(tmp_path):
    from universetbd.core import InputError
    from universetbd.features.cards import FeatureExplorer, build_atlas
    df = pd.read_parquet(shared_data("arxiv_abstracts_2k.parquet")).head(300)
    df = df.assign(text=df.title + ". " + df.abstract)
    codes, W = _codes(len(df))
    atlas = build_atlas(codes, W, df, cache_dir=tmp_path)
    assert (tmp_path / "feature_stats" / "meta.json").exists()
    assert len(list((tmp_path / "feature_stats").glob("labels-offline-*.parquet"))) == 1
    t = time.perf_counter()
    again = build_atlas(codes, W, df, cache_dir=tmp_path)
    assert time.perf_counter() - t < 5
    assert (again.labels == atlas.labels).all()
    card = atlas.card(int(np.argmax(atlas.stats.density)))
    assert card["top"][0]["title"] in set(df.title)
    ex = FeatureExplorer(atlas)
    state = {k: v for k, v in ex.get_state().items() if not isinstance(v, bytes)}
    assert len(json.dumps(state)) < 1_000_000
    with pytest.raises(InputError, match="do not match"):
        build_atlas(codes, W, df.head(100))
    with pytest.raises(InputError, match="do not match"):
        build_atlas(codes, W[:, :10], df)


def test_benchmark_smoke(tmp_path):
    data = shared_data("arxiv_abstracts_2k.parquet")
    out = tmp_path / "r.json"
    env = dict(os.environ, UNIVERSETBD_PROGRESS="0", HF_HUB_OFFLINE="1")
    r = subprocess.run([sys.executable, str(REPO / "benchmarks" / "feature_cards_bench.py"), "--data", str(data),
                        "--workdir", str(tmp_path / "w"), "--max-docs", "60", "--n-latents", "32", "--k", "4",
                        "--epochs", "2", "--json", str(out)], capture_output=True, text=True, env=env, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    res = json.loads(out.read_text())
    for key in ("stats_s", "baseline_stats_s", "mean_r", "mean_f1", "clean_fraction", "families", "state_kB", "card_ms_median"):
        assert key in res, key
    assert res["state_kB"] < 1000 and res["n_docs"] == 60
