"""Peak memory of encoding a corpus to top-k SparseCodes, against the dense N x n latent matrix it avoids.

Each measurement runs in a fresh subprocess; a thread samples the process's resident memory (/proc/self/statm)
every 2 ms during the encoding, and the figure is the peak rise over the level just before it (inputs and
model already in memory, result included). Inputs are random unit vectors.

    python benchmarks/sae_encode_memory.py                     # 100k docs, d=384, n=3072, k=32
    python benchmarks/sae_encode_memory.py --n-docs 100000 --d 1536 --n 9216 --k 64 --no-dense
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time


def _rss_mb() -> float:
    "Current resident memory of this process in MB (Linux /proc; falls back to the peak from getrusage)."
    try:
        with open("/proc/self/statm") as f: return int(f.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError: return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class PeakSampler:
    "Sample the resident memory in a background thread; `.peak` is the maximum seen."
    def __init__(self, every=0.002): self.every, self.peak, self._stop = every, _rss_mb(), False
    def _run(self):
        while not self._stop: self.peak = max(self.peak, _rss_mb()); time.sleep(self.every)
    def __enter__(self):
        import threading
        self._t = threading.Thread(target=self._run, daemon=True); self._t.start(); return self
    def __exit__(self, *exc): self._stop = True; self._t.join(); self.peak = max(self.peak, _rss_mb())


def child(mode, n_docs, d, n, k, batch_size):
    import os
    os.environ["UNIVERSETBD_PROGRESS"] = "0"
    import torch
    from universetbd.sae.topk import TopKSAE, encode_corpus
    torch.manual_seed(0)
    X = torch.nn.functional.normalize(torch.randn(n_docs, d), dim=1).numpy()
    sae = TopKSAE(d_in=d, n_latents=n, k=k)
    encode_corpus(sae, X[:256])                                  # warm up kernels and allocator
    import gc; gc.collect()
    base = _rss_mb(); t0 = time.perf_counter()
    with PeakSampler() as ps:
        if mode == "codes":
            out = encode_corpus(sae, X, batch_size=batch_size)
            result_mb = out.nbytes / 2**20
        else:                                                    # the dense (N, n) latents, batch by batch
            out = torch.zeros(n_docs, n)
            for s in range(0, n_docs, batch_size): out[s:s + batch_size] = sae.encode(X[s:s + batch_size])
            result_mb = out.numel() * 4 / 2**20
    secs = time.perf_counter() - t0
    print(json.dumps({"mode": mode, "peak_rise_mb": ps.peak - base, "result_mb": result_mb, "seconds": secs}))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n-docs", type=int, default=100_000)
    ap.add_argument("--d", type=int, default=384)
    ap.add_argument("--n", type=int, default=3072)
    ap.add_argument("--k", type=int, default=32)
    ap.add_argument("--batch-size", type=int, default=4096)
    ap.add_argument("--no-dense", action="store_true", help="skip measuring the dense baseline (report its size only)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child: return child(a.child, a.n_docs, a.d, a.n, a.k, a.batch_size)
    args = ["--n-docs", str(a.n_docs), "--d", str(a.d), "--n", str(a.n), "--k", str(a.k), "--batch-size", str(a.batch_size)]
    res = {}
    for mode in ["codes"] + ([] if a.no_dense else ["dense"]):
        out = subprocess.run([sys.executable, __file__, "--child", mode, *args], capture_output=True, text=True, check=True)
        res[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    dense_mb = a.n_docs * a.n * 4 / 2**20
    c = res["codes"]
    print(f"encoding {a.n_docs:,} documents, d={a.d}, n={a.n}, k={a.k}, batch {a.batch_size}")
    print(f"  SparseCodes (N x k indices + values): {c['result_mb']:8.1f} MB result, peak rise {c['peak_rise_mb']:8.1f} MB, "
          f"{c['seconds']:.1f} s ({a.n_docs / c['seconds']:,.0f} docs/s)")
    if "dense" in res:
        dn = res["dense"]
        print(f"  dense N x n float32 latents:          {dn['result_mb']:8.1f} MB result, peak rise {dn['peak_rise_mb']:8.1f} MB, "
              f"{dn['seconds']:.1f} s")
        print(f"  peak memory ratio dense / codes: {dn['peak_rise_mb'] / max(c['peak_rise_mb'], 1e-9):.1f}x")
    else:
        print(f"  dense N x n float32 latents would need {dense_mb:,.0f} MB "
              f"({dense_mb / max(c['peak_rise_mb'], 1e-9):.0f}x the measured peak rise)")


if __name__ == "__main__":
    main()
