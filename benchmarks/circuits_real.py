"""Benchmark: circuit discovery on a real pretrained model (SmolLM2-135M, offline) and on the zoo, against exact patching (issue 27).

For every task the model does (checked first: clean and corrupted metric, accuracy), exact per-head activation
patching (corrupted into clean, cached on disk) gives the causal ground truth: the heads whose patch moves the task
metric by at least 5% of the clean-minus-corrupted gap. Every method then scores the heads and selects a set:

    paper          discrete-SAE codes, softmax above 1/heads (O'Neill and Bui 2024, unchanged)
    position       the paper's scores on per-position codes
    calibrated     per-position codes, label-permutation z over SAE seeds, Benjamini-Hochberg
    norm, entropy  per-position output norm / attention entropy, permutation z, Benjamini-Hochberg
    mean-ablation  each head's z replaced by its mean (exact, batched), t-test + BH + 5% of the gap
    attribution    attribution patching (gradient x activation difference), t-test + BH + 5% of the gap

Reported per method: node ROC AUC and precision/recall of the selection against exact patching, the heads its
null control selects (pairs from one distribution with the same answers; patching methods patch one into the
other), and wall time (method, null) with the process CPU time beside it (the machine may be shared: CPU time
over the threads used is the load-independent figure). On the zoo (models trained here, attention-only and with MLPs) the
induction task is scored the same way against exact patching and against single-head zero ablation.

    python benchmarks/circuits_real.py [--tasks ioi greater-than docstring] [--n 32] [--zoo a-2l4h g-3l4h-mlp] [--out DIR]
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
os.environ.setdefault("HF_HUB_OFFLINE", "1")
warnings.filterwarnings("ignore", category=UserWarning)

from universetbd.circuits.calibrated import CalibrationConfig
from universetbd.circuits.induction import InductionConfig, induction_model, induction_task
from universetbd.circuits.models import load_model
from universetbd.circuits.pairs import TASK_BUILDERS
from universetbd.circuits.patching import check_task, head_patching, patching_agreement
from universetbd.circuits.scoring import circuit_metrics, roc_auc
from universetbd.circuits.tasks import PATCHING_METHODS, find_circuit
from universetbd.circuits.zoo import FAMILY, family_model, family_truth

METHODS = ("paper", "position", "calibrated", "norm", "entropy", "mean-ablation", "attribution")


def auc(scores, truth):
    t = np.asarray(truth, bool)
    return roc_auc(scores, t) if 0 < t.sum() < len(t) else float("nan")


def run_method(model, task, method, truth, args, patching_null=True):
    "One method with its null control: AUC, precision, recall, selected counts, seconds."
    cal = CalibrationConfig(n_permutations=args.permutations, n_seeds=args.sae_seeds, edges=False)
    t, c = time.perf_counter(), time.process_time()
    res = find_circuit(model, task, method=method, calibration=cal, check=False)
    secs = time.perf_counter() - t
    row = {"method": method, "seconds": secs, "cpu_seconds": time.process_time() - c, "auc": auc(res.node_scores, truth), "n_selected": int(np.sum(res.selected))}
    cm = circuit_metrics(np.asarray(res.selected, bool), truth)
    row.update(precision=cm["precision"] if cm["n_selected"] else float("nan"), recall=cm["recall"])
    if method in PATCHING_METHODS and not patching_null:
        row.update(null_selected=None, null_seconds=None)
        return row, res
    if method in PATCHING_METHODS and method == "mean-ablation" and args.no_mean_null:
        row.update(null_selected=None, null_seconds=None)
        return row, res
    t, c = time.perf_counter(), time.process_time()
    null = find_circuit(model, task.null(), method=method, calibration=cal, check=False, scale=getattr(res, "scale", None))
    row.update(null_selected=int(np.sum(null.selected)), null_seconds=time.perf_counter() - t, null_cpu_seconds=time.process_time() - c)
    return row, res


HEADS = {}  # per model and task: per-head exact effects and every method's scores and selection (written to heads.json)


def bench_task(model, model_name, task, methods, args, extra_truth=None, patching_null=True):
    "Check, exact patching, then every method; rows for the table."
    t = time.perf_counter()
    chk = check_task(model, task)
    print(f"[{model_name}] {chk.message} ({time.perf_counter() - t:.1f}s)", flush=True)
    base = {"model": model_name, "task": task.name, "n": len(task.positives), "clean": chk.clean, "corrupt": chk.corrupt,
            "accuracy": chk.accuracy, "does_task": chk.ok}
    if not chk.ok: return [dict(base, method="(task check)")]
    t, c = time.perf_counter(), time.process_time()
    exact = head_patching(model, task)
    exact_s, exact_cpu = time.perf_counter() - t, time.process_time() - c
    truth = exact.truth(0.05)
    print(f"  exact patching of {truth.size} heads: {exact_s:.1f}s{' (cache)' if exact.cached else ''}; "
          f"{int(truth.sum())} heads >= 5% of the gap: {[l for l, x in zip(exact.labels, truth) if x]}", flush=True)
    rows = [dict(base, method="exact patching", seconds=exact_s, cpu_seconds=exact_cpu, cached=exact.cached, n_truth=int(truth.sum()),
                 n_selected=int(exact.selected.sum()))]
    heads = HEADS.setdefault(f"{model_name}/{task.name}", {"n_layers": exact.n_layers, "n_heads": exact.n_heads,
                                                          "check": chk.message, "exact_effect": exact.effect.tolist()})
    for m in methods:
        row, res = run_method(model, task, m, truth, args, patching_null)
        row.update(base, n_truth=int(truth.sum()))
        if extra_truth is not None: row["auc_ablation"] = auc(res.node_scores, extra_truth)
        if m == "attribution":
            ag = patching_agreement(res, exact)
            row.update(spearman=ag["spearman"], top_k_overlap=ag["top_k_overlap"], top_k=ag["k"])
        rows.append(row)
        if args.out:  # written after every method, so an interrupted run keeps what it measured
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, f"partial-{model_name}-{task.name}.json"), "w") as f: json.dump(rows, f, default=float)
        heads[m] = {"scores": np.asarray(res.node_scores, float).tolist(), "selected": np.asarray(res.selected, bool).tolist(),
                    "null_selected": row["null_selected"]}
        print(f"  {m:14s} AUC {row['auc']:.3f}  selected {row['n_selected']:3d}  precision {row['precision']:.2f}  "
              f"recall {row['recall']:.2f}  null selected {row['null_selected']}  {row['seconds']:.1f}s"
              + (f" + null {row['null_seconds']:.1f}s" if row.get("null_seconds") is not None else ""), flush=True)
    return rows


def table(rows):
    "Markdown table of every row."
    f = lambda v, fmt: "–" if v is None or (isinstance(v, float) and np.isnan(v)) else format(v, fmt)
    lines = ["| model | task | method | node AUC | selected | precision | recall | null selected | seconds (CPU) | null seconds (CPU) |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r["method"] in ("exact patching", "(task check)"): continue
        lines.append(f"| {r['model']} | {r['task']} | {r['method']} | {f(r.get('auc'), '.3f')} | {r.get('n_selected', '–')} | "
                     f"{f(r.get('precision'), '.2f')} | {f(r.get('recall'), '.2f')} | {f(r.get('null_selected'), 'd')} | "
                     f"{f(r.get('seconds'), '.1f')} ({f(r.get('cpu_seconds'), '.0f')}) | {f(r.get('null_seconds'), '.1f')} ({f(r.get('null_cpu_seconds'), '.0f')}) |")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="*", default=list(TASK_BUILDERS), help="SmolLM2 tasks (none: zoo only)")
    ap.add_argument("--n", type=int, default=32, help="prompt pairs per SmolLM2 task")
    ap.add_argument("--zoo", nargs="*", default=["a-2l4h", "d-3l4h", "g-3l4h-mlp", "i-2l4h-mlp"], help="zoo models ('default': the package's induction model)")
    ap.add_argument("--zoo-n", type=int, default=32, help="prompt pairs per zoo task")
    ap.add_argument("--methods", nargs="+", default=list(METHODS), choices=list(METHODS))
    ap.add_argument("--permutations", type=int, default=1000, help="label permutations of the calibrated methods")
    ap.add_argument("--sae-seeds", type=int, default=5, help="SAE seeds of the calibrated method")
    ap.add_argument("--no-mean-null", action="store_true", help="skip the null control of mean ablation (a full patching pass)")
    ap.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    ap.add_argument("--out", default=None, help="write rows.json and table.md here")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    rows = []
    if args.tasks:
        t = time.perf_counter()
        model = load_model("smollm2", device="cpu")
        print(f"SmolLM2 loaded in {time.perf_counter() - t:.1f}s", flush=True)
        for name in args.tasks:
            rows += bench_task(model, "SmolLM2-135M", TASK_BUILDERS[name](model, args.n, 0), args.methods, args)
        del model
    for name in args.zoo:
        model, cfg = (induction_model(InductionConfig()), InductionConfig()) if name == "default" else family_model(name)
        abl = family_truth(model, cfg)["ablation"]
        task = induction_task(model, cfg, n=args.zoo_n, seed=1000)
        # the induction task has no same-answer null pairs: patching methods get no null control there
        rows += bench_task(model, name, task, args.methods, args, extra_truth=abl, patching_null=False)
    out = table(rows)
    print(out)
    if args.out:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "rows.json"), "w") as f: json.dump(rows, f, indent=1, default=float)
        with open(os.path.join(args.out, "table.md"), "w") as f: f.write(out + "\n")
        with open(os.path.join(args.out, "heads.json"), "w") as f: json.dump(HEADS, f)
    return rows


if __name__ == "__main__":
    main()
