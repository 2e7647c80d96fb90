"""The Ray pipelines of `universetbd.scale` on a local Ray instance with 2 CPUs, against the single-process results.

One Ray instance for the module. Embedding with Ray (160 abstracts of the shipped arXiv sample, 2 embedder
actors) must match the single-process embedding of the same texts, which the sample ships (cosine >= 0.9999);
encoding and statistics on the full 3,000-abstract sample (its shipped vectors) must give identical codes and
identical statistics. A worker killed in the middle of a run (`os._exit` in an actor, once) loses no id and
duplicates none; the `universetbd encode` and `stats --codes` commands give the same files with and without `--ray`.

`dev.sh test` runs these tests (marked `ray` by tests/conftest.py) after the others, on their own.
"""
import contextlib
import io
import os
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from universetbd.corpus import arxiv_sample
from universetbd.features.stats import _ARRAYS, FeatureStats, feature_stats
from universetbd.sae.topk import TopKSAE, TopKSAEConfig, encode_corpus
from universetbd.scale.ray import EncodeWorker, init_ray, ray_embed, ray_encode, ray_stats
from universetbd.scale.shards import (Manifest, check_ids, load_codes, load_vectors, shard_name, write_corpus_shards,
                                      write_vector_shard)


def same_stats(a, b):
    for key in _ARRAYS:
        x, y = getattr(a, key), getattr(b, key)
        assert x.dtype == y.dtype and np.array_equal(x, y), key
    assert a.n_docs == b.n_docs and a.fingerprint == b.fingerprint
    assert a.cooc.nnz == b.cooc.nnz and (a.cooc != b.cooc).nnz == 0


@pytest.fixture(scope="module")
def local_ray():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    init_ray(num_cpus=2)
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    "The full arXiv sample's shipped vectors as 6 vectors shards, a random SAE, and the single-process codes."
    d = tmp_path_factory.mktemp("scale")
    corpus, X = arxiv_sample(with_embeddings=True)
    for i in range(6):
        s = slice(500 * i, 500 * (i + 1))
        write_vector_shard(d / "vectors" / shard_name("vectors", i), corpus.ids[s], X[s])
    sae = TopKSAE(TopKSAEConfig(d_in=384, n_latents=256, k=16, seed=0))
    sae.save(d / "sae")
    sae = TopKSAE.load(d / "sae")
    return d, corpus, X, sae, encode_corpus(sae, X, show_progress=False)


def test_embed_matches_single_process(local_ray, tmp_path):
    # the reference: the sample's shipped vectors, the single-process embedding of the same texts by the same model
    # (stored as float16; against a fresh float32 embedding, 1 - cosine was at most 1.2e-7 here)
    small, ref = arxiv_sample(max_docs=160, with_embeddings=True)
    write_corpus_shards(small, tmp_path / "corpus", rows_per_shard=40)
    man = ray_embed(tmp_path / "corpus", tmp_path / "vectors", concurrency=2, num_cpus=1)
    assert man.rows == 160 and len(man.done) == 4
    ids, X = load_vectors(tmp_path / "vectors")
    assert ids == [str(i) for i in small.ids]
    cos = (X * ref).sum(1) / np.linalg.norm(ref, axis=1)
    assert cos.min() >= 0.9999, cos.min()
    # a rerun finds every shard done and rewrites nothing
    before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / "vectors").glob("vectors-*.parquet")}
    assert ray_embed(tmp_path / "corpus", tmp_path / "vectors").rows == 160
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / "vectors").glob("vectors-*.parquet")} == before


class CrashOnce(EncodeWorker):
    "An encoder whose process dies (os._exit) on shard 3 the first time, before writing it."
    def __call__(self, batch):
        marker = Path(str(batch["dst"][0])).parent.parent / "crashed"
        if str(batch["dst"][0]).endswith(shard_name("codes", 3)) and not marker.exists():
            marker.write_text("1")
            os._exit(1)
        return super().__call__(batch)


def test_encode_and_stats_match_single_process_with_a_killed_worker(local_ray, sample, tmp_path):
    import sys
    import ray.cloudpickle
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])   # the workers cannot import this test module
    d, corpus, X, sae, codes = sample
    man = ray_encode(d / "vectors", tmp_path / "codes", d / "sae", concurrency=2, worker=CrashOnce)
    assert (tmp_path / "crashed").exists()                      # a worker did die in the middle of the run
    assert man.rows == 3000 and len(Manifest(tmp_path / "codes", "codes").done) == 6
    assert check_ids(tmp_path / "codes", "codes", corpus.ids) == 3000   # every id exactly once
    ids, got = load_codes(tmp_path / "codes")
    assert ids == [str(i) for i in corpus.ids]
    assert np.array_equal(got.indices, codes.indices) and np.array_equal(got.values, codes.values)
    st = ray_stats(tmp_path / "codes", d / "sae", max_entries=5000, cache_dir=tmp_path / "fs")
    same_stats(st, feature_stats(codes, sae))
    same_stats(FeatureStats.load(tmp_path / "fs"), st)


def run_cli(*argv):
    from universetbd.cli import main
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = main([str(a) for a in argv])
    return code, out.getvalue()


def test_commands_with_and_without_ray(local_ray, sample, tmp_path):
    d, corpus, X, sae, codes = sample
    np.save(tmp_path / "emb.npy", X[:1000])
    for mode in ([], ["--ray"]):
        out = tmp_path / ("codes-ray" if mode else "codes")
        code, msg = run_cli("encode", tmp_path / "emb.npy", "--sae", d / "sae", "-o", out, "--shard-rows", 300, "-q", *mode)
        assert code == 0, msg
        assert len(list(out.glob("codes-*.parquet"))) == 4
        code, msg = run_cli("stats", d / "sae", "--codes", out, "-o", tmp_path / f"fs{len(mode)}", "--no-labels", "-q", *mode)
        assert code == 0, msg
    ref = feature_stats(codes[:1000], sae)
    same_stats(FeatureStats.load(tmp_path / "fs0"), ref)
    same_stats(FeatureStats.load(tmp_path / "fs1"), ref)
    code, _ = run_cli("stats", d / "sae", "-e", tmp_path / "emb.npy", "--ray", "-q")
    assert code == 3                                             # --ray needs codes shards
