"""Benchmark: circuit-discovery methods across the evaluation family (issue 19), with a null control.

For every family model (`universetbd.circuits.zoo.FAMILY`; trained once with seeds and cached), every number of
examples (positives = negatives = n) and every seed, the induction task draws fresh prompts; each method scores
the heads. Ground truth is computed independently of all methods (`zoo.family_truth`): induction heads from
TransformerLens's head detector ("attention"), and single-head zero-ablation of the loss ("ablation"). The null
control draws positives and negatives from one distribution (both repeated); a sound method selects no head.

Methods: paper (position-averaged codes, softmax, > 1/heads), position (per-position codes, the paper's scores),
calibrated (per-position codes, permutation z over SAE seeds, BH q=0.05), norm and entropy (per-position
statistics, permutation z, BH), mean-ablation (task-metric importance), attention (induction score of the task's
own positive prompts; an oracle-like baseline), layer-prior (every head scored by its layer).

    python benchmarks/circuits_family.py [--models a-2l4h ...] [--n 10 50] [--seeds 3] [--sae-seeds 5] [--permutations 1000] [--out DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import time
import warnings

import numpy as np
import torch

os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")
warnings.filterwarnings("ignore", category=UserWarning)

from universetbd.circuits.acts import collect_activations
from universetbd.circuits.baseline import mean_ablation_scores
from universetbd.circuits.calibrated import CalibrationConfig, collect_positions, discover_calibrated
from universetbd.circuits.discrete_sae import DiscreteSAEConfig, discover_circuit
from universetbd.circuits.induction import InductionConfig, attention_scores, induction_model, induction_task
from universetbd.circuits.scoring import circuit_metrics, roc_auc
from universetbd.circuits.zoo import FAMILY, family_model, family_truth

CODE = ("paper", "position", "calibrated")
STATS = ("norm", "entropy")
ALL = CODE + STATS + ("mean-ablation", "attention", "layer-prior")


def auc(scores, truth):
    t = np.asarray(truth, bool)
    return roc_auc(scores, t) if 0 < t.sum() < len(t) else float("nan")


def run_method(method, model, task, acts_mean, acts_pos, seed, args, cal):
    "Scores, selection (or None) and seconds of one method on one task."
    t = time.perf_counter()
    if method in CODE + STATS:
        sae = DiscreteSAEConfig(seed=seed)
        res = (discover_circuit(acts_mean, sae) if method == "paper" else
               discover_calibrated(acts_pos, method, sae, cal))
        scores, sel = res.node_scores, np.asarray(res.selected)
    elif method == "mean-ablation":
        scores, sel = mean_ablation_scores(model, task, desc=None).importance, None
    elif method == "attention":
        scores, sel = attention_scores(model, task.positives).induction.to_numpy(), None
    else:  # layer prior
        n_heads = model.cfg.n_heads
        scores, sel = np.repeat(np.arange(model.cfg.n_layers), n_heads).astype(float), None
    return scores, sel, time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=list(FAMILY),
                    help="family models (see zoo.FAMILY); 'default' is the package's own induction model")
    ap.add_argument("--n", type=int, nargs="+", default=[10, 50], help="positives (= negatives) per task")
    ap.add_argument("--seeds", type=int, default=3, help="seeds per model and n (prompts, SAE init)")
    ap.add_argument("--sae-seeds", type=int, default=5, help="SAE seeds combined by the calibrated method")
    ap.add_argument("--permutations", type=int, default=1000, help="label permutations of the calibrated methods")
    ap.add_argument("--methods", nargs="+", default=list(ALL), choices=list(ALL))
    ap.add_argument("--no-edges", action="store_true", help="skip edge scores of the calibrated method")
    ap.add_argument("--out", default=None, help="write rows.json and table.md here")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    cal = CalibrationConfig(n_permutations=args.permutations, n_seeds=args.sae_seeds, edges=not args.no_edges)
    rows = []
    for name in args.models:
        t0 = time.perf_counter()
        model, cfg = (induction_model(InductionConfig()), InductionConfig()) if name == "default" else family_model(name)
        truth = family_truth(model, cfg)
        att, abl = truth["attention"], truth["ablation"]
        print(f"{name}: ready in {time.perf_counter() - t0:.1f}s; induction heads (attention) "
              f"{list(truth['attention_table'].index[att])}; ablation {list(truth['ablation_table'].index[abl])}", flush=True)
        for n in args.n:
            for seed in range(args.seeds):
                task = induction_task(model, cfg, n=n, seed=1000 * (seed + 1))
                for control, tk in (("task", task), ("null", task.null(seed))):
                    acts_mean = acts_pos = None
                    if any(m in CODE + STATS for m in args.methods):
                        acts_mean = collect_activations(model, tk.positives, tk.negatives)
                        acts_pos = collect_positions(model, tk.positives, tk.negatives, tk.positions)
                    for m in args.methods:
                        if control == "null" and m in ("mean-ablation", "attention", "layer-prior"): continue
                        scores, sel, secs = run_method(m, model, tk, acts_mean, acts_pos, seed, args, cal)
                        r = {"model": name, "n": n, "seed": seed, "control": control, "method": m, "seconds": secs,
                             "auc_attention": auc(scores, att), "auc_ablation": auc(scores, abl),
                             "n_selected": None if sel is None else int(sel.sum())}
                        if sel is not None:
                            cm = circuit_metrics(sel, att)
                            r.update(precision=cm["precision"] if sel.any() else float("nan"), recall=cm["recall"])
                        rows.append(r)
                print(f"  n={n} seed={seed}: " + "  ".join(
                    f"{r['method']} {r['auc_attention']:.2f}" + ("" if r["n_selected"] is None else f"/{r['n_selected']}")
                    for r in rows if r["model"] == name and r["n"] == n and r["seed"] == seed and r["control"] == "task")
                    + " | null selected: " + " ".join(f"{r['method']} {r['n_selected']}" for r in rows
                    if r["model"] == name and r["n"] == n and r["seed"] == seed and r["control"] == "null"), flush=True)
    table = summary(rows, args)
    print(table)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "rows.json"), "w") as f: json.dump(rows, f, indent=1)
        with open(os.path.join(args.out, "table.md"), "w") as f: f.write(table + "\n")
    return rows


def summary(rows, args):
    "Markdown table: per method and n, over models x seeds."
    def ms(v):
        v = np.array([x for x in v if x is not None and not np.isnan(x)], float)
        return f"{v.mean():.3f} ± {v.std():.3f}" if len(v) else "–"
    lines = ["| method | n | node AUC (attention) | node AUC (ablation) | precision | recall | null: runs selecting any | null AUC | seconds/run |",
             "|---|---|---|---|---|---|---|---|---|"]
    for m in args.methods:
        for n in args.n:
            t = [r for r in rows if r["method"] == m and r["n"] == n and r["control"] == "task"]
            nl = [r for r in rows if r["method"] == m and r["n"] == n and r["control"] == "null"]
            if not t: continue
            null_any = f"{sum(r['n_selected'] > 0 for r in nl)}/{len(nl)}" if nl else "–"
            lines.append(f"| {m} | {n} | {ms([r['auc_attention'] for r in t])} | {ms([r['auc_ablation'] for r in t])} | "
                         f"{ms([r.get('precision') for r in t])} | {ms([r.get('recall') for r in t])} | {null_any} | "
                         f"{ms([r['auc_attention'] for r in nl]) if nl else '–'} | {np.mean([r['seconds'] for r in t]):.2f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
