"""Koopman family outside the notebooks: the benchmark's --quick run gives a complete, finite table; eigeninit's
spectrum guarantee; the exported config documents its fields; `import universetbd` stays torch-free."""
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]


def _bench():
    spec = importlib.util.spec_from_file_location("koopman_eigeninit", REPO / "benchmarks" / "koopman_eigeninit.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_benchmark_quick_table_complete(tmp_path):
    bench = _bench()
    r = bench.run("quick", out=tmp_path, progress_bar=False)
    m = bench.MODES["quick"]
    tab = r["table"]
    cells = {(l, i, e) for l in m["levels"] for i in ("gaussian", "uniform", "unit_circle", "spike_slab")
             for e in ("none", "unit_circle", "origin")}
    assert set(zip(tab.level, tab.init, tab.eigenloss)) == cells and len(tab) == len(cells)
    assert (tab.seeds == len(m["seeds"])).all()
    num = tab[["final_val", "cum_error", "speedup", "speedup_lo", "speedup_hi", "error_ratio", "error_ratio_lo", "error_ratio_hi"]]
    assert np.isfinite(num.to_numpy(float)).all()
    base = tab[(tab.init == "gaussian") & (tab.eigenloss == "none")]
    assert np.allclose(base.speedup, 1) and np.allclose(base.error_ratio, 1)
    assert len(r["runs"]) == len(cells) * len(m["seeds"]) and np.isfinite(r["reference"].cum_error).all()
    for name in ("table", "runs", "reference"):
        assert (tmp_path / f"koopman_eigeninit_quick_{name}.csv").exists()


def test_eigeninit_spectrum_is_the_sampled_one():
    from universetbd.koopman import eigeninit
    for dist in ("uniform", "double_gaussian", "unit_circle", "spike_slab"):
        for s in range(20):
            C, eigs = eigeninit(8, dist, 0.7, torch.Generator().manual_seed(s), dtype=torch.float64, return_eigs=True)
            real = np.linalg.eigvals(C.numpy())
            assert max(np.min(np.abs(real - e)) for e in eigs) < 1e-5, (dist, s)


def test_config_docs_and_torch_free_import():
    from universetbd.koopman import KoopmanConfig
    docs = KoopmanConfig.field_docs()
    assert "latent dimension" in docs["b"] and "AdamW" in docs["lr"]
    out = subprocess.run([sys.executable, "-c", "import sys, universetbd; print('torch' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
