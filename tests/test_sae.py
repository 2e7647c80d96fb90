"""Smoke tests of the SAE benchmarks and of training on real abstracts (small, offline)."""
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.datafiles import shared_data

REPO = Path(__file__).resolve().parents[1]


def test_encode_memory_benchmark_runs():
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "sae_encode_memory.py"), "--n-docs", "3000",
                          "--d", "32", "--n", "256", "--k", "8", "--batch-size", "512"],
                         capture_output=True, text=True, check=True, timeout=300).stdout
    assert "SparseCodes" in out and "peak memory ratio dense / codes" in out


def test_train_save_load_on_arxiv_sample(tmp_path):
    import pandas as pd
    import torch
    from universetbd.sae.topk import TopKSAE, encode_corpus, train_sae
    df = pd.read_parquet(shared_data("arxiv_abstracts_2k.parquet"))
    # a cheap, deterministic stand-in for text embeddings: hashed bag of words, unit norm
    vocab = 256
    X = np.zeros((len(df), vocab), np.float32)
    for i, text in enumerate(df["abstract"].str.lower().str.split()):
        for w in text: X[i, hash(w) % vocab] += 1
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    sae, hist = train_sae(X, n_latents=512, k=8, auxk=16, lr=3e-3, batch_size=256, steps=40, show_progress=False)
    assert hist["nmse"].iloc[-1] < hist["nmse"].iloc[0]
    path = sae.save(tmp_path / "sae")
    back = TopKSAE.load(path, device="cpu")
    a, b = encode_corpus(sae, X), encode_corpus(back, X)
    assert (a.indices == b.indices).all() and (a.values == b.values).all()
    assert torch.equal(back.stats_last_nonzero, sae.stats_last_nonzero.cpu())


def test_auxk_form_benchmark_runs():
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "sae_auxk_form.py"), "--grid", "32,512,4,0.5",
                          "--steps", "4"], capture_output=True, text=True, check=True, timeout=300).stdout
    row = out.strip().splitlines()[-1].split(" | ")
    assert row[:6] == ["32", "512", "4", "8", "256", "32.0"], out   # d, n, k, auxk, n_dead, n_dead / auxk
    dense, sparse, ratio = float(row[6]), float(row[7]), float(row[8])
    assert dense > 0 and sparse > 0   # the ratio of the unrounded times: within the printed times' rounding (0.05 ms)
    assert abs(ratio - sparse / dense) <= 0.05 / dense + 0.05 * sparse / dense**2 + 1e-3, out
