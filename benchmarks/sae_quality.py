"""SAE quality on real abstracts: held-out NMSE and dead latents after a fixed budget, with and without AuxK.

Data: ../shared/data/arxiv_abstracts.parquet (29,627 astro-ph / cs.LG / cs.CL abstracts, title + abstract),
embedded with the default offline model (all-MiniLM-L6-v2, 384-d) through `universetbd.embeddings.embed_corpus`
(cached on disk after the first run, which takes several minutes on 2 cores). 10% of the abstracts are held
out. Each configuration is trained twice from the same seed: with the AuxK loss (auxk = 2k, coefficient 1/32)
and without it (auxk = 0); the baseline is the run without AuxK.

A latent is *dead* when it has not fired for `dead_steps` steps; the authors used one epoch of their data
(266 steps), so here `dead_steps` defaults to one epoch of this corpus. We report the training counter's
dead fraction and the fraction of latents active on no document at all (train + held-out).

    python benchmarks/sae_quality.py                                   # k=32, n=3072, the default budget
    python benchmarks/sae_quality.py --n 12288 --lr 3e-3 --steps 4000  # a setting where latents die without AuxK
    python benchmarks/sae_quality.py --embeddings X.npy --device cuda   # vectors computed elsewhere (same row order)

Measured (see the closing note of issue 8 for the figures): with the authors' lr 1e-4 and n=3072 no latent dies
with or without AuxK; with n=12288, lr 3e-3, 4000 steps and dead_steps = one epoch, 22% of the latents are dead
without AuxK and 13% with it.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from universetbd.core import shared_data  # noqa: E402

DATA = shared_data("arxiv_abstracts.parquet")


def load_embeddings(path=DATA):
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from universetbd.corpus import load_corpus
    from universetbd.embeddings import embed_corpus
    corpus = load_corpus(path)
    t = time.perf_counter()
    texts, parts = corpus.texts, []
    for s in range(0, len(texts), 2000):          # chunks, so an interrupted first run keeps what it embedded
        parts.append(embed_corpus(texts[s:s + 2000]))
    import numpy as np
    X = np.concatenate(parts)
    print(f"embedded {len(X):,} abstracts -> {X.shape} in {time.perf_counter() - t:.0f} s (cached after the first run)")
    return X


def run(X_train, X_val, n, k, auxk, lr, steps, batch, dead_steps, seed, device=None):
    import numpy as np
    from universetbd.sae.topk import encode_corpus, evaluate_nmse, train_sae
    t = time.perf_counter()
    sae, hist = train_sae(X_train, X_val=X_val, n_latents=n, k=k, auxk=auxk, lr=lr, steps=steps, batch_size=batch,
                          dead_steps=dead_steps, seed=seed, val_fraction=0.0, eval_every=10**9, show_progress=False,
                          device=device)
    secs = time.perf_counter() - t
    dens = np.maximum(encode_corpus(sae, X_train).density() * len(X_train),
                      encode_corpus(sae, X_val).density() * len(X_val))
    return {"n": n, "k": k, "auxk": auxk, "lr": lr, "steps": len(hist), "seconds": secs,
            "val_nmse": evaluate_nmse(sae, X_val), "train_nmse_last": float(hist["nmse"].iloc[-1]),
            "dead_counter": float(sae.dead_mask().float().mean()), "never_active": float((dens == 0).mean())}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=3072)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-4, help="Adam learning rate (authors: 1e-4)")
    ap.add_argument("--steps", type=int, default=800)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--dead-steps", type=int, default=None, help="default: one epoch of the training rows")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", choices=["auxk", "noauxk"], default=None)
    ap.add_argument("--device", default=None, help="cpu, cuda, ... (default: core.get_device())")
    ap.add_argument("--embeddings", default=None,
                    help="a .npy of the abstracts' embeddings in file order (default: embed with embed_corpus)")
    a = ap.parse_args()
    if not DATA.exists(): sys.exit(f"{DATA} is missing: this benchmark needs the shared arXiv data")
    import numpy as np, torch
    os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")
    if a.embeddings:
        X = np.load(a.embeddings).astype(np.float32)
        print(f"embeddings from {a.embeddings}: {X.shape}")
    else: X = load_embeddings()
    perm = np.random.default_rng(0).permutation(len(X))
    n_val = len(X) // 10
    X_val, X_train = X[perm[:n_val]], X[perm[n_val:]]
    dead_steps = a.dead_steps or max(1, len(X_train) // a.batch)
    print(f"train {len(X_train):,} / held-out {len(X_val):,}; n={a.n}, k={a.k}, lr={a.lr}, batch {a.batch}, "
          f"{a.steps} steps ({a.steps * a.batch / len(X_train):.1f} epochs), dead after {dead_steps} steps; "
          f"torch threads {torch.get_num_threads()}")
    rows = []
    for auxk in ([2 * a.k, 0] if a.only is None else [2 * a.k if a.only == "auxk" else 0]):
        r = run(X_train, X_val, a.n, a.k, auxk, a.lr, a.steps, a.batch, dead_steps, a.seed, a.device)
        rows.append(r)
        print(f"  auxk={auxk:4d}: held-out NMSE {r['val_nmse']:.4f}  dead (counter) {r['dead_counter']:.2%}  "
              f"never active {r['never_active']:.2%}  last-batch NMSE {r['train_nmse_last']:.4f}  ({r['seconds']:.0f} s)",
              flush=True)
    if len(rows) == 2:
        w, wo = rows
        print(f"AuxK vs no AuxK: held-out NMSE {w['val_nmse']:.4f} vs {wo['val_nmse']:.4f} "
              f"(ratio {wo['val_nmse'] / w['val_nmse']:.3f}); dead {w['dead_counter']:.2%} vs {wo['dead_counter']:.2%}")


if __name__ == "__main__":
    main()
