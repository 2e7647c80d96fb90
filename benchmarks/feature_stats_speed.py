"""Time of `feature_stats` against the careful NumPy baseline of feature_cards_bench.py, both in one run, with a profile.

Codes: `--codes codes.npz --sae DIR` (for example the cache of feature_cards_bench.py, `<workdir>/emb-*/sae-*/`,
which holds the codes of the 29,627 shared arXiv abstracts), or by default a stand-in of the same shape built
here in about a minute: a top-k SAE (n = 3072, k = 32) trained on the 3,000 shipped arXiv-sample vectors
(all-MiniLM-L6-v2), which then encodes 29,627 noisy copies of those vectors (each a sample vector plus
Gaussian noise of norm 0.3, renormalised). The two sides run in alternating rounds; figures are medians, the profile's too.
The profile times each phase of `feature_stats` alone: the content fingerprint of codes, decoder and config (the
cache key), the entries grouped by feature (one sort of integer keys straight from the (N, k) codes), the
zero-document samples and the per-feature orderings, samples and histograms, the co-occurrence matrix C = B^T B with
each feature's most co-occurring others (dense row blocks of C counted with one bincount each; the baseline uses the
sparse product), the decoder neighbours.

    python benchmarks/feature_stats_speed.py [--rounds 3] [--codes codes.npz --sae DIR] [--threads 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch loads OpenMP (see sae_train_speed.py)
os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE)); sys.path.insert(0, str(HERE.parent))


def stand_in_codes(n_docs=29_627, n_latents=3072, k=32, seed=0):
    "Codes of the stand-in corpus (see the module docs) and the SAE's decoder."
    import numpy as np
    from universetbd.corpus import arxiv_sample
    from universetbd.sae.topk import encode_corpus, train_sae
    _, X = arxiv_sample(with_embeddings=True)
    X = np.asarray(X, np.float32)
    sae, _ = train_sae(X, n_latents=n_latents, k=k, auxk=2 * k, batch_size=256, epochs=40, lr=1e-3, seed=seed)
    rng = np.random.default_rng(seed)
    Y = X[rng.integers(0, len(X), n_docs)]
    Y = Y + 0.3 * rng.standard_normal(Y.shape).astype(np.float32) / np.sqrt(Y.shape[1])
    Y /= np.linalg.norm(Y, axis=1, keepdims=True)
    c = encode_corpus(sae, Y)
    return (c.indices, c.values, c.n_latents), sae.W_dec.detach().cpu().numpy()


def profile(codes, W):
    "Seconds of each phase of feature_stats, timed alone."
    import numpy as np
    from universetbd.features import stats as S
    cfg = S.FeatureStatsConfig()
    out, t = {}, time.perf_counter
    t0 = t(); idx, val, n = S.codes_arrays(codes); S._fingerprint(idx, val, W, cfg); out["fingerprint (cache key)"] = t() - t0
    t0 = t(); docs, acts, feats, starts, counts, sums, P = S._grouped_codes(idx, val, n); out["entries by feature (one sort)"] = t() - t0
    t0 = t()
    zero = S._zero_pick_codes(S._zero_candidates(len(idx), n, cfg.n_zero, np.random.default_rng(cfg.seed)), P, cfg.n_zero)
    out["zero-document samples"] = t() - t0
    t0 = t(); S._sorted_stats(docs, acts, feats, starts, counts, sums, zero, cfg); out["per-feature orderings, samples"] = t() - t0
    t0 = t(); S._cooc_codes(P, docs, counts, cfg.n_related); out["co-occurrence, most co-occurring"] = t() - t0
    t0 = t(); S.decoder_neighbours(W, cfg.n_related, cfg.chunk); out["decoder neighbours"] = t() - t0
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--codes", default=None, help="codes.npz (indices, values, n_latents)")
    p.add_argument("--sae", default=None, help="the SAE folder of those codes (its decoder)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    a = p.parse_args()
    import numpy as np
    import torch
    torch.set_num_threads(a.threads)
    from feature_cards_bench import naive_stats
    from universetbd.features.stats import feature_stats
    if a.codes:
        from universetbd.sae.topk import TopKSAE
        z = np.load(a.codes)
        codes, W = (z["indices"], z["values"], int(z["n_latents"])), TopKSAE.load(a.sae, device="cpu").W_dec.detach().numpy()
        what = f"codes from {a.codes}"
    else:
        codes, W = stand_in_codes()
        what = "stand-in codes (SAE on the shipped arXiv sample, 29,627 noisy copies of its vectors)"
    N, k = codes[0].shape
    print(f"{what}: {N} documents, n = {codes[2]}, k = {k}; torch threads {a.threads}, OMP_WAIT_POLICY="
          f"{os.environ.get('OMP_WAIT_POLICY')}, load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", flush=True)
    feature_stats(codes, W)                                   # warm-up (imports, first touches)
    ours, base = [], []
    for _ in range(a.rounds):
        t = time.perf_counter(); feature_stats(codes, W); ours.append(time.perf_counter() - t)
        t = time.perf_counter(); naive_stats(codes, W); base.append(time.perf_counter() - t)
    mo, mb = statistics.median(ours), statistics.median(base)
    print(f"feature_stats {mo:.2f} s (min {min(ours):.2f}), careful NumPy baseline {mb:.2f} s (min {min(base):.2f}) "
          f"-> x{mb / mo:.2f}; load average now {os.getloadavg()[0]:.1f}")
    runs = [profile(codes, W) for _ in range(a.rounds)]
    prof = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    tot = sum(prof.values())
    print(f"profile of feature_stats (each phase alone, medians of {a.rounds} runs):")
    for name, s in prof.items(): print(f"  {name:32s} {s:7.3f} s  {s / tot:6.1%}")


if __name__ == "__main__":
    main()
