"""Feature statistics, labels, families and cards together: build_atlas with its cache on real abstracts,
and a smoke run of benchmarks/feature_cards_bench.py."""
import json
import os
import subprocess
import sys
import warnings
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


def test_build_atlas_caches_and_checks(tmp_path, monkeypatch):
    from universetbd.core import InputError
    from universetbd.features import cards
    from universetbd.features.cards import FeatureExplorer, build_atlas
    df = pd.read_parquet(shared_data("arxiv_abstracts_2k.parquet")).head(300)
    df = df.assign(text=df.title + ". " + df.abstract)
    codes, W = _codes(len(df))
    atlas = build_atlas(codes, W, df, cache_dir=tmp_path)
    assert (tmp_path / "feature_stats" / "meta.json").exists()
    assert len(list((tmp_path / "feature_stats").glob("labels-offline-*.parquet"))) == 1
    files = sorted((tmp_path / "feature_stats").iterdir())
    mtimes = [f.stat().st_mtime_ns for f in files]
    calls = []
    monkeypatch.setattr(cards, "offline_labels", lambda *a, **k: calls.append(a) or pytest.fail("labels recomputed"))
    again = build_atlas(codes, W, df, cache_dir=tmp_path)
    assert calls == []  # labels came from the cache
    assert sorted((tmp_path / "feature_stats").iterdir()) == files  # nothing new written
    assert [f.stat().st_mtime_ns for f in files] == mtimes  # nor rewritten (statistics and labels reused)
    monkeypatch.undo()
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


def _abstracts(n=300):
    df = pd.read_parquet(shared_data("arxiv_abstracts_2k.parquet")).head(n)
    return df.assign(text=df.title + ". " + df.abstract)


@pytest.mark.filterwarnings("ignore:only .* features are clean")
def test_label_cache_keyed_by_what_changes_the_labels(tmp_path):
    from universetbd.features.cards import _HashEmbedder, build_atlas
    df = _abstracts(); codes, W = _codes(len(df))
    emb = _HashEmbedder(); X = emb.encode(df.text.tolist())
    unscored = build_atlas(codes, W, df, cache_dir=tmp_path)
    assert np.isnan(unscored.f1).all()
    scored = build_atlas(codes, W, df, embeddings=X, embedder=emb, cache_dir=tmp_path)
    fresh = build_atlas(codes, W, df, embeddings=X, embedder=emb)  # no cache
    n_scored = int(np.isfinite(fresh.f1).sum())
    assert n_scored > 0
    assert int(np.isfinite(scored.f1).sum()) == n_scored
    np.testing.assert_array_equal(scored.f1, fresh.f1); np.testing.assert_array_equal(scored.r, fresh.r)
    np.testing.assert_array_equal(scored.clean, fresh.clean)
    pd.testing.assert_frame_equal(scored.families.table, fresh.families.table)
    # other corpus texts (same codes): labels computed again, not read back
    other = df.assign(text=df.title)
    np.testing.assert_array_equal(build_atlas(codes, W, other, cache_dir=tmp_path).labels,
                                  build_atlas(codes, W, other).labels)
    # other embeddings of the same documents: scored again
    X2 = np.roll(X, 1, axis=0)
    np.testing.assert_array_equal(build_atlas(codes, W, df, embeddings=X2, embedder=emb, cache_dir=tmp_path).f1,
                                  build_atlas(codes, W, df, embeddings=X2, embedder=emb).f1)


def test_build_atlas_warns_when_too_few_clean_features():
    from universetbd.features.cards import _HashEmbedder, build_atlas
    df = _abstracts(); codes, W = _codes(len(df))
    emb = _HashEmbedder(); X = emb.encode(df.text.tolist())
    with pytest.warns(UserWarning, match=r"min_clean=20") as rec:
        atlas = build_atlas(codes, W, df, embeddings=X, embedder=emb)
    n_clean, n_active = int(atlas.clean.sum()), int((atlas.stats.n_active > 0).sum())
    assert n_clean < 20
    msg = " ".join(str(w.message) for w in rec if "min_clean" in str(w.message))
    assert f"only {n_clean} " in msg and f"all {n_active} active" in msg, msg
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        build_atlas(codes, W, df, embeddings=X, embedder=emb, min_clean=n_clean)
    assert not [w for w in rec if "min_clean" in str(w.message)]


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
