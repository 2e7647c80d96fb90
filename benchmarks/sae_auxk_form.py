"""Which form of the AuxK part makes the SAE training step faster: dense products over the dead latents, or the AuxK
entries joined to the top-k entries in the sparse products (`universetbd.sae.topk._AUX_DENSE` picks between them).

For each (d, n, k, dead fraction) it times whole `sae_step`s (fused Adam, AuxK with auxk = 2k on every step, the same
latents dead throughout), alternating the two forms step by step on two identical SAEs, and prints the median of each
and the ratio sparse / dense (below 1: the sparse form is faster). The ratio n_dead / auxk is the quantity the
threshold is written in: the dense form does n_dead / auxk times the multiply-adds of the sparse one.

    python benchmarks/sae_auxk_form.py                       # the grid quoted in nbs/sae/01_topk.ipynb
    python benchmarks/sae_auxk_form.py --grid 384,3072,32,0.1 --steps 60
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # as benchmarks/sae_train_speed.py: see its docstring

import torch

from universetbd.sae import topk as T

GRID = ["384,3072,32,0.1", "384,3072,32,0.2", "384,3072,32,0.4", "768,6144,48,0.1", "768,6144,48,0.2",
        "1536,9216,64,0.05", "1536,9216,64,0.1", "1536,9216,64,0.2"]
DENSE, SPARSE = 10**9, 0   # values of _AUX_DENSE that force each form


def run(d, n, k, frac, steps, batch=1024):
    "Median ms per step of each form, stepping them in turn."
    x = torch.randn(batch, d, generator=torch.Generator().manual_seed(1))
    n_dead = int(n * frac)
    steppers = {}
    for form in (DENSE, SPARSE):
        torch.manual_seed(0)
        sae = T.TopKSAE(d_in=d, n_latents=n, k=k, auxk=2 * k, fire_threshold=float("inf"))
        opt = T.make_optimizer(sae, lr=1e-4)

        def step(sae=sae, opt=opt, form=form):
            T._AUX_DENSE = form
            sae.stats_last_nonzero.zero_(); sae.stats_last_nonzero[:n_dead] = 10**9
            t = time.perf_counter(); T.sae_step(sae, opt, x)
            return time.perf_counter() - t
        steppers[form] = step
    saved = T._AUX_DENSE
    try:
        for f in steppers.values(): f(); f()   # warm-up: buffers, pages
        times = {form: [] for form in steppers}
        for r in range(steps):
            for form in ((DENSE, SPARSE) if r % 2 else (SPARSE, DENSE)): times[form].append(steppers[form]())
    finally: T._AUX_DENSE = saved
    med = {form: 1000 * sorted(t)[len(t) // 2] for form, t in times.items()}
    return n_dead, med[DENSE], med[SPARSE]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", nargs="*", default=GRID, help="d,n,k,dead_fraction entries")
    ap.add_argument("--steps", type=int, default=0, help="timed steps per form (default: 40 at d <= 384, 16, 10)")
    a = ap.parse_args()
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, "
          f"current threshold _AUX_DENSE = {T._AUX_DENSE}")
    print("d | n | k | auxk | n_dead | n_dead/auxk | dense ms/step | sparse ms/step | sparse/dense")
    for g in a.grid:
        d, n, k, frac = g.split(","); d, n, k, frac = int(d), int(n), int(k), float(frac)
        steps = a.steps or (40 if d <= 384 else 16 if d <= 768 else 10)
        n_dead, dense, sparse = run(d, n, k, frac, steps)
        print(f"{d} | {n} | {k} | {2 * k} | {n_dead} | {n_dead / (2 * k):.1f} | {dense:.1f} | {sparse:.1f} | {sparse / dense:.3f}",
              flush=True)


if __name__ == "__main__":
    main()
