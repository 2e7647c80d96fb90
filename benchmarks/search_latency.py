"""Steered-query latency of the exact search, against faiss IndexFlatIP in the same run; HNSW recall@10.

For each size (1k, 3k and 100k x 384 and 420k x 1536 random unit vectors by default) it times, per single
query: the SAE steering step (edit the query's code, decode the columns it uses; the code of a query is
computed once, as `SteeringSearch` caches it, and that encoding is timed on its own), the exact top-10
(`ExactIndex`), the steered query (steering step + exact top-10), and faiss `IndexFlatIP.search` on the same
vectors and queries (the baseline); the ratios exact / faiss and steered / faiss are the figures to compare
with the 1.0x and 1.2x targets. The run sets OMP_WAIT_POLICY=PASSIVE unless it is set (see
benchmarks/sae_train_speed.py for why). Batched queries (32 at once) are timed too. Then an HNSW index
(`ANNIndex`, faiss IndexHNSWFlat, M=32, efConstruction=200) is built on the smaller set and its
recall@10 against exact search and speed-up are reported for several efSearch values.
`ExactIndex(dtype="float16")` (float16 scan, exact float32 re-rank of the top candidates) is timed
too, with its own ratio to faiss and its agreement with the float32 top-10.

`--real sample,2k` repeats the exact/faiss/float16 timing and the HNSW recall on REAL embeddings
(all-MiniLM-L6-v2, 384-d): `sample` = the 3,000 shipped arXiv-sample vectors, `2k` = the shared
arxiv_abstracts_2k.parquet and `full` = the 29,627 shared abstracts (both embedded with `embed_corpus`,
cached; the full file takes ~20 min on 2 cores the first time). 200 documents are held out as
queries (their own vectors), the index holds the rest.

    python benchmarks/search_latency.py [--sizes 100000x384,420000x1536] [--device cpu] [--ann-size 100000x384]
                                        [--real sample,2k]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch and faiss load OpenMP

import numpy as np
import torch

from universetbd.core import get_device
from universetbd.sae.topk import TopKSAE, TopKSAEConfig
from universetbd.search.index import ANNIndex, ExactIndex, ann_recall
from universetbd.search.steering import steer_sae


def unit(rng, n, d):
    X = np.empty((n, d), np.float32)
    for s in range(0, n, 50_000):
        B = rng.standard_normal((min(50_000, n - s), d), dtype=np.float32)
        X[s:s + len(B)] = B / np.linalg.norm(B, axis=1, keepdims=True)
    return X


def timeit(fn, reps):
    fn()  # warm-up
    ts = []
    for _ in range(reps):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def bench_size(n, d, dev, reps, rng):
    X = unit(rng, n, d)
    Q = unit(rng, max(reps, 32), d)
    n_lat, k = (9216, 64) if d >= 1024 else (3072, 32)
    sae = TopKSAE(TopKSAEConfig(d_in=d, n_latents=n_lat, k=k, auxk=2 * k)).to(dev).eval()
    idx = ExactIndex(X, device=dev)
    qi = iter(range(10**9))

    Qt = torch.from_numpy(Q).to(dev)
    codes = [sae.encode_topk(Qt[j:j + 1]) for j in range(len(Q))]   # a query is encoded once (SteeringSearch caches it)

    def steered():   # a slider move: edit the query's code, decode its columns, search
        j = next(qi) % len(Q)
        v, i = codes[j]
        e2, _ = steer_sae(sae, Qt[j:j + 1], [(int(i[0, 0]), "scale", 0.0), (7, "set", 1.0)], code=codes[j])
        return idx.search(e2.cpu().numpy() if dev.type != "cpu" else e2.numpy(), 10)

    def steer_only():
        j = next(qi) % len(Q)
        with torch.no_grad(): e2, _ = steer_sae(sae, Qt[j:j + 1], [(7, "set", 1.0)], code=codes[j])
        if dev.type == "cuda": torch.cuda.synchronize()

    def encode_only():   # a new query's SAE code (once per query)
        j = next(qi) % len(Q)
        sae.encode_topk(Qt[j:j + 1])
        if dev.type == "cuda": torch.cuda.synchronize()

    t_steer = timeit(steer_only, reps)
    t_encode = timeit(encode_only, reps)
    t_exact1 = timeit(lambda: idx.search(Q[next(qi) % len(Q)], 10), reps)
    t_total = timeit(steered, reps)
    t_exact32 = timeit(lambda: idx.search(Q[:32], 10), max(3, reps // 4))
    idx16 = ExactIndex(X, device=dev, dtype="float16")
    t_16 = timeit(lambda: idx16.search(Q[next(qi) % len(Q)], 10), reps)
    same16 = ann_recall(idx16.search(Q[:32], 10)[1], idx.search(Q[:32], 10)[1])
    del idx16
    out = {"fp16_ms": 1e3 * t_16, "fp16_same_top10": same16, "n": n, "d": d, "steer_ms": 1e3 * t_steer, "encode_ms": 1e3 * t_encode,
           "exact_ms": 1e3 * t_exact1, "steered_query_ms": 1e3 * t_total,
           "exact_batch32_ms": 1e3 * t_exact32}
    try:
        import faiss
        fi = faiss.IndexFlatIP(d); fi.add(X)
        t_f1 = timeit(lambda: fi.search(Q[next(qi) % len(Q)][None], 10), reps)
        t_f32 = timeit(lambda: fi.search(Q[:32], 10), max(3, reps // 4))
        s_f, i_f = fi.search(Q[:32], 10)
        s_e, i_e = idx.search(Q[:32], 10)
        out.update(faiss_ms=1e3 * t_f1, faiss_batch32_ms=1e3 * t_f32, ratio_single=t_exact1 / t_f1, ratio_fp16=t_16 / t_f1,
                   ratio_steered=t_total / t_f1,
                   ratio_batch32=t_exact32 / t_f32, same_top10=ann_recall(i_e, i_f))
        del fi
    except ImportError:
        out.update(faiss_ms=float("nan"), note="faiss not installed: no baseline")
    del idx, X
    return out


def real_embeddings(name: str) -> np.ndarray:
    "The (N, 384) unit-norm MiniLM vectors of a real corpus: 'sample', '2k' or 'full'."
    if name == "sample":
        from universetbd.corpus import arxiv_sample
        return arxiv_sample(with_embeddings=True)[1]
    import pandas as pd
    from universetbd.core import shared_data
    from universetbd.embeddings import embed_corpus
    path = shared_data({"2k": "arxiv_abstracts_2k.parquet", "full": "arxiv_abstracts.parquet"}[name])
    if not path.exists(): raise SystemExit(f"no shared data at {path}: use --real sample")
    df = pd.read_parquet(path)
    return embed_corpus((df.title.fillna("") + ". " + df.abstract.fillna("")).tolist(), batch_size=64, show_progress=False)


def bench_real(name, reps, ef_values=(16, 32, 64, 128)):
    "Exact vs faiss flat vs float16 single-query latency, and HNSW recall@10, on real embeddings (200 held-out queries)."
    E = real_embeddings(name).astype(np.float32)
    rng = np.random.default_rng(0)
    held = np.zeros(len(E), bool); held[rng.choice(len(E), 200, replace=False)] = True
    X, Q = np.ascontiguousarray(E[~held]), np.ascontiguousarray(E[held])
    exact, exact16 = ExactIndex(X, device="cpu"), ExactIndex(X, device="cpu", dtype="float16")
    _, ei = exact.search(Q, 10)
    qi = iter(range(10**9))
    out = {"name": name, "n": len(X), "d": X.shape[1],
           "exact_ms": 1e3 * timeit(lambda: exact.search(Q[next(qi) % len(Q)], 10), reps),
           "fp16_ms": 1e3 * timeit(lambda: exact16.search(Q[next(qi) % len(Q)], 10), reps),
           "fp16_same_top10": ann_recall(exact16.search(Q, 10)[1], ei)}
    try:
        import faiss
        fi = faiss.IndexFlatIP(X.shape[1]); fi.add(X)
        out["faiss_ms"] = 1e3 * timeit(lambda: fi.search(Q[next(qi) % len(Q)][None], 10), reps)
    except ImportError: out["faiss_ms"] = float("nan")
    t_exact = timeit(lambda: exact.search(Q, 10), 3) / len(Q)
    ann = ANNIndex(X, backend="faiss")
    out["build_s"], out["hnsw"] = ann.build_seconds, []
    for ef in ef_values:
        ann.ef_search = ef
        _, ai = ann.search(Q, 10)
        t_ann = timeit(lambda: ann.search(Q, 10), 3) / len(Q)
        out["hnsw"].append({"ef_search": ef, "recall@10": ann_recall(ai, ei), "ann_ms": 1e3 * t_ann,
                            "exact_ms": 1e3 * t_exact, "speedup": t_exact / t_ann})
    return out


def bench_ann(n, d, rng, ef_values=(64, 128, 256, 512)):
    X = unit(rng, n, d)
    Q = unit(rng, 200, d)
    exact = ExactIndex(X, device="cpu")
    _, ei = exact.search(Q, 10)
    t_exact = timeit(lambda: exact.search(Q, 10), 3) / len(Q)
    ann = ANNIndex(X, backend="faiss")
    rows = []
    for ef in ef_values:
        ann.ef_search = ef
        _, ai = ann.search(Q, 10)
        t_ann = timeit(lambda: ann.search(Q, 10), 3) / len(Q)
        rows.append({"ef_search": ef, "recall@10": ann_recall(ai, ei), "ann_ms": 1e3 * t_ann,
                     "exact_ms": 1e3 * t_exact, "speedup": t_exact / t_ann})
    # the same on clustered data (closer to real embeddings than uniform random vectors)
    C = unit(rng, 200, d)
    Xc = C[rng.integers(0, 200, n)] + 0.6 * unit(rng, n, d)
    Xc /= np.linalg.norm(Xc, axis=1, keepdims=True)
    Qc = Xc[rng.choice(n, 200, replace=False)] + 0.1 * unit(rng, 200, d)
    exact_c = ExactIndex(Xc, device="cpu"); _, eci = exact_c.search(Qc, 10)
    ann_c = ANNIndex(Xc, backend="faiss")
    for ef in ef_values:
        ann_c.ef_search = ef
        _, aci = ann_c.search(Qc, 10)
        t_ann = timeit(lambda: ann_c.search(Qc, 10), 3) / len(Qc)
        rows.append({"data": "clustered", "ef_search": ef, "recall@10": ann_recall(aci, eci), "ann_ms": 1e3 * t_ann,
                     "exact_ms": 1e3 * t_exact, "speedup": t_exact / t_ann})
    return rows, ann.build_seconds, ann_c.build_seconds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="1000x384,3000x384,100000x384,420000x1536")
    p.add_argument("--device", default="cpu")
    p.add_argument("--reps", type=int, default=15)
    p.add_argument("--ann-size", default="100000x384", help="NxD for the HNSW recall test ('' to skip)")
    p.add_argument("--real", default="", help="real embedding sets to measure too: sample, 2k, full (comma-separated)")
    a = p.parse_args()
    dev = get_device(a.device)
    rng = np.random.default_rng(0)
    print(f"device {dev}, torch threads {torch.get_num_threads()}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for size in [s for s in a.sizes.split(",") if s]:
        n, d = map(int, size.lower().split("x"))
        r = bench_size(n, d, dev, a.reps, rng)
        print(f"\n{n} x {d}: steering step {r['steer_ms']:.3f} ms (encoding a new query {r['encode_ms']:.3f} ms, once); "
              f"exact top-10 {r['exact_ms']:.3f} ms; steered query total {r['steered_query_ms']:.3f} ms; "
              f"batch of 32: {r['exact_batch32_ms']:.2f} ms", flush=True)
        if "ratio_single" in r:
            print(f"  faiss IndexFlatIP (baseline): {r['faiss_ms']:.3f} ms single, {r['faiss_batch32_ms']:.2f} ms batch of 32"
                  f"  -> exact/faiss ratio {r['ratio_single']:.2f} (single), {r['ratio_steered']:.2f} (steered query), "
                  f"{r['ratio_batch32']:.2f} (batch); same top-10: {r['same_top10']:.3f}", flush=True)
            print(f"  float16 scan + float32 re-rank: {r['fp16_ms']:.1f} ms single -> fp16/faiss ratio {r['ratio_fp16']:.2f}; "
                  f"same top-10 as float32: {r['fp16_same_top10']:.3f}", flush=True)
        else: print("  " + r["note"])
    if a.ann_size:
        n, d = map(int, a.ann_size.lower().split("x"))
        rows, b1, b2 = bench_ann(n, d, rng)
        print(f"\nHNSW (faiss IndexHNSWFlat M=32 efC=200) on {n} x {d}: build {b1:.0f} s (uniform), {b2:.0f} s (clustered)")
        for r in rows:
            print(f"  {r.get('data', 'uniform'):9s} efSearch {r['ef_search']:4d}: recall@10 {r['recall@10']:.3f}, "
                  f"{r['ann_ms']:.2f} ms/query vs exact {r['exact_ms']:.2f} ms/query (batched) -> speed-up {r['speedup']:.1f}x")
    for name in [s for s in a.real.split(",") if s]:
        r = bench_real(name, a.reps)
        print(f"\nreal embeddings '{name}' ({r['n']} x {r['d']} MiniLM, 200 held-out documents as queries): exact top-10 "
              f"{r['exact_ms']:.2f} ms, faiss flat {r['faiss_ms']:.2f} ms -> exact/faiss ratio {r['exact_ms'] / r['faiss_ms']:.2f}; "
              f"float16 + re-rank {r['fp16_ms']:.2f} ms (same top-10: {r['fp16_same_top10']:.3f})", flush=True)
        print(f"  HNSW (M=32 efC=200) build {r['build_s']:.1f} s")
        for h in r["hnsw"]:
            print(f"  real      efSearch {h['ef_search']:4d}: recall@10 {h['recall@10']:.3f}, {h['ann_ms']:.3f} ms/query vs "
                  f"exact {h['exact_ms']:.3f} ms/query (batched) -> speed-up {h['speedup']:.1f}x", flush=True)


if __name__ == "__main__":
    main()
