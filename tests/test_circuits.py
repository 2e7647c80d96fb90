"""Circuit discovery end to end: the induction benchmark runs (tiny settings) and reports AUCs and times."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_benchmark_smoke(capsys):
    import circuits_induction
    from universetbd.circuits.induction import InductionConfig, induction_ground_truth, induction_model
    # an undertrained model (150 steps) with the median attention score as threshold: every stage runs, in seconds
    cfg = InductionConfig(steps=150)
    _, table = induction_ground_truth(induction_model(cfg), cfg)
    thr = float(np.median(np.maximum(table.prev_token, table.induction)))
    rows = circuits_induction.main(["--seeds", "2", "--n", "20", "--steps", "150", "--gt-threshold", str(thr)])
    assert len(rows) == 2
    for r in rows:
        for k in ("sae_node_auc", "sae_edge_auc", "ablation_auc"):
            assert 0.0 <= r[k] <= 1.0
        assert r["sae_s"] > 0 and r["ablation_s"] > 0
    out = capsys.readouterr().out
    assert "discrete SAE node AUC" in out and "time ratio ablation / SAE" in out


def test_cached_model_is_reused(tmp_path, monkeypatch):
    from universetbd.circuits.induction import InductionConfig, induction_model, repeated_sequences
    monkeypatch.setenv("UNIVERSETBD_HOME", str(tmp_path))
    cfg = InductionConfig(steps=20, seed=5)
    a = induction_model(cfg)
    files = list(tmp_path.rglob("model.safetensors"))
    assert len(files) == 1
    b = induction_model(cfg)  # loaded, not trained: same outputs
    toks = repeated_sequences(4, cfg)
    assert np.allclose(a(toks).detach().numpy(), b(toks).detach().numpy(), atol=1e-5)
