"""Grokking analysis outside the notebooks: the fit never raises on odd curves, and the reproduction script runs."""
import importlib.util
import math
from pathlib import Path

import numpy as np

from universetbd.grokking.fit import FitResult, fit_transition, grokking_table, transition_curve

REPO = Path(__file__).resolve().parents[1]
STATUSES = {"ok", "no_transition", "immediate", "not_converged", "poor_fit", "too_few_points"}


def test_fit_never_raises_on_odd_curves():
    rng = np.random.default_rng(1)
    t = np.arange(1, 201.0)
    curves = [rng.uniform(0, 1, t.size),                                     # pure noise
              np.r_[np.full(100, 0.5), np.full(100, 1.0)],                    # a step
              np.where(t % 2 == 0, 1.0, 0.5),                                 # alternating
              1 - transition_curve(t, 0.1, 50),                               # decreasing
              np.full(t.size, np.nan),                                        # all missing
              transition_curve(t, 5.0, 100.5) + rng.normal(0, 0.01, t.size),  # sharper than the sampling
              transition_curve(t, 1e-4, 100)]                                 # far too slow to see
    for y in curves:
        for task in ("parity", "accuracy"):
            r = fit_transition(t, y, task, n_boot=5)
            assert isinstance(r, FitResult) and r.status in STATUSES, r
            if r.status in ("ok", "poor_fit"): assert math.isfinite(r.s) and math.isfinite(r.t_star)
            else: assert r.message


def test_fit_in_gradient_steps():
    """Time units do not matter: the same curve over 1e9 steps fits like over 300 epochs."""
    t = np.linspace(0, 3e9, 400)
    y = transition_curve(t, 2e-9, 1.2e9, 0.5, 0.5) + np.random.default_rng(0).normal(0, 0.01, t.size)
    r = fit_transition(t, y, "accuracy", n_boot=0)
    assert r.ok and abs(r.s / 2e-9 - 1) < 0.05 and abs(r.t_star / 1.2e9 - 1) < 0.01


def test_reproduction_script_quick(tmp_path):
    spec = importlib.util.spec_from_file_location("grokking_reproduction", REPO / "benchmarks" / "grokking_reproduction.py")
    mod = importlib.util.module_from_spec(spec); spec.loader.exec_module(mod)
    rows = mod.main(["--quick", "--out", str(tmp_path)])
    assert (tmp_path / "grokking_reproduction.svg").read_text().startswith("<svg")
    lin = rows[(rows.setting == "linear estimators") & (rows.sharpness == "rel_sharpness")].iloc[0]
    assert lin.n >= 10 and lin.r < -0.5, rows  # larger gaps, smaller sharpness
