"""No-LLM steering evaluation on the arXiv abstracts (METHODS section 1, the authors' u/d grid).

Embeds the 29,627 abstracts (title + abstract) with the default model (cached), trains a top-k SAE on
them (or loads one), encodes the corpus, takes the embeddings of `--queries` paper titles as queries,
and for each query lowers its strongest feature (d) and raises a random feature of moderate density (u)
by direct addition, e' = e + d W_dec[:, down] + u W_dec[:, up]. Printed per (u, d): mean cos(e, e'),
fraction of queries where the raised feature's mean activation in the top 10 rose and the lowered one's
fell. Baseline in the same run: the unsteered top 10 (u = d = 0 gives no change by construction) and a
random-direction control of the same norm as u W_dec[:, up].

    python benchmarks/search_steering_eval.py [--device cuda] [--sae DIR] [--model PATH] [--queries 500]
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from universetbd.core import get_device, seed_everything, shared_data
from universetbd.sae.topk import TopKSAE, TopKSAEConfig, encode_corpus, train_sae
from universetbd.search.evaluate import steering_eval, steering_pairs, steering_summary
from universetbd.search.index import ExactIndex

HERE = Path(__file__).resolve().parent
DATA = shared_data("arxiv_abstracts.parquet")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=str(DATA))
    p.add_argument("--model", default=None, help="sentence-transformers model folder (default: the offline default)")
    p.add_argument("--embeddings", default=None, help=".npy of precomputed corpus embeddings (skips embedding)")
    p.add_argument("--sae", default=None, help="a saved TopKSAE directory (default: train one)")
    p.add_argument("--n-latents", type=int, default=3072)
    p.add_argument("--k", type=int, default=32)
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--device", default=None)
    p.add_argument("--out", default=None, help="folder for embeddings/SAE/results (default: none saved)")
    a = p.parse_args()
    dev = get_device(a.device)
    t0 = time.perf_counter()
    df = pd.read_parquet(a.data)
    texts = (df.title.fillna("") + ". " + df.abstract.fillna("")).tolist()
    from universetbd.embeddings import Embedder, embed_corpus
    emb = Embedder(a.model, device=str(dev)) if a.model else None
    if a.embeddings: E = np.load(a.embeddings).astype(np.float32)
    else: E = embed_corpus(texts, embedder=emb, batch_size=128, show_progress=False, cache=a.model is None)
    t_embed = time.perf_counter() - t0
    print(f"corpus: {len(df)} abstracts, embeddings {E.shape} in {t_embed:.1f} s on {dev}", flush=True)
    if a.sae: sae = TopKSAE.load(a.sae).to(dev)
    else:
        k = a.k
        sae, hist = train_sae(E, TopKSAEConfig(d_in=E.shape[1], n_latents=a.n_latents, k=k, auxk=2 * k, epochs=a.epochs),
                              device=dev, show_progress=False, embedding_model="all-MiniLM-L6-v2")
        print(f"SAE n={a.n_latents} k={k} auxk={2*k} {a.epochs} epochs: val NMSE {sae.metadata['training']['val_nmse']:.4f}, "
              f"dead {sae.metadata['training']['dead_fraction']:.1%}, {sae.metadata['training']['seconds']:.0f} s", flush=True)
    sae.eval()
    codes = encode_corpus(sae, E, show_progress=False)
    index = ExactIndex(E, df.id, device=dev)
    rng = seed_everything(0)
    qrows = rng.choice(len(df), a.queries, replace=False)
    Q = (emb or __import__("universetbd.embeddings", fromlist=["default_embedder"]).default_embedder()).encode(
        df.title.iloc[qrows].fillna("").tolist(), show_progress=False)
    up, down = steering_pairs(sae, Q, codes)
    ev = steering_eval(index, sae, codes, Q, up, down)
    summ = steering_summary(ev)
    # control: a random unit direction instead of W_dec[:, up] (same weights)
    W = sae.W_dec.detach().float().cpu().numpy()
    R = rng.standard_normal(W.shape).astype(np.float32); R /= np.linalg.norm(R, axis=0, keepdims=True)
    import torch
    class _Rand:  # same interface as the SAE for steering_eval's W_dec
        W_dec = torch.from_numpy(R)
    ctrl = steering_summary(steering_eval(index, _Rand, codes, Q, up, down, u_grid=(1.0, 2.5), d_grid=(0.0,)))
    pd.set_option("display.width", 160)
    print("\nsteering grid (mean over queries): cos = cos(e, e'); up_rose/down_fell = fraction of queries whose "
          "raised feature's mean top-10 activation rose / lowered feature's fell")
    print(summ.round(3).to_string(index=False))
    print("\ncontrol: random unit directions instead of decoder columns (d = 0)")
    print(ctrl[["u", "d", "cos", "up_rose", "up_delta"]].round(3).to_string(index=False))
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    if a.out:
        out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
        summ.to_csv(out / "steering_summary.csv", index=False)
        if not a.sae: sae.save(out / "sae")
        (out / "steering_meta.json").write_text(json.dumps({"n_docs": len(df), "queries": a.queries, "device": str(dev)}))


if __name__ == "__main__":
    main()
