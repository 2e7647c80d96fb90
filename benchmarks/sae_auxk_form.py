"""Which form of the AuxK part makes the SAE training step faster: dense products over the dead latents, or the AuxK
entries joined to the top-k entries in the sparse products (`universetbd.sae.topk._AUX_DENSE` picks between them).

For each (d, n, k, dead fraction) it times whole `sae_step`s (fused Adam, AuxK with auxk = 2k on every step, the same
latents dead throughout), alternating the two forms step by step on two identical SAEs, and prints the median of each
and the ratio sparse / dense (below 1: the sparse form is faster). The ratio n_dead / auxk is the quantity the
threshold is written in: the dense form does n_dead / auxk times the multiply-adds of the sparse one.

`--real STEPS` instead trains whole SAEs (`train_sae`, n 3072 or `--real-n`, k 32, auxk 64, the authors' dead_steps 266 and
lr 1e-4, batch 1024, seed 0) on the 3,000 real all-MiniLM-L6-v2 vectors of the shipped arXiv sample, once with each
form forced and once with the shipped threshold, in turn, and prints each run's wall time, final held-out NMSE and
dead latents, and how many steps the shipped threshold gave to each form.

    python benchmarks/sae_auxk_form.py                       # the grid quoted in nbs/sae/01_topk.ipynb
    python benchmarks/sae_auxk_form.py --grid 384,3072,32,0.1 --steps 60
    python benchmarks/sae_auxk_form.py --real 800            # whole runs on real vectors
"""
from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # as benchmarks/sae_train_speed.py: see its docstring

import torch

from universetbd.sae import topk as T
from universetbd.sae.topk import train_sae

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


def real(steps, n_latents=3072, rounds=1):
    "Whole training runs on the shipped arXiv sample's vectors with each AuxK form, and with the shipped threshold."
    from universetbd.corpus import arxiv_sample
    _, X = arxiv_sample(with_embeddings=True)
    shipped = T._AUX_DENSE
    print(f"real: {X.shape[0]} x {X.shape[1]} arXiv-sample vectors (all-MiniLM-L6-v2), n {n_latents}, k 32, auxk 64, "
          f"{steps} steps of 1024")
    print("form | wall s | s/step | val NMSE | dead at end | steps dense / sparse / no AuxK")
    for _ in range(rounds):
        for name, th in (("dense (forced)", DENSE), ("sparse (forced)", SPARSE), (f"shipped (_AUX_DENSE = {shipped})", shipped)):
            forms = {"dense": 0, "sparse": 0, "none": 0}

            def count(sae, row):   # which form the step just taken used (sae_grads's rule, at the threshold set below)
                n_dead = int(sae.dead_mask().sum())
                forms["none" if n_dead == 0 else "dense" if T._aux_is_dense(n_dead, min(sae.cfg.auxk, n_dead)) else "sparse"] += 1
            T._AUX_DENSE = th
            try:
                t = time.perf_counter()
                sae, hist = train_sae(X, n_latents=n_latents, k=32, auxk=64, steps=steps, seed=0, callback=count,
                                      show_progress=False, device="cpu")
                wall = time.perf_counter() - t
            finally: T._AUX_DENSE = shipped
            print(f"{name} | {wall:.1f} | {wall / steps:.4f} | {sae.metadata['training']['val_nmse']:.4f} | "
                  f"{int(sae.dead_mask().sum())} | {forms['dense']} / {forms['sparse']} / {forms['none']}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", nargs="*", default=GRID, help="d,n,k,dead_fraction entries")
    ap.add_argument("--steps", type=int, default=0, help="timed steps per form (default: 40 at d <= 384, 16, 10)")
    ap.add_argument("--real", type=int, default=0, help="train whole SAEs of this many steps on real vectors instead")
    ap.add_argument("--real-n", type=int, default=3072, help="their number of latents (more latents: more of them die)")
    a = ap.parse_args()
    if a.real: return real(a.real, a.real_n)
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
