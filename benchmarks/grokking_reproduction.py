"""Reproduce "sharper transitions come with smaller grokking gaps" (Miller et al., arXiv 2402.08946).

Two settings:
  1. the parity MLP with concealment over several input sizes and seeds (our small fast defaults:
     hidden 256, SGD lr 0.1, wd 1e-2, batch 32; pass --paper for the authors' model, which takes hours);
  2. linear estimators in closed form over a range of lambda (d_in/N_train = 1/r, r in [1.003, 1.1]).

For each run both accuracy curves are fitted with A(t) = a erf(s (t - t*)) + b; we print the Pearson
correlation between the relative gap m = t*_val/t*_train - 1 and the sharpness (absolute 2 a s_val/sqrt(pi)
and relative s_val/s_train), the log-log slope of the power law, and, as a baseline measured in the same
run, the correlation after shuffling the pairing (mean |r| of 1000 permutations and the permutation p-value).
The figure (SVG) and the tables (CSV) go to benchmarks/results/.

    python benchmarks/grokking_reproduction.py            # about 3-4 minutes on 2 busy cores
    python benchmarks/grokking_reproduction.py --quick    # seconds (smoke test)
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from universetbd.charts import save_chart
from universetbd.core import atomic_write
from universetbd.grokking.experiments import ParityConfig, concealment_sweep, linear_estimator_sweep
from universetbd.grokking.fit import grokking_table, power_law_fit
from universetbd.grokking.plot import sweep_chart

RESULTS = Path(__file__).resolve().parent / "results"


def correlations(tab: pd.DataFrame, y: str, n_perm: int = 1000, seed: int = 0) -> dict:
    "Pearson r of gap vs `y` (linear and log-log), power-law slope, and a shuffled-pairing baseline."
    ok = tab[(tab.status == "ok") & (tab.gap > 0) & (tab[y] > 0)]
    x, v = ok.gap.to_numpy(float), ok[y].to_numpy(float)
    if len(ok) < 3: return dict(n=len(ok), r=np.nan, r_log=np.nan, slope=np.nan, perm_mean_abs_r=np.nan, p=np.nan)
    r = float(np.corrcoef(x, v)[0, 1]); pl = power_law_fit(x, v)
    rng = np.random.default_rng(seed)
    perm = np.array([np.corrcoef(np.log(x), np.log(rng.permutation(v)))[0, 1] for _ in range(n_perm)])
    return dict(n=len(ok), r=r, r_log=pl["r"], slope=pl["k"], perm_mean_abs_r=float(np.mean(np.abs(perm))),
                p=float((np.sum(perm <= pl["r"]) + 1) / (n_perm + 1)))


def report(name: str, tab: pd.DataFrame) -> list[dict]:
    rows = []
    print(f"\n== {name}: {len(tab)} runs, {int((tab.status == 'ok').sum())} with both fits ok; "
          f"statuses: { {k: int(v) for k, v in tab.status.value_counts().items()} }")
    for y in ("abs_sharpness", "rel_sharpness"):
        c = correlations(tab, y)
        print(f"  gap vs {y:14s} n={c['n']:3d}  pearson r = {c['r']:+.3f}  log-log r = {c['r_log']:+.3f}  "
              f"power-law slope = {c['slope']:+.3f}  | shuffled baseline mean |r| = {c['perm_mean_abs_r']:.3f}, "
              f"p(one-sided) = {c['p']:.4f}")
        rows.append(dict(setting=name, sharpness=y, **c))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny settings for a smoke test")
    ap.add_argument("--paper", action="store_true", help="the authors' parity MLP (hidden 1000, lr 1e-2, 3000 epochs; hours on CPU)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="folder for the SVG and CSV files")
    args = ap.parse_args(argv)
    os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")
    t_all = time.time()

    # 1. parity MLP over concealment sizes and seeds (all seeds of a size train together)
    if args.quick: sizes, cfg = (16, 22), ParityConfig(epochs=100, seeds=(0, 1))
    elif args.paper: sizes, cfg = (25, 30, 35, 40, 45), ParityConfig.paper()
    else: sizes, cfg = (18, 22, 26, 30), ParityConfig(epochs=400, seeds=(0, 1, 2))
    t0 = time.time()
    hist, thresh, expfit = concealment_sweep(sizes, cfg, progress_bar=False)
    t_parity = time.time() - t0
    ptab = grokking_table(hist, by=["n_inputs", "seed"], task="parity", n_boot=0)
    print(f"parity MLP: sizes {sizes}, seeds {cfg.seeds}, {cfg.epochs} epochs: {t_parity:.1f} s")
    print(f"  threshold gap vs added bits: gap ≈ {expfit['c']:.3g} exp({expfit['k']:.3f} bits), r2 = {expfit['r2']:.3f}")
    rows = report("parity MLP", ptab)

    # 2. linear estimators, closed form
    rs = np.linspace(1.003, 1.1, 12 if args.quick else 120)
    t0 = time.time()
    lhist = linear_estimator_sweep(1 / rs, progress_bar=False)
    ltab = grokking_table(lhist, by="lam", task="accuracy", n_boot=0)
    ltab["r"] = 1 / ltab.lam
    t_lin = time.time() - t0
    print(f"\nlinear estimators: {len(rs)} lambdas in 1/[1.003, 1.1]: {t_lin:.1f} s")
    rows += report("linear estimators", ltab)

    # figure and tables
    args.out.mkdir(parents=True, exist_ok=True)
    ptab_ok, ltab_ok = ptab[ptab.status == "ok"], ltab[ltab.status == "ok"]
    fig = alt.hconcat(sweep_chart(ptab_ok, "gap", "abs_sharpness", color="n_inputs", title="Parity MLP (concealment)"),
                      sweep_chart(ltab_ok, "gap", "abs_sharpness", title="Linear estimators (closed form)", ),
                      sweep_chart(ltab_ok, "gap", "rel_sharpness", title="Linear estimators: relative sharpness"))
    svg = save_chart(fig, args.out / "grokking_reproduction.svg")
    for name, tab in (("grokking_parity_runs.csv", ptab), ("grokking_linear_runs.csv", ltab),
                      ("grokking_correlations.csv", pd.DataFrame(rows))):
        with atomic_write(args.out / name) as f: tab.to_csv(f, index=False)
    print(f"\nfigure: {svg}\ntotal {time.time() - t_all:.1f} s")
    return pd.DataFrame(rows)


if __name__ == "__main__":
    main()
