"""Search and SAE training past memory: the on-disk index (build time, size on disk, query latency p50/p95,
recall@10 against in-RAM exact search in the same run) and the peak memory of building/querying it and of
streamed SAE training, at growing N, against in-memory baselines.

Every stage runs in a fresh subprocess; the parent samples its /proc/<pid>/status every 10 ms. Two figures:
`rss` (VmHWM: everything resident, including pages of memory-mapped files, which the kernel may drop at any
time) and `anon` (peak RssAnon: the process's own memory, what must fit in RAM). Synthetic data: clustered
unit vectors (1,000 topic centres + noise), written shard by shard to a float32 .npy, so generating them is
flat in memory too. Real data: all-MiniLM-L6-v2 vectors of the shared arXiv abstracts (embedded once,
cached; falls back to the shipped 3,000-abstract sample), queried with held-out abstracts.

    python benchmarks/scale_index.py                                  # 100k, 300k, 1M x 384 (several minutes)
    python benchmarks/scale_index.py --sizes 100000 --usearch 100000  # + the usearch memory-mapped HNSW candidate
    python benchmarks/scale_index.py --quick                          # tiny smoke run (tests/test_scale_index.py)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------- children (one stage per process)
def _hwm_mb() -> float:
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"): return int(line.split()[1]) / 1024
    return float("nan")

def child(stage: str, a: dict) -> dict:
    os.environ["UNIVERSETBD_PROGRESS"] = "0"
    import numpy as np
    out = {}
    t0 = time.perf_counter()
    if stage == "build":
        from universetbd.search.ondisk import OnDiskIndex
        idx = OnDiskIndex.build(a["data"], a["index"], **a.get("cfg", {}))
        out = {"seconds": time.perf_counter() - t0, "bytes": idx.nbytes_on_disk, "nlist": idx.meta["nlist"], "pq_m": idx.meta["pq_m"]}
    elif stage == "query":
        from universetbd.search.ondisk import OnDiskIndex
        t = time.perf_counter(); idx = OnDiskIndex(a["index"]); open_s = time.perf_counter() - t
        Q = np.load(a["queries"]); lat, res = [], []
        for q in Q:                                                   # one query at a time, as a user would
            t = time.perf_counter(); _, i = idx.search(q, 10); lat.append(time.perf_counter() - t); res.append(i[0])
        np.save(a["result"], np.array(res))
        out = {"open_s": open_s, "p50_ms": 1e3 * float(np.percentile(lat, 50)), "p95_ms": 1e3 * float(np.percentile(lat, 95))}
    elif stage == "exact":                                            # baseline: the whole matrix in RAM
        from universetbd.search.index import ExactIndex
        X = np.load(a["data"]); idx = ExactIndex(X, device="cpu"); load_s = time.perf_counter() - t0
        Q = np.load(a["queries"]); lat, res = [], []
        for q in Q:
            t = time.perf_counter(); _, i = idx.search(q, 10); lat.append(time.perf_counter() - t); res.append(i[0])
        np.save(a["result"], np.array(res))
        out = {"load_s": load_s, "p50_ms": 1e3 * float(np.percentile(lat, 50)), "p95_ms": 1e3 * float(np.percentile(lat, 95))}
    elif stage == "usearch":                                          # candidate: usearch HNSW, memory-mapped for queries
        from usearch.index import Index
        X = np.load(a["data"], mmap_mode="r")
        ix = Index(ndim=X.shape[1], metric="ip", dtype="f16", connectivity=16)
        for s in range(0, len(X), 65536):
            ix.add(np.arange(s, min(s + 65536, len(X))), np.asarray(X[s:s + 65536], np.float32))
        ix.save(a["index"]); del ix
        out = {"seconds": time.perf_counter() - t0, "bytes": os.path.getsize(a["index"]), "build_rss_mb": _hwm_mb()}
    elif stage == "usearch-query":
        from usearch.index import Index
        ix = Index.restore(a["index"], view=True)
        Q = np.load(a["queries"]); lat, res = [], []
        for q in Q:
            t = time.perf_counter(); m = ix.search(q, 10); lat.append(time.perf_counter() - t); res.append(np.asarray(m.keys)[:10])
        np.save(a["result"], np.array(res))
        out = {"p50_ms": 1e3 * float(np.percentile(lat, 50)), "p95_ms": 1e3 * float(np.percentile(lat, 95))}
    elif stage in ("sae-stream", "sae-memory"):
        import torch
        torch.set_num_threads(a.get("threads", 1))
        from universetbd.sae.topk import train_sae
        X = a["data"] if stage == "sae-stream" else np.load(a["data"])
        sae, hist = train_sae(X, n_latents=a["n_latents"], k=a["k"], auxk=2 * a["k"], batch_size=a["batch"], steps=a["steps"],
                              lr=1e-3, device="cpu", show_progress=False)
        torch.save(sae.state_dict(), a["result"])
        out = {"seconds": time.perf_counter() - t0, "val_nmse": sae.metadata["training"]["val_nmse"]}
    out["rss_mb"] = _hwm_mb()
    return out


def run_stage(stage: str, a: dict) -> dict:
    "Run one stage in a fresh Python; sample its RssAnon every 10 ms; return its figures plus `anon_mb`."
    th = str(a.get("threads", 1))
    p = subprocess.Popen([sys.executable, __file__, "--child", stage, json.dumps(a)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, cwd=REPO,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": th, "MKL_NUM_THREADS": th})
    anon = 0.0
    while p.poll() is None:
        try:
            for line in open(f"/proc/{p.pid}/status"):
                if line.startswith("RssAnon:"): anon = max(anon, int(line.split()[1]) / 1024)
        except OSError: pass
        time.sleep(0.01)
    so, se = p.communicate()
    if p.returncode: raise RuntimeError(f"stage {stage} failed ({p.returncode}):\n{se[-3000:]}")
    r = json.loads(so.strip().splitlines()[-1]); r["anon_mb"] = anon
    return r


# ---------------------------------------------------------------- data
def synthetic(path: Path, n: int, d: int, seed: int = 0, centres: int = 1000, rank: int = 8):
    "Clustered unit vectors (topic centre + variation in the topic's own 8-d subspace + a little noise), written in 10k-row blocks to a float32 .npy (flat memory); and 200 queries from the same law."
    import numpy as np
    rng = np.random.default_rng(seed)
    C = rng.standard_normal((centres, d)).astype(np.float32); C /= np.linalg.norm(C, axis=1, keepdims=True)
    P = rng.standard_normal((256, d)).astype(np.float32) / np.sqrt(d)       # shared pool of directions
    pick = (np.arange(centres)[:, None] * 7 + np.arange(rank)[None, :]) % 256  # topic j varies along P[pick[j]]
    def draw(m):
        j = rng.integers(0, centres, m)
        z = rng.standard_normal((m, rank)).astype(np.float32) * (0.8 / np.sqrt(rank))
        b = C[j] + np.einsum("mr,mrd->md", z, P[pick[j]]) * np.sqrt(d) + 0.02 * rng.standard_normal((m, d)).astype(np.float32)
        return b / np.linalg.norm(b, axis=1, keepdims=True)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(n, d))
    for s in range(0, n, 10_000):
        m = min(10_000, n - s); X[s:s + m] = draw(m)
    X.flush(); del X
    return draw(200)


def real_vectors(n_docs: int):
    "(vectors, source name): the shared arXiv abstracts embedded with the default model (cached), or the shipped sample."
    from universetbd.core import shared_data
    src = shared_data("arxiv_abstracts.parquet")
    if n_docs > 3000 and src.exists():
        from universetbd.corpus import load_corpus
        from universetbd.embeddings import embed_corpus
        c = load_corpus(src, max_docs=n_docs)
        return embed_corpus(c, show_progress=True), f"shared arXiv abstracts ({len(c)})"
    from universetbd.corpus import arxiv_sample
    _, X = arxiv_sample(with_embeddings=True)
    return X[:n_docs], f"shipped arXiv sample ({min(n_docs, len(X))})"


def recall(a, e) -> float:
    import numpy as np
    return float(np.mean([len(set(x.tolist()) & set(y.tolist())) / len(y) for x, y in zip(a, e)]))


# ---------------------------------------------------------------- main
def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="100000,300000,1000000", help="synthetic corpus sizes (comma-separated)")
    p.add_argument("--d", type=int, default=384, help="dimension of the synthetic vectors")
    p.add_argument("--real-docs", type=int, default=30000, help="real abstracts for recall (0: none; <=3000: the shipped sample)")
    p.add_argument("--usearch", default="", help="sizes at which to also measure the usearch candidate (comma-separated)")
    p.add_argument("--sae-steps", type=int, default=100, help="SAE training steps per size")
    p.add_argument("--sae-latents", type=int, default=3072, help="SAE dictionary size")
    p.add_argument("--no-sae", action="store_true", help="skip the SAE training stages")
    p.add_argument("--workdir", default=None, help="folder for temporary files (default: the temp folder); deleted afterwards")
    p.add_argument("--json", default=None, help="also write the figures to this JSON file")
    p.add_argument("--threads", type=int, default=1, help="threads per stage (faiss/OpenMP, torch); 1 on a busy shared machine")
    p.add_argument("--quick", action="store_true", help="tiny sizes for a smoke test")
    args = p.parse_args(argv)
    import numpy as np
    if args.quick:
        args.sizes, args.real_docs, args.sae_steps, args.sae_latents = "4000", 0, 4, 256
    sizes = [int(s) for s in args.sizes.split(",") if s]
    us = {int(s) for s in args.usearch.split(",") if s}
    work = Path(tempfile.mkdtemp(prefix="utbd-scale-", dir=args.workdir))
    results = {"synthetic": [], "real": None, "usearch": []}
    try:
        for n in sizes:
            data = work / f"x{n}.npy"
            t = time.perf_counter(); Q = synthetic(data, n, args.d); gen_s = time.perf_counter() - t
            np.save(work / "q.npy", Q)
            base = {"queries": str(work / "q.npy"), "threads": args.threads}
            b = run_stage("build", {**base, "data": str(data), "index": str(work / f"ix{n}")})
            q = run_stage("query", {**base, "index": str(work / f"ix{n}"), "result": str(work / "qa.npy")})
            e = run_stage("exact", {**base, "data": str(data), "result": str(work / "qe.npy")})
            row = {"n": n, "d": args.d, "data_mb": data.stat().st_size / 2**20, "generate_s": gen_s, "build": b, "query": q,
                   "exact": e, "recall@10": recall(np.load(work / "qa.npy"), np.load(work / "qe.npy"))}
            if not args.no_sae:
                sa = {"threads": args.threads, "data": str(data), "n_latents": args.sae_latents, "k": 32, "batch": 1024 if not args.quick else 256,
                      "steps": args.sae_steps}
                row["sae_stream"] = run_stage("sae-stream", {**sa, "result": str(work / "s1.pt")})
                row["sae_memory"] = run_stage("sae-memory", {**sa, "result": str(work / "s2.pt")})
                import torch
                a, c = torch.load(work / "s1.pt"), torch.load(work / "s2.pt")
                row["sae_identical"] = all(torch.equal(a[k], c[k]) for k in a)
            if n in us:
                u = run_stage("usearch", {**base, "data": str(data), "index": str(work / f"u{n}.usearch")})
                uq = run_stage("usearch-query", {**base, "index": str(work / f"u{n}.usearch"), "result": str(work / "qu.npy")})
                results["usearch"].append({"n": n, "build": u, "query": uq, "recall@10": recall(np.load(work / "qu.npy"), np.load(work / "qe.npy"))})
                os.unlink(work / f"u{n}.usearch")
            results["synthetic"].append(row)
            shutil.rmtree(work / f"ix{n}"); os.unlink(data)
            _print_row(row, results["usearch"][-1] if n in us else None)
        if args.real_docs:
            X, name = real_vectors(args.real_docs)
            rng = np.random.default_rng(0)
            held = rng.choice(len(X), min(500, len(X) // 10), replace=False)
            keep = np.setdiff1d(np.arange(len(X)), held)
            np.save(work / "real.npy", X[keep]); np.save(work / "q.npy", X[held])
            base = {"queries": str(work / "q.npy"), "threads": args.threads}
            b = run_stage("build", {**base, "data": str(work / "real.npy"), "index": str(work / "ixr")})
            q = run_stage("query", {**base, "index": str(work / "ixr"), "result": str(work / "qa.npy")})
            e = run_stage("exact", {**base, "data": str(work / "real.npy"), "result": str(work / "qe.npy")})
            results["real"] = {"source": name, "n": len(keep), "queries": len(held), "build": b, "query": q, "exact": e,
                               "recall@10": recall(np.load(work / "qa.npy"), np.load(work / "qe.npy"))}
            r = results["real"]
            print(f"real embeddings: {name}, {r['n']} indexed x {X.shape[1]}, {r['queries']} held-out queries: "
                  f"recall@10 {r['recall@10']:.3f} (nlist {b['nlist']}, nprobe 32, re-rank 100); "
                  f"query p50 {q['p50_ms']:.2f} ms / p95 {q['p95_ms']:.2f} ms, exact in RAM p50 {e['p50_ms']:.2f} ms", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json: Path(args.json).write_text(json.dumps(results, indent=1))
    return results


def _print_row(r, u=None):
    b, q, e = r["build"], r["query"], r["exact"]
    print(f"N={r['n']:,} x {r['d']} ({r['data_mb']:.0f} MB float32 on disk)", flush=True)
    print(f"  on-disk index: build {b['seconds']:.1f} s, {b['bytes'] / 2**20:.1f} MB on disk (nlist {b['nlist']}, PQ {b['pq_m']} B), "
          f"build peak rss {b['rss_mb']:.0f} MB / anon {b['anon_mb']:.0f} MB", flush=True)
    print(f"  query (one at a time): p50 {q['p50_ms']:.2f} ms, p95 {q['p95_ms']:.2f} ms, open {1e3 * q['open_s']:.0f} ms, "
          f"peak rss {q['rss_mb']:.0f} MB / anon {q['anon_mb']:.0f} MB; recall@10 vs exact {r['recall@10']:.3f}", flush=True)
    print(f"  baseline exact in RAM: p50 {e['p50_ms']:.2f} ms, p95 {e['p95_ms']:.2f} ms, peak rss {e['rss_mb']:.0f} MB / anon {e['anon_mb']:.0f} MB", flush=True)
    if "sae_stream" in r:
        s, m = r["sae_stream"], r["sae_memory"]
        print(f"  SAE training ({s['seconds']:.0f} s streamed / {m['seconds']:.0f} s in memory): streamed peak rss {s['rss_mb']:.0f} MB / "
              f"anon {s['anon_mb']:.0f} MB; in memory rss {m['rss_mb']:.0f} MB / anon {m['anon_mb']:.0f} MB; "
              f"identical weights: {r['sae_identical']}", flush=True)
    if u:
        print(f"  usearch HNSW (f16, M=16): build {u['build']['seconds']:.1f} s, {u['build']['bytes'] / 2**20:.1f} MB, build peak rss "
              f"{u['build']['rss_mb']:.0f} MB / anon {u['build']['anon_mb']:.0f} MB; view query p50 {u['query']['p50_ms']:.2f} ms, "
              f"p95 {u['query']['p95_ms']:.2f} ms, anon {u['query']['anon_mb']:.0f} MB; recall@10 {u['recall@10']:.3f}", flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2], json.loads(sys.argv[3]))))
    else: main()
