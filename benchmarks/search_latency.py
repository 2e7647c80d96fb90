"""Single-query and steered-query latency of the exact search, against faiss IndexFlatIP in the same run; batches; HNSW recall@10.

For each size (1k, 3k and 100k x 384 and 420k x 1536 random unit vectors by default) it times, per single
query: the SAE steering step (`QueryCode.vector`: edit the query's code, decode the columns the edits touch; the
code of a query is computed once, as `SteeringSearch` caches it, and that encoding is timed on its own; the public
`steer_sae`, torch in and out, is timed for reference, apart from the others: torch's thread pool stays awake after
its kernels and slowed every call timed after it, faiss's included, by 20-50% at 1k x 384), the exact top-10 (`ExactIndex.search` with one (d,) vector),
the steered query, and faiss `IndexFlatIP.search` on the same vectors and queries (the baseline). The steered query
is a slider move as `SteeringSearch` runs it (`steered_search`: the summed cached scores of the query's decode and
its edited latents, then the candidates scored exactly), on one of 4 open queries whose scores their first move
cached, the edited value changing from call to call; the first move on a query (the cache emptied before each
call) and the same move as a search with the steered vector (what `SteeringSearch` ran before) are printed beside
it. These are timed in turn, call after call (medians of at least 2,000 calls
each on the small sizes), so that all see the same load; the ratios exact / faiss and steered / faiss are the
figures to compare with the 1.0x and 1.2x targets. It checks that the top-10s equal faiss's (equal scores in any
order) and prints the largest score difference. The run sets OMP_WAIT_POLICY=PASSIVE unless it is set (see
benchmarks/sae_train_speed.py for why). Batches (one `search(Q)` call with Q of shape (32, d) and (256, d)) are
timed against faiss's batch search. Then an HNSW index (`ANNIndex`, faiss IndexHNSWFlat, M=32, efConstruction=200)
is built on the smaller set and its recall@10 against exact search and speed-up are reported for several efSearch
values. `ExactIndex(dtype="float16")` (float16 scan, exact float32 re-rank of the top candidates) is timed too, with
its own ratio to faiss and its agreement with the float32 top-10. A summary table closes the run.

`--real sample,2k` repeats the exact/faiss/steered/float16 timing, a batch of the 200 queries and the HNSW recall
on REAL embeddings (all-MiniLM-L6-v2, 384-d): `sample` = the 3,000 shipped arXiv-sample vectors, `2k` = the shared
arxiv_abstracts_2k.parquet and `full` = the 29,627 shared abstracts (both embedded with `embed_corpus`,
cached; the full file takes ~20 min on 2 cores the first time). 200 documents are held out as
queries (their own vectors), the index holds the rest.

    python benchmarks/search_latency.py [--sizes 1000x384,3000x384,100000x384] [--device cpu] [--ann-size 100000x384]
                                        [--real sample,2k] [--reps 15]
"""
from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # before torch and faiss load OpenMP

import numpy as np
import torch

from universetbd.core import get_device
from universetbd.sae.topk import TopKSAE, TopKSAEConfig
from universetbd.search.index import ANNIndex, ExactIndex, ann_recall
from universetbd.search.steering import _STEER_CACHE, QueryCode, steer_sae, steered_search

OPEN = 4   # queries open at once in the slider-move timing (`steered_search` keeps the scores of 4 decodes per index)


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


def fmt(ms: float) -> str:
    "A duration given in milliseconds, in us below 1 ms."
    return f"{1e3 * ms:.1f} us" if ms < 1 else f"{ms:.2f} ms"


def interleaved(fns: dict, reps: int) -> dict:
    """Median seconds per call of each function, the calls taken in turn (order reversed every other round), so that all
    see the same load: on shared cores the load changes within seconds and would skew one-after-the-other timings."""
    names = list(fns)
    for f in fns.values(): f()   # warm-up
    ts = {k: [] for k in names}
    for r in range(reps):
        for k in (names if r % 2 == 0 else names[::-1]):
            t = time.perf_counter(); fns[k](); ts[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in ts.items()}


def steered_agree(index, qcodes, edits) -> int:
    """Queries whose `steered_search` top-10 is the top-10 of a search with the steered vector (rows swapped only
    where the two scores are within 1e-6), for a move of each query's edits."""
    same = 0
    for qc, eds in zip(qcodes, edits):
        eds = [eds[0], (7, "set", 1.5)]
        s1, i1 = steered_search(index, qc, eds, 10)
        s2, i2 = index.search(qc.vector(eds), 10)
        same += all(a == b or abs(u - v) <= 1e-6 for a, b, u, v in zip(i1[0], i2[0], s1[0], s2[0]))
    return same


def reps_for(n, d, reps):
    "More repetitions for small corpora (a call takes microseconds there, and the median needs many)."
    return max(reps, 2000) if n * d <= 4_000_000 else reps


def same_results(idx, fi, Q, k=10):
    """(queries whose top-k equals faiss's with one call per query (the single-query path), the same with all queries
    in one call (the batch path), the largest score difference). Equal: the same ids, in the same order except where
    the two scores differ by at most 1e-6 (equal or float-close scores, which faiss orders its own way)."""
    s_f, i_f = fi.search(Q, k)
    def same(s_e, i_e):
        return int(sum(set(x.tolist()) == set(y.tolist()) and all(a == b or abs(u - v) <= 1e-6 for a, b, u, v in zip(x, y, su, sv))
                       for x, y, su, sv in zip(i_e, i_f, s_e, s_f)))
    single = [idx.search(q, k) for q in Q]
    s1, i1 = np.concatenate([r[0] for r in single]), np.concatenate([r[1] for r in single])
    sb, ib = idx.search(Q, k)
    return same(s1, i1), same(sb, ib), float(max(np.abs(s1 - s_f).max(), np.abs(sb - s_f).max()))


def bench_size(n, d, dev, reps, rng):
    X = unit(rng, n, d)
    Q = unit(rng, 256, d)
    n_lat, k = (9216, 64) if d >= 1024 else (3072, 32)
    sae = TopKSAE(TopKSAEConfig(d_in=d, n_latents=n_lat, k=k, auxk=2 * k)).to(dev).eval()
    idx = ExactIndex(X, device=dev)
    qi = iter(range(10**9))
    nq = len(Q)
    reps1 = reps_for(n, d, reps)

    Qt = torch.from_numpy(Q).to(dev)
    codes = [sae.encode_topk(Qt[j:j + 1]) for j in range(nq)]   # a query is encoded once (SteeringSearch caches it)
    qcodes = [QueryCode(sae, c) for c in codes]                  # ... as a QueryCode, which each slider move re-decodes
    edits = [[(int(c[1][0, 0]), "scale", 0.0), (7, "set", 1.0)] for c in codes]   # drop the top feature, set another

    moves = itertools.cycle(np.linspace(-2.0, 2.0, 41).tolist())   # the slider's values

    def steered():   # a slider move on one of OPEN queries (what SteeringSearch runs: `steered_search`, scores cached)
        j = next(qi) % OPEN
        return steered_search(idx, qcodes[j], [edits[j][0], (7, "set", next(moves))], 10)

    def steered_vector():   # the same move as a search with the steered vector (what SteeringSearch ran before)
        j = next(qi) % OPEN
        return idx.search(qcodes[j].vector([edits[j][0], (7, "set", next(moves))]), 10)

    def steered_first():   # the first move on a query: its scores and the edited latents' scores computed first
        st = _STEER_CACHE.get(idx)
        if st is not None: st["decodes"].clear(); st["latents"].clear()
        return steered()

    def steer_only():
        j = next(qi) % nq
        qcodes[j].vector(edits[j])

    def steer_sae_only():   # the public function (torch in and out, with the dense code), for reference
        j = next(qi) % nq
        steer_sae(sae, Qt[j:j + 1], edits[j], code=codes[j])
        if dev.type == "cuda": torch.cuda.synchronize()

    def encode_only():   # a new query's SAE code (once per query)
        j = next(qi) % nq
        QueryCode(sae, sae.encode_topk(Qt[j:j + 1]))
        if dev.type == "cuda": torch.cuda.synchronize()

    fns = {"exact": lambda: idx.search(Q[next(qi) % nq], 10), "steered": steered, "steered_vector": steered_vector,
           "steer": steer_only}
    fi = None
    try:
        import faiss
        fi = faiss.IndexFlatIP(d); fi.add(X)
        fns["faiss"] = lambda: fi.search(Q[next(qi) % nq][None], 10)
    except ImportError: pass
    t = interleaved(fns, reps1)
    t_encode = timeit(encode_only, min(reps1, 200))
    t["steered_first"] = timeit(steered_first, min(reps1, 200))
    t["steer_sae"] = timeit(steer_sae_only, min(reps1, 200))   # torch's kernels: timed apart, as their thread pool
                                                               # stays awake after each call and would slow the next
    batch = {}
    for b in (4, 32, 256):
        bf = {"exact": lambda b=b: idx.search(Q[:b], 10)}
        if fi is not None: bf["faiss"] = lambda b=b: fi.search(Q[:b], 10)
        batch[b] = interleaved(bf, (40 if b <= 32 else 10) if n * d <= 4_000_000 else max(3, reps // 4))
    idx16 = ExactIndex(X, device=dev, dtype="float16")
    t_16 = timeit(lambda: idx16.search(Q[next(qi) % nq], 10), reps1)
    same16 = ann_recall(idx16.search(Q[:32], 10)[1], idx.search(Q[:32], 10)[1])
    del idx16
    out = {"fp16_ms": 1e3 * t_16, "fp16_same_top10": same16, "n": n, "d": d, "reps": reps1,
           "steer_ms": 1e3 * t["steer"], "steer_sae_ms": 1e3 * t["steer_sae"], "encode_ms": 1e3 * t_encode,
           "exact_ms": 1e3 * t["exact"], "steered_query_ms": 1e3 * t["steered"],
           "steered_vector_ms": 1e3 * t["steered_vector"], "steered_first_ms": 1e3 * t["steered_first"],
           "steered_same": steered_agree(idx, qcodes, edits), "n_steered": len(qcodes),
           "batch": {b: {k: 1e3 * v for k, v in bt.items()} for b, bt in batch.items()}}
    if fi is not None:
        same1, sameb, diff = same_results(idx, fi, Q)
        out.update(faiss_ms=1e3 * t["faiss"], ratio_single=t["exact"] / t["faiss"], ratio_fp16=t_16 / t["faiss"],
                   ratio_steered=t["steered"] / t["faiss"], same_top10=same1, same_top10_batch=sameb, n_queries=nq,
                   max_score_diff=diff)
        del fi
    else:
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
    """Exact vs faiss flat vs float16 single-query latency, a steered query, batches, and HNSW recall@10, on real
    embeddings (200 held-out queries). The steered query uses an untrained SAE of the synthetic runs' shape (3072
    latents, k 32): the steering step's cost does not depend on the weights."""
    E = real_embeddings(name).astype(np.float32)
    rng = np.random.default_rng(0)
    held = np.zeros(len(E), bool); held[rng.choice(len(E), 200, replace=False)] = True
    X, Q = np.ascontiguousarray(E[~held]), np.ascontiguousarray(E[held])
    exact, exact16 = ExactIndex(X, device="cpu"), ExactIndex(X, device="cpu", dtype="float16")
    _, ei = exact.search(Q, 10)
    qi = iter(range(10**9))
    reps1 = reps_for(*X.shape, reps)
    sae = TopKSAE(TopKSAEConfig(d_in=X.shape[1], n_latents=3072, k=32, auxk=64)).eval()
    qcodes = [QueryCode(sae, sae.encode_topk(torch.from_numpy(Q[j:j + 1]))) for j in range(len(Q))]
    edits = [[(int(c.indices[0, 0]), "scale", 0.0), (7, "set", 1.0)] for c in qcodes]

    moves = itertools.cycle(np.linspace(-2.0, 2.0, 41).tolist())   # the slider's values

    def steered():   # a slider move on one of OPEN queries, as in bench_size
        j = next(qi) % OPEN
        return steered_search(exact, qcodes[j], [edits[j][0], (7, "set", next(moves))], 10)

    fns = {"exact": lambda: exact.search(Q[next(qi) % len(Q)], 10), "steered": steered}
    fi = None
    try:
        import faiss
        fi = faiss.IndexFlatIP(X.shape[1]); fi.add(X)
        fns["faiss"] = lambda: fi.search(Q[next(qi) % len(Q)][None], 10)
    except ImportError: pass
    t = interleaved(fns, reps1)
    out = {"name": name, "n": len(X), "d": X.shape[1], "exact_ms": 1e3 * t["exact"], "steered_ms": 1e3 * t["steered"],
           "steered_same": steered_agree(exact, qcodes, edits),
           "faiss_ms": 1e3 * t.get("faiss", float("nan")),
           "fp16_ms": 1e3 * timeit(lambda: exact16.search(Q[next(qi) % len(Q)], 10), reps1),
           "fp16_same_top10": ann_recall(exact16.search(Q, 10)[1], ei)}
    bf = {"exact": lambda: exact.search(Q, 10)}
    if fi is not None: bf["faiss"] = lambda: fi.search(Q, 10)
    out["batch"] = {k: 1e3 * v for k, v in interleaved(bf, 20).items()}
    if fi is not None: out["same_top10"], out["same_top10_batch"], out["max_score_diff"] = same_results(exact, fi, Q)
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
    summary = []
    for size in [s for s in a.sizes.split(",") if s]:
        n, d = map(int, size.lower().split("x"))
        r = bench_size(n, d, dev, a.reps, rng)
        print(f"\n{n} x {d} (medians of {r['reps']} calls each, taken in turn): exact top-10 {fmt(r['exact_ms'])}; "
              f"faiss IndexFlatIP {fmt(r['faiss_ms'])}; steered query {fmt(r['steered_query_ms'])} (a slider move, "
              f"steered_search; the first move on a query {fmt(r['steered_first_ms'])}; as a search with the steered vector "
              f"{fmt(r['steered_vector_ms'])}; steering step {fmt(r['steer_ms'])}; steer_sae {fmt(r['steer_sae_ms'])}; "
              f"encoding a new query {fmt(r['encode_ms'])}, once); steered_search's top-10 = a search with the steered "
              f"vector's: {r['steered_same']}/{r['n_steered']} queries", flush=True)
        if "ratio_single" in r:
            print(f"  -> exact/faiss ratio {r['ratio_single']:.2f} (single query), {r['ratio_steered']:.2f} (steered query); "
                  f"same top-10 as faiss: {r['same_top10']}/{r['n_queries']} queries one at a time, {r['same_top10_batch']} "
                  f"in one batch; largest score difference "
                  f"{r['max_score_diff']:.1e}", flush=True)
        else: print("  " + r["note"])
        for b, bt in r["batch"].items():
            ff = f" vs faiss {fmt(bt['faiss'])} -> ratio {bt['exact'] / bt['faiss']:.2f}" if "faiss" in bt else ""
            print(f"  batch of {b} (one (b, d) call): {fmt(bt['exact'])} ({fmt(bt['exact'] / b)} per query){ff}", flush=True)
        if "ratio_single" in r:
            print(f"  float16 scan + float32 re-rank: {fmt(r['fp16_ms'])} single -> fp16/faiss ratio {r['ratio_fp16']:.2f}; "
                  f"same top-10 as float32: {r['fp16_same_top10']:.3f}", flush=True)
        summary.append((f"{n} x {d} random", r))
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
              f"{fmt(r['exact_ms'])}, faiss flat {fmt(r['faiss_ms'])} -> exact/faiss ratio {r['exact_ms'] / r['faiss_ms']:.2f}; "
              f"steered query {fmt(r['steered_ms'])} -> steered/faiss {r['steered_ms'] / r['faiss_ms']:.2f} (steered_search's "
              f"top-10 = a search with the steered vector's: {r['steered_same']}/200 queries); "
              f"float16 + re-rank {fmt(r['fp16_ms'])} (same top-10: {r['fp16_same_top10']:.3f})", flush=True)
        if "same_top10" in r:
            print(f"  same top-10 as faiss: {r['same_top10']}/200 queries one at a time, {r['same_top10_batch']} in one batch; "
                  f"largest score difference {r['max_score_diff']:.1e}; "
                  f"batch of 200: {fmt(r['batch']['exact'])} vs faiss {fmt(r['batch']['faiss'])} -> ratio "
                  f"{r['batch']['exact'] / r['batch']['faiss']:.2f}")
        print(f"  HNSW (M=32 efC=200) build {r['build_s']:.1f} s")
        for h in r["hnsw"]:
            print(f"  real      efSearch {h['ef_search']:4d}: recall@10 {h['recall@10']:.3f}, {h['ann_ms']:.3f} ms/query vs "
                  f"exact {h['exact_ms']:.3f} ms/query (batched) -> speed-up {h['speedup']:.1f}x", flush=True)
        summary.append((f"{r['n']} x {r['d']} real ({name})", dict(r, steered_query_ms=r["steered_ms"])))
    if summary:
        print("\nsummary (single queries; per query in a batch of 32, or of the 200 held-out queries for real vectors):")
        print("| vectors | exact top-10 | faiss flat | exact / faiss | steered query | steered / faiss | batch: exact / faiss per query |")
        print("|---|---|---|---|---|---|---|")
        for label, r in summary:
            bt, nb = (r["batch"][32], 32) if 32 in r["batch"] else (r["batch"], 200)
            bb = f"{fmt(bt['exact'] / nb)} / {fmt(bt['faiss'] / nb)}" if "faiss" in bt else fmt(bt["exact"] / nb)
            print(f"| {label} | {fmt(r['exact_ms'])} | {fmt(r['faiss_ms'])} | {r['exact_ms'] / r['faiss_ms']:.2f} | "
                  f"{fmt(r['steered_query_ms'])} | {r['steered_query_ms'] / r['faiss_ms']:.2f} | {bb} |")


if __name__ == "__main__":
    main()
