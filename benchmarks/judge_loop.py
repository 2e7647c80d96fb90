"""The adversary-judge loop of METHODS section 8 (arXiv 2308.13768) with a labelling oracle, on the shipped seed set.

Judge: `EmbeddingJudge` (all-MiniLM-L6-v2 + logistic regression; `--judge lora` for the LoRA sequence classifier),
starting from a small labelled set (`--start` prompts per label from the seed train split, by default only from the
categories in_scope and out_of_scope: personal-information requests and contentious research questions are new to it). Adversary: `SeedAdversary`
drawing from the rest of the train split (mostly problematic prompts; categories whose attacks succeed are drawn
more often). Labels: the seed labels (an oracle in place of the person). Each iteration: `--rounds` labelled prompts
plus one benign prompt per round, then the judge is retrained. Evaluation on the seed held-out split (94 prompts:
out-of-scope and personal-information requests, in-scope and contentious-but-acceptable research questions):
accuracy, precision, recall, AUROC per iteration, and the adversary's success rate, against
 (i)  the local LLM (SmolLM2-135M-Instruct, offline) prompted as a zero-shot judge (P from the logits of '0'/'1');
 (ii) the same judge trained once on the whole seed train split (217 prompts).
No held-out prompt enters training: the adversary draws from the train split only, and the loop refuses any
overlap (`JudgeLoop`'s held-out wall).
Results: benchmarks/results/judge_loop_<mode>[_lora].json and .txt.

    python benchmarks/judge_loop.py --quick   # smoke run: hashing judge, 2 x 3 rounds, no LLM (seconds)
    python benchmarks/judge_loop.py           # 6 iterations x 10 rounds, start 5 per label, + both baselines (~3 min)
    python benchmarks/judge_loop.py --judge lora --no-llm   # the same with the LoRA sequence-classifier judge

Measured (default mode, 2 shared CPU cores, one run; start: 5 + 5 prompts from in_scope / out_of_scope):

    iteration  n_judge  accuracy  precision  recall  auroc   adversary_success
            0       10   0.894     1.000      0.796   0.980     –
            1       30   0.957     0.979      0.939   0.991   0.300
            2       50   0.947     0.978      0.918   0.990   0.000
            3       70   0.915     0.956      0.878   0.983   0.200
            4       90   0.947     0.978      0.918   0.992   0.100
            5      110   0.947     0.978      0.918   0.991   0.100
            6      130   0.936     0.978      0.898   0.990   0.000
          trained_once (217 train prompts): accuracy 0.979 precision 0.980 recall 0.980 auroc 0.998
     llm_zero_shot (SmolLM2-135M-Instruct): accuracy 0.521 precision 0.521 recall 1.000 auroc 0.517

  The first iteration finds the attack types the starting judge has not seen (30 % of its prompts get past it; recall
  0.80 -> 0.94) and the success rate then falls to 0-20 %; the loop's judge stays far above the 135M model prompted
  zero-shot (which calls almost everything problematic: chance level) and, with 60 labels of its own, a little below
  the judge trained once on all 217 train labels. 224 s in all (the loop 28.5 s; the LLM baseline most of the rest).
  Re-measured after the held-out wall (issue 26): the same figures to the third decimal (this benchmark's adversary
  never drew held-out prompts); the earlier text miscounted the shipped split as 195 / 84 prompts (it is 217 / 94,
  which these figures were measured on). Where the wall matters: `universetbd judge --labels ALL --heldout TEST`
  with TEST the held-out split and ALL the whole seed set (embedding judge, 4 x 10 rounds) put 28 held-out prompts
  into the judge's 100 training prompts before the fix, and its held-out accuracy read 0.989 (AUROC 1.000); with
  the wall none enter and it reads 0.947 (AUROC 0.997).

  With the LoRA judge (`--judge lora --no-llm`, each fit 5 epochs from the base MiniLM weights; 1155 s, heavily
  shared CPU): accuracy by iteration 0.691, 0.489, 0.723, 0.936, 0.830, 0.926, 0.957 (AUROC 0.854 -> 0.989; the
  dips are fits of 30-90 prompts that put most probabilities under 0.5: recall 0.02 at iteration 1 with AUROC
  0.955); adversary success 0.5, 0.6, 0.4, 0.1, 0.2, 0.1; trained once on the train split: accuracy 0.968.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]


def _judge(kind: str):
    from universetbd.judge import EmbeddingJudge, HashingEmbedder, LoRAJudge
    if kind == "embedding": return EmbeddingJudge()
    if kind == "hashing": return EmbeddingJudge(HashingEmbedder())
    if kind == "lora": return LoRAJudge(epochs=4)
    raise SystemExit(f"--judge must be embedding or lora, got {kind!r}")


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="2 iterations x 3 rounds, no LLM baseline")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--iterations", type=int, default=6)
    ap.add_argument("--start", type=int, default=5, help="initial labelled prompts per label")
    ap.add_argument("--start-categories", default="in_scope,out_of_scope",
                    help="seed categories the initial prompts come from (the others are new to the judge: the adversary finds them)")
    ap.add_argument("--judge", default=None, choices=["embedding", "hashing", "lora"],
                    help="MiniLM + logistic regression (default; --quick: word hashing + logistic regression), or LoRA")
    ap.add_argument("--no-llm", action="store_true", help="skip the zero-shot LLM judge baseline")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=str(REPO / "benchmarks" / "results"))
    a = ap.parse_args(argv)
    if a.quick: a.rounds, a.iterations, a.no_llm = 3, 2, True
    a.judge = a.judge or ("hashing" if a.quick else "embedding")
    mode = "quick" if a.quick else "default"

    from universetbd.core import seed_everything
    from universetbd.judge import JudgeLoop, LoopConfig, SeedAdversary, LLMJudge, load_seed, oracle, judge_metrics
    seed_everything(a.seed)
    t0 = time.time()
    train, held = load_seed("train"), load_seed("held_out")
    import pandas as pd
    cats = [c.strip() for c in a.start_categories.split(",") if c.strip()]
    first = train[train.category.isin(cats)] if cats else train
    start = pd.concat([g.sample(a.start, random_state=a.seed) for _, g in first.groupby("label")])
    pool = train[~train.prompt.isin(start.prompt)]
    db = Path(tempfile.mkdtemp()) / "judge_loop.sqlite"
    loop = JudgeLoop(db, _judge(a.judge), SeedAdversary(pool, seed=a.seed), heldout=held, initial=start,
                     config=LoopConfig(rounds=a.rounds, iterations=a.iterations))
    m = loop.run(oracle(load_seed()), show_progress=False)
    rows = [{k: (None if v != v else v) for k, v in r.items() if k != "ts"} for r in m.to_dict("records")]
    t_loop = time.time() - t0

    once = _judge(a.judge).fit(train.prompt.tolist(), train.label.tolist())
    base = {"trained_once": {**judge_metrics(held.label, once.predict_proba(held.prompt.tolist())), "n_train": len(train)}}
    if not a.no_llm:
        t1 = time.time()
        lj = LLMJudge()
        base["llm_zero_shot"] = {**judge_metrics(held.label, lj.predict_proba(held.prompt.tolist())), "model": lj.llm.model,
                                 "seconds": round(time.time() - t1, 1)}
    res = {"mode": mode, "judge": a.judge, "rounds": a.rounds, "iterations": a.iterations, "start_per_label": a.start,
           "n_heldout": len(held), "rows": rows, "baselines": base, "rejected_proposals": loop.rejected,
           "seconds": round(time.time() - t0, 1), "loop_seconds": round(t_loop, 1)}
    f = lambda v: "   –  " if v is None else f"{v:6.3f}"
    lines = [f"judge loop ({a.judge} judge, {a.iterations} iterations x {a.rounds} rounds, start {2 * a.start} prompts; "
             f"held-out {len(held)} prompts)",
             "iteration  n_judge  accuracy  precision  recall  auroc   adversary_success"]
    for r in rows:
        lines.append(f"{r['iteration']:9d}  {r['n_judge']:7d}  {f(r['accuracy'])}    {f(r['precision'])}     {f(r['recall'])}  "
                     f"{f(r['auroc'])}  {f(r['success_rate'])}")
    for name, b in base.items():
        lines.append(f"{name:>18}: accuracy {f(b['accuracy'])} precision {f(b['precision'])} recall {f(b['recall'])} auroc {f(b['auroc'])}")
    lines.append(f"{res['seconds']} s in all (loop {res['loop_seconds']} s)")
    text = "\n".join(lines)
    print(text)
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    name = f"judge_loop_{mode}" + ("_lora" if a.judge == "lora" else "")
    (out / f"{name}.json").write_text(json.dumps(res, indent=1))
    (out / f"{name}.txt").write_text(text + "\n")
    loop.close()
    return res


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
