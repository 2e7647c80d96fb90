"""Benchmark: discrete-SAE circuit discovery vs the mean-ablation baseline on the offline induction task.

For each seed, fresh positive (repeated) and negative (unrepeated) prompts and a fresh SAE initialisation
are drawn; the trained 2-layer attention-only model is the cached one (trained once, seeded). Reports node
ROC AUC of the discrete-SAE method (node and edge scores) and of per-head mean ablation against the
previous-token and induction heads found from attention patterns, and the wall-clock time of each method
(SAE: activations + SAE training + scoring; baseline: means + clean run + one ablated run per head).

    python benchmarks/circuits_induction.py [--seeds 5] [--n 250] [--position mean] [--negatives shuffle] [--model-seeds 0 1 2]
"""
from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")

from universetbd.circuits.acts import collect_activations
from universetbd.circuits.baseline import mean_ablation_scores
from universetbd.circuits.scoring import evaluate_scores
from universetbd.circuits.induction import InductionConfig, induction_ground_truth, induction_model, induction_task
from universetbd.circuits.discrete_sae import DiscreteSAEConfig, discover_circuit


def run_model(args, model_seed):
    "Train or load one induction model and run both methods for every seed."
    cfg = InductionConfig(seed=model_seed, steps=args.steps)
    t0 = time.perf_counter()
    model = induction_model(cfg)
    t_model = time.perf_counter() - t0
    truth, table = induction_ground_truth(model, cfg, threshold=args.gt_threshold)
    print(f"induction model {cfg.key()} (seed {cfg.seed}): ready in {t_model:.1f}s (includes training when neither cached nor shipped)")
    print("ground truth from attention patterns:",
          ", ".join(f"{l} ({r})" for l, r in zip(table.index, table.role) if r))
    if not 0 < len(truth) < len(table):
        raise SystemExit(f"{len(truth)} of {len(table)} heads pass the ground-truth threshold {args.gt_threshold}: "
                         f"the model has not learned induction (train longer) or the threshold is off")
    print(f"prompts: {args.n} positives + {args.n} negatives; position={args.position}; negatives={args.negatives}; torch threads={args.threads}\n")

    rows = []
    for seed in range(args.seeds):
        task = induction_task(model, cfg, n=args.n, seed=1000 * (seed + 1), negatives=args.negatives,
                             threshold=args.gt_threshold)
        t = time.perf_counter()
        acts = collect_activations(model, task.positives, task.negatives, position=args.position)
        t_acts = time.perf_counter() - t
        res = discover_circuit(acts, DiscreteSAEConfig(seed=seed))
        t_sae = t_acts + sum(res.times.values())
        t = time.perf_counter()
        ab = mean_ablation_scores(model, task, desc=None)
        t_abl = time.perf_counter() - t
        ev = lambda s: evaluate_scores(s, task.ground_truth, res.n_layers, res.n_heads)
        r = {"model_seed": model_seed, "seed": seed, "sae_node_auc": ev(res.node_scores)["auc"], "sae_edge_auc": ev(res.edge_scores)["auc"],
             "ablation_auc": ev(ab.importance)["auc"], "sae_f1": ev(res.node_scores)["f1"], "sae_s": t_sae,
             "ablation_s": t_abl}
        rows.append(r)
        print(f"model {model_seed} seed {seed}: SAE node AUC {r['sae_node_auc']:.3f} (edge {r['sae_edge_auc']:.3f}, F1@1/H {r['sae_f1']:.2f}) "
              f"in {t_sae:.2f}s [acts {t_acts:.2f}, sae {res.times['sae']:.2f}, codes+scores "
              f"{res.times['codes'] + res.times['scores']:.3f}] | ablation AUC {r['ablation_auc']:.3f} in {t_abl:.2f}s")
    print()
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=5, help="number of seeds (prompts + SAE init)")
    ap.add_argument("--n", type=int, default=250, help="positive and negative prompts each (authors: 250)")
    ap.add_argument("--position", default="mean", choices=["mean", "last"], help="head-output reduction over positions")
    ap.add_argument("--negatives", default="shuffle", choices=["shuffle", "random"],
                    help="second half of negative prompts: the first half shuffled, or fresh random tokens")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest for this tiny model)")
    ap.add_argument("--model-seeds", type=int, nargs="+", default=[0],
                    help="seeds of the trained induction models (each is trained once and cached)")
    ap.add_argument("--gt-threshold", type=float, default=0.3, help="attention score above which a head is ground truth")
    ap.add_argument("--steps", type=int, default=InductionConfig.steps, help="training steps of the model (smoke tests: fewer)")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)  # the library already runs this tiny model single-threaded

    rows = []
    for model_seed in args.model_seeds:
        rows += run_model(args, model_seed)

    col = lambda k: np.array([r[k] for r in rows])
    ms = lambda k: f"{col(k).mean():.3f} +- {col(k).std():.3f}"
    print(f"over {len(args.model_seeds)} model(s) x {args.seeds} seeds:")
    print(f"  discrete SAE node AUC  {ms('sae_node_auc')}   (target >= 0.9)")
    print(f"  discrete SAE edge AUC  {ms('sae_edge_auc')}")
    print(f"  mean-ablation AUC      {ms('ablation_auc')}   (baseline)")
    print(f"  time SAE method        {col('sae_s').mean():.2f}s per run (target < 30s, excl. model training)")
    print(f"  time ablation baseline {col('ablation_s').mean():.2f}s per run")
    print(f"  time ratio ablation / SAE = {col('ablation_s').mean() / col('sae_s').mean():.2f}")
    return rows


if __name__ == "__main__":
    main()
