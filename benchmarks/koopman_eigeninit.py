"""Eigeninit and eigenloss for Koopman autoencoders on the damped driven pendulum (Miller et al., arXiv 2212.12086).

Damping levels 0, 5, 9 (c = 0, 1.11, 2) x operator initialisation {Gaussian-element baseline, uniform, unit circle,
spike-and-slab} x eigenloss {none, unit-circle MAE, origin} x seeds 0-2 = 108 runs, trained together as one stack
(`universetbd.koopman.train.fit_many`). Per cell: speed-up of convergence (epochs for the baseline to reach the target
validation loss / epochs for the cell; target = 1.25 x the baseline's mean final validation loss at that level) and the
ratio of cumulative 100-step rollout error (30 validation starts; geometric mean over seeds, cell / baseline, < 1 is
better), each with a 95% bootstrap interval over seeds. A DMD and an EDMD (degree 3) least-squares fit on the same
data are the outside reference. Tables (CSV) go to benchmarks/results/.

    python benchmarks/koopman_eigeninit.py           # default: 10x10 initial conditions, lr 1e-3, 60 epochs, every 2nd window (~5-8 min, 2 cores)
    python benchmarks/koopman_eigeninit.py --quick   # smoke run: seconds
    python benchmarks/koopman_eigeninit.py --full    # the paper's budget: 100x100 grid, lr 1e-4, every window (hours; use a GPU)

Measured (default mode, 2 shared CPU cores, 108 runs in 525 s; `python benchmarks/koopman_eigeninit.py`):
the paper's finding did NOT reproduce at this budget (10x10 initial conditions, lr 1e-3, 60 epochs, every 2nd window).
Speed-up = epochs for the baseline (Gaussian-element init, no eigenloss) to reach 1.25x its final validation loss /
epochs for the cell; error ratio = geometric-mean cumulative 100-step error, cell / baseline (< 1 better); [95% bootstrap].
  c = 0 (undamped): best error uniform+none x0.59 [0.24, 1.06]; best speed-up spike_slab+unit_circle 1.18x [0.50, 3.00];
                    unit_circle+unit_circle x1.15 [0.46, 2.06], 0.45x; unit_circle+none blows up in some seeds (x21).
  c = 1.11:         best error spike_slab+origin x0.31 [0.03, 1.05]; no cell converges faster (best 0.63x).
  c = 2:            best error gaussian+origin x0.69 [0.39, 1.02]; best speed-up uniform+none 2.28x [0.52, 8.44].
  The unit-circle eigenloss (alpha_eig 1e2 / 5e1) slowed convergence everywhere (0.3-0.9x) and raised the error
  (x1.2-x10.6); the origin eigenloss never reached the target (validation loss ~2 vs 0.005-0.016) and its lower
  "error" is the rollout collapsing towards 0 (relative error ~1 per step, cumulative ~100) where the baseline
  drifts above 100. All intervals but a few include 1: three seeds do not separate the cells.
  Linear reference (least squares on the same data): DMD cumulative error 4.4 (c = 0), 97 (c = 1.11), 98.5 (c = 2),
  against 139 / 326 / 147 for the baseline autoencoder: this pendulum is linear (the restoring term is linearised),
  so plain DMD is far better than every autoencoder here.
"""
from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

from universetbd.core import atomic_write
from universetbd.koopman.model import KoopmanConfig
from universetbd.koopman.train import eigeninit_experiment

RESULTS = Path(__file__).resolve().parent / "results"

MODES = {
    "quick": dict(levels=(0, 9), seeds=(0, 1, 2), n_theta=3, n_omega=3, epochs=2, lr=1e-3, stride=8, n_starts=5, horizon=100),
    "default": dict(levels=(0, 5, 9), seeds=(0, 1, 2), n_theta=10, n_omega=10, epochs=60, lr=1e-3, stride=2, n_starts=30, horizon=100),
    "full": dict(levels=(0, 5, 9), seeds=(0, 1, 2), n_theta=100, n_omega=100, epochs=200, lr=1e-4, stride=1, n_starts=30, horizon=100),
}


def headline(table: pd.DataFrame) -> pd.DataFrame:
    "Best cell per level (by error ratio) and the best speed-up per level."
    rows = []
    for lvl, g in table.groupby("level"):
        g = g[~((g.init == "gaussian") & (g.eigenloss == "none"))]
        be, bs = g.loc[g.error_ratio.idxmin()], g.loc[g.speedup.idxmax()]
        rows.append(dict(level=lvl, damping=round(float(be.damping), 3),
                         best_error=f"{be.init}+{be.eigenloss}: x{be.error_ratio:.2f} [{be.error_ratio_lo:.2f}, {be.error_ratio_hi:.2f}]",
                         best_speedup=f"{bs.init}+{bs.eigenloss}: {bs.speedup:.2f}x [{bs.speedup_lo:.2f}, {bs.speedup_hi:.2f}]"))
    return pd.DataFrame(rows)


def run(mode: str = "default", out: Path | None = RESULTS, progress_bar: bool = True) -> dict:
    "Run the comparison in `mode`; return the tables (and write CSVs to `out` unless None)."
    m = MODES[mode]
    cfg = KoopmanConfig(lr=m["lr"], epochs=m["epochs"])
    t0 = time.perf_counter()
    res = eigeninit_experiment(levels=m["levels"], seeds=m["seeds"], cfg=cfg, eig_weight="paper", n_theta=m["n_theta"], n_omega=m["n_omega"],
                               stride=m["stride"], n_starts=m["n_starts"], horizon=m["horizon"], progress_bar=progress_bar)
    secs = time.perf_counter() - t0
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for name, df in (("table", res.table), ("runs", res.runs), ("reference", res.reference)):
            with atomic_write(out / f"koopman_eigeninit_{mode}_{name}.csv") as f: df.to_csv(f, index=False)
    return dict(table=res.table, runs=res.runs, reference=res.reference, headline=headline(res.table), seconds=secs, mode=mode)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="smoke run (seconds)")
    g.add_argument("--full", action="store_true", help="the paper's budget (hours)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="directory for the CSV tables")
    a = ap.parse_args(argv)
    mode = "quick" if a.quick else "full" if a.full else "default"
    r = run(mode, a.out)
    pd.set_option("display.width", 220); pd.set_option("display.max_rows", 500)
    cols = ["level", "damping", "init", "eigenloss", "reached", "epochs_to_target", "final_val", "cum_error",
            "speedup", "speedup_lo", "speedup_hi", "error_ratio", "error_ratio_lo", "error_ratio_hi"]
    print(f"== Koopman eigeninit/eigenloss, mode {mode}: {len(r['runs'])} runs in {r['seconds']:.0f} s")
    print(r["table"][cols].round(3).to_string(index=False))
    ref = r["reference"].copy()
    base = r["table"][(r["table"].init == "gaussian") & (r["table"].eigenloss == "none")].set_index("level").cum_error
    ref["baseline_kae_cum_error"] = ref.level.map(base)
    print("\n== Linear reference (least squares on the same training trajectories), cumulative 100-step error")
    print(ref.round(3).to_string(index=False))
    print("\n== Headline (vs Gaussian-element init, no eigenloss; error ratio < 1 and speed-up > 1 are better)")
    print(r["headline"].to_string(index=False))
    return r


if __name__ == "__main__":
    main()
