"""How long the first cell of a notebook waits: `import universetbd.<family>` for every family, against `import torch`.

Each import runs in a fresh Python process (nothing cached in `sys.modules`), `--repeats` times, alternating
between the modules so that load on the machine falls on all of them alike; the time is that of the import
statement itself (interpreter start-up excluded). The baseline is `import torch` measured in the same run, and
the figure is the ratio of the medians (target: every family within 1.5x of torch). It also lists which of the
heavy optional libraries each import loaded (none should: they load on first use).

A family package loads a module when one of its names is first used, so `import universetbd.search` alone is
instant. The second table is what a notebook's first cell really waits for: `from universetbd.<family> import`
the names the README shows for that family (which load torch, pandas and the widget library as needed).

    python benchmarks/import_time.py [--repeats 7]

Measured 2026-12-06 on the 2-core build machine, quiet (load average 0.8), 5 repeats: `import torch` 1.08 s;
`import universetbd.<family>` 0.002 s for every family but `features` (0.65 s = 0.60x torch: it also loads its
site module, so every FeatureAtlas has export_site); the README's first cells 0.41x (judge) to 1.46x-1.63x
(search, two runs) of `import torch`; no heavy library loaded by any of them. Before the package was layered,
`import universetbd.search` took 10-12 s and `import universetbd.circuits` 9-10 s against 2.3-2.8 s for torch
(the issue's figures, a loaded machine): about 4x.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

FAMILIES = ["sae", "features", "search", "circuits", "grokking", "koopman", "steer", "judge", "vision", "scale"]
HEAVY = ["altair", "transformer_lens", "transformers", "sentence_transformers", "umap", "ray", "peft", "faiss", "usearch"]
PROBE = ("import sys, time, json; t = time.perf_counter(); {stmt}; dt = time.perf_counter() - t; "
         "print(json.dumps([dt, sorted({{m.split('.')[0] for m in sys.modules}} & set({heavy!r}))]))")
TARGET = 1.5
FIRST_CELL = {  # the names the README imports for each family
    "sae": "TopKSAE, train_sae, encode_corpus", "features": "build_atlas, FeatureExplorer",
    "search": "SteeringSearch, OnDiskIndex, SearchBox, ResearchLandscape", "circuits": "find_circuit, CircuitTask, HeadOverlapHeatmap",
    "grokking": "fit_transition, GrokkingPlot", "koopman": "KoopmanAE, eigeninit, fit, KoopmanView",
    "steer": "SteerGenerator, NegativePool, steer_metrics, SteerView", "judge": "JudgeLoop, EmbeddingJudge, LLMAdversary, LabelView, load_seed",
    "vision": "ImageFolder, TrainConfig, Sweep, SweepView", "scale": "ray_pipeline, ray_embed, sharded_feature_stats"}


def time_import(stmt: str) -> tuple[float, list]:
    "Seconds the import statement `stmt` takes in a fresh interpreter, and the heavy libraries it loaded."
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt, heavy=HEAVY)], capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[1])
    if out.returncode: raise SystemExit(f"{stmt} failed:\n{out.stderr[-2000:]}")
    dt, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    return dt, heavy


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7, help="fresh processes per module")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    a = ap.parse_args()
    mods = ["torch", "universetbd"] + [f"universetbd.{f}" for f in FAMILIES] + ["universetbd.cli"]
    stmts = {m: f"import {m}" for m in mods} | {f"first cell: {f}": f"from universetbd.{f} import {FIRST_CELL[f]}" for f in FAMILIES}
    times, heavy = {k: [] for k in stmts}, {}
    for _ in range(a.repeats):
        for k, stmt in stmts.items():
            dt, h = time_import(stmt)
            times[k].append(dt); heavy[k] = h
    base = statistics.median(times["torch"])
    print(f"{'import':26s} {'median s':>9s} {'min s':>7s} {'/ torch':>8s}  heavy libraries loaded")
    rows, worst, worst_cell = [], 0.0, 0.0
    for k in stmts:
        med = statistics.median(times[k]); ratio = med / base
        if k.startswith("universetbd."): worst = max(worst, ratio)
        if k.startswith("first cell"): worst_cell = max(worst_cell, ratio)
        rows.append({"import": stmts[k], "median_s": med, "min_s": min(times[k]), "ratio_to_torch": ratio, "heavy": heavy[k]})
        print(f"{k:26s} {med:9.3f} {min(times[k]):7.3f} {ratio:7.2f}x  {', '.join(heavy[k]) or '-'}")
    ok = worst <= TARGET and not any(r["heavy"] for r in rows if r["import"] != "import torch")
    print(f"\nslowest `import universetbd.<family>`: {worst:.2f}x `import torch` (target <= {TARGET}x): {'met' if ok else 'NOT met'}")
    print(f"slowest first cell (the README's names of a family): {worst_cell:.2f}x `import torch`")
    if a.json: Path(a.json).write_text(json.dumps({"rows": rows, "worst_ratio": worst, "worst_first_cell": worst_cell,
                                                   "target": TARGET}, indent=1))


if __name__ == "__main__":
    main()
