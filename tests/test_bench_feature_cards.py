"""benchmarks/feature_cards_bench.py: cached work is keyed by its settings, and the baseline computes what
feature_stats computes (so the reported speed-up compares like with like). The end-to-end smoke run is in
tests/test_feature_atlas.py."""
import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def _args(workdir, **kw):
    a = dict(workdir=str(workdir), max_docs=None, model=None, n_latents=3072, k=32, epochs=50)
    return argparse.Namespace(**{**a, **kw})


def test_cache_is_keyed_by_settings(tmp_path):
    import feature_cards_bench as fcb
    data = tmp_path / "abstracts.parquet"; data.write_bytes(b"x")
    emb, sae = fcb.cache_dirs(_args(tmp_path / "w"), data)
    assert sae.parent == emb and (emb / "settings.json").exists() and (sae / "settings.json").exists()
    assert fcb.cache_dirs(_args(tmp_path / "w"), data) == (emb, sae)  # same settings: same folders
    for change in ({"n_latents": 64}, {"k": 8}, {"epochs": 2}):  # SAE settings: new SAE/codes/scores, same embeddings
        e2, s2 = fcb.cache_dirs(_args(tmp_path / "w", **change), data)
        assert e2 == emb and s2 != sae, change
    e3, s3 = fcb.cache_dirs(_args(tmp_path / "w", max_docs=60), data)  # fewer documents: new embeddings too
    assert e3 != emb and s3 != sae
    other = tmp_path / "other.parquet"; other.write_bytes(b"y")
    assert fcb.cache_dirs(_args(tmp_path / "w"), other)[0] != emb


def test_baseline_matches_feature_stats():
    import feature_cards_bench as fcb
    from universetbd.features.stats import codes_csr, feature_stats
    rng = np.random.default_rng(0)
    N, n, k = 400, 48, 5
    idx = np.stack([rng.choice(n, k, replace=False) for _ in range(N)]).astype(np.int32)
    val = rng.exponential(1, (N, k)).astype(np.float32)
    W = rng.normal(size=(16, n)).astype(np.float32)
    b = fcb.naive_stats((idx, val, n), W)
    st = feature_stats((idx, val, n), W)
    np.testing.assert_array_equal(b["top"], st.top_docs)
    np.testing.assert_array_equal(b["similar"], st.similar)
    np.testing.assert_array_equal(b["dissimilar"], st.dissimilar)
    J = st.cooc_jaccard; ok = J > 0
    A = codes_csr((idx, val, n)).toarray() > 0
    Cd = A.T.astype(int) @ A.astype(int); dg = np.diag(Cd)
    Jd = Cd / np.maximum(dg[:, None] + dg[None, :] - Cd, 1); np.fill_diagonal(Jd, 0)   # the dense Jaccard matrix
    for f in range(n):  # most co-occurring features: the largest positive Jaccard indices, with their values
        want = np.sort(Jd[f][Jd[f] > 0])[::-1][:J.shape[1]]
        np.testing.assert_allclose(J[f][ok[f]], want, rtol=1e-6)
        np.testing.assert_allclose(Jd[f, st.cooc_top[f][ok[f]]], want, rtol=1e-6)
        assert (st.cooc_top[f][~ok[f]] == -1).all()
    for f in range(n):  # zero documents: distinct, and the feature is really zero there
        z = b["zero"][f][b["zero"][f] >= 0]
        assert len(z) == 10 and len(set(z)) == 10 and not A[z, f].any()
        # the baseline's most co-occurring features have the library's Jaccard values, best first (ties may swap)
        inter = (A[:, f][:, None] & A[:, b["cooc"][f, :ok[f].sum()]]).sum(0)
        union = (A[:, f][:, None] | A[:, b["cooc"][f, :ok[f].sum()]]).sum(0)
        np.testing.assert_allclose(np.sort(inter / union)[::-1], J[f, :ok[f].sum()], rtol=1e-5)
