"""STEER (arXiv 2308.07645) on astro-ph abstracts: a gamma x eta grid against the decoding baselines, and the speed
of our cached, batched processor against the authors' uncached per-step re-run.

Expert: SmolLM2-135M-Instruct (offline, `universetbd.llm.LocalLLM`) prompted as an astrophysicist
(`prompted_expert`), or with `--lora-steps N` a LoRA fine-tune on the real abstracts; base: the untuned model.
Real examples: astro-ph abstracts of the shipped arXiv sample (`astro_examples`). Task: the paper's hypothesis
instruction. Per cell / baseline: diversity (normalised 3-grams, prod(1 - rep_n)) and authenticity (coherence,
MAUVE, real-vs-synthetic AUROC with 5-fold CV; all-MiniLM-L6-v2 embeddings) from `steer_metrics`. Speed: new
tokens per second of `SteerGenerator` (KV caches, `batch` examples per call) against `UncachedSteer` one example at a
time (the authors' way), same prompts and negatives. Results: benchmarks/results/steer_eval_<mode>.json and .txt.

    python benchmarks/steer_eval.py --quick   # smoke run (~1 min, 2 CPU cores)
    python benchmarks/steer_eval.py           # grid {0, 0.4} x {0, 0.6}, 12 examples of 40 tokens, speed at 100 tokens (~14 min)
    python benchmarks/steer_eval.py --full    # the paper's grid {0, 0.2, ..., 1}^2, 100 examples of 100 tokens (GPU)
    python benchmarks/steer_eval.py --speed-only   # only the speed comparison

Measured (2 shared CPU cores, torch on 1 thread, SmolLM2-135M prompted expert; 12 examples of 40 tokens per row, so
the metrics are noisy: AUROC with 24 points, MAUVE with 2 buckets):

                         coherence  mauve  auroc  ngram3 (real 0.97-1.0)  rep_diversity
    steer g=0   e=0        0.178    0.059  0.993      0.938                  0.767     (= plain top-k 10 sampling)
    steer g=0   e=0.6      0.101    0.037  0.993      0.970                  0.883
    steer g=0.4 e=0        0.231    0.124  0.924      0.959                  0.808
    steer g=0.4 e=0.6      0.088    0.071  1.000      0.975                  0.907
    baseline temperature   0.091    0.016  0.993      1.000                  0.998     (T = 1.5)
    baseline top_p         0.175    0.388  0.826      0.949                  0.804     (p = 0.9)
    baseline top_k         0.162    0.124  0.993      0.953                  0.823     (k = 40)
    baseline contrastive   0.255    0.004  1.000      0.088                  0.001     (one deterministic text x 12)

  The directions of the paper show: eta (negative prompt) raises diversity (3-grams 0.938 -> 0.970, rep 0.77 -> 0.88)
  and lowers coherence; gamma (contrast with the base) raises coherence (0.178 -> 0.231) and authenticity (AUROC
  0.993 -> 0.924). The 135M model is far from real abstracts (AUROC ~1 almost everywhere), so no balance beyond the
  baselines can be claimed at this size and sample count (276 s).
  Speed (--speed-only, default mode): 8 examples of 100 new tokens, negative prompts of 10 abstracts cut at 600
  characters: cached + batched 9.2 tok/s, uncached one at a time (the authors' way) 1.9 tok/s: 5.0x (534 s in all).
  With 4 examples and 300-character negatives it was 2.5x: the gain grows with the negative prompt and the batch.
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

from universetbd.core import torch_threads
from universetbd.steer import (SteerConfig, NegativePool, SteerGenerator, UncachedSteer, TASKS, astro_examples,
                               prompted_expert, lora_expert, load_base, BASELINES, baseline_generate, steer_metrics)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")
RESULTS = Path(__file__).resolve().parent / "results"
MODES = {
    "quick": dict(gammas=(0.0, 0.4), etas=(0.0, 0.6), n=4, tokens=10, baselines=("sample", "contrastive"), speed_tokens=4,
                  speed_n=2, n_real=100, max_chars=200, speed_chars=100),
    "default": dict(gammas=(0.0, 0.4), etas=(0.0, 0.6), n=12, tokens=40, baselines=tuple(BASELINES), speed_tokens=100,
                    speed_n=8, n_real=400, max_chars=300, speed_chars=600),
    "full": dict(gammas=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), etas=(0.0, 0.2, 0.4, 0.6, 0.8, 1.0), n=100, tokens=100,
                 baselines=tuple(BASELINES), speed_tokens=100, speed_n=16, n_real=1000, max_chars=600, speed_chars=1500),
}

def speed(expert, base, tok, real, instruction, n, tokens, batch):
    "{name: (tokens/s, seconds, texts)} of cached+batched and uncached one-at-a-time generation of n examples of exactly `tokens` new tokens."
    cfg = SteerConfig(max_new_tokens=tokens, batch_size=batch, seed=1)
    out = {}
    for name, proc, bs in (("cached", None, batch), ("uncached", UncachedSteer, 1)):
        g = SteerGenerator(expert, base, tok, cfg.replace(batch_size=bs), NegativePool(real, seed=1),
                           **({"processor": proc} if proc else {}))
        eos = expert.model.generation_config.eos_token_id
        expert.model.generation_config.eos_token_id = None  # every example runs the full length
        try:
            t0 = time.perf_counter(); texts = g.generate(instruction, n=n); dt = time.perf_counter() - t0
        finally: expert.model.generation_config.eos_token_id = eos
        out[name] = (n * tokens / dt, dt, texts)
    return out

def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    g = ap.add_mutually_exclusive_group()
    g.add_argument("--quick", action="store_true", help="smoke run")
    g.add_argument("--full", action="store_true", help="the paper's grid (GPU)")
    ap.add_argument("--model", default="smollm2", help="base model: smollm2 (offline) or a Hugging Face name/path")
    ap.add_argument("--lora-steps", type=int, default=0, help="LoRA expert trained for this many steps (0: prompted expert)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a busy 2-core machine)")
    ap.add_argument("--speed-only", action="store_true", help="only the speed comparison")
    ap.add_argument("--out", default=str(RESULTS), help="folder for the results")
    a = ap.parse_args(argv)
    with torch_threads(a.threads):  # restored after (the tests call main() in their own process)
        return run(a)

def run(a):
    "The grid, the baselines and the speed comparison for parsed arguments `a`; writes and returns the results."
    mode = "quick" if a.quick else "full" if a.full else "default"
    m = MODES[mode]
    t_start = time.perf_counter()
    net, tok = load_base(a.model, device="cuda" if torch.cuda.is_available() else None)
    real = astro_examples(m["n_real"], max_chars=m["max_chars"])
    task = TASKS["hypothesis"]["instruction"]
    if a.lora_steps:
        expert = lora_expert(net, tok, real, instruction=task, steps=a.lora_steps, max_length=96)
    else: expert = prompted_expert(net, tok)
    from universetbd.embeddings import default_embedder
    emb = default_embedder()
    rows = []
    if a.speed_only: m = {**m, "gammas": (), "etas": (), "baselines": ()}
    def record(name, texts, **kw):
        met = steer_metrics(texts, real, emb, tok, seed=0)
        rows.append(dict(name=name, **kw, **{k: round(v, 4) for k, v in met.items()}, example=texts[0][:160]))
        print(f"{name:>22}  " + "  ".join(f"{k} {v:.3f}" for k, v in met.items()), flush=True)
    cfg = SteerConfig(max_new_tokens=m["tokens"], batch_size=4)
    for gm in m["gammas"]:
        for et in m["etas"]:
            gen = SteerGenerator(expert, None, tok, cfg, NegativePool(real, seed=0))
            record(f"steer g={gm} e={et}", gen.generate(task, n=m["n"], gamma=gm, eta=et), gamma=gm, eta=et)
    for b in m["baselines"]:
        record(f"baseline {b}", baseline_generate(expert, None, task, b, n=m["n"], max_new_tokens=m["tokens"]), baseline=b)
    speed_real = astro_examples(m["n_real"], max_chars=m["speed_chars"])
    sp = speed(expert, net, tok, speed_real, task, m["speed_n"], m["speed_tokens"], batch=m["speed_n"])
    ratio = sp["cached"][0] / sp["uncached"][0]
    speed_row = dict(tokens=m["speed_tokens"], examples=m["speed_n"], negative_chars=m["speed_chars"], cached_tok_s=round(sp["cached"][0], 2),
                     uncached_tok_s=round(sp["uncached"][0], 2), speedup=round(ratio, 2))
    print(f"speed at {m['speed_tokens']} new tokens, {m['speed_n']} examples: cached+batched {sp['cached'][0]:.1f} tok/s, "
          f"uncached one at a time {sp['uncached'][0]:.1f} tok/s: {ratio:.1f}x")
    res = dict(mode=mode, model=a.model, expert=expert.name, n=m["n"], max_new_tokens=m["tokens"], rows=rows, speed=speed_row,
               seconds=round(time.perf_counter() - t_start, 1))
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    if a.speed_only: mode += "_speed"
    (out / f"steer_eval_{mode}.json").write_text(json.dumps(res, indent=1))
    print(f"wrote {out / f'steer_eval_{mode}.json'} ({res['seconds']} s)")
    return res

if __name__ == "__main__":
    main()
