"""Rice-disease study method (arXiv 2303.08415, METHODS section 10) on the offline handwritten digits: which technique
moves accuracy, and by how much, against a plain baseline (same model, squish, no augmentation, no TTA), over seeds;
and the training speed of our loop against a plain hand-written torch loop on the same model and images.

Images: scikit-learn's 1,797 digits upscaled to 32 px and pasted at random offsets on 48 x 32 pages
(`digits_folder`), 20% held out (stratified, seed 42). Model: `resnet_mini` (a 0.31M-parameter ResNet) from scratch,
AdamW, one-cycle, lr 1e-2, batch 64. Techniques: see `universetbd.vision.sweep.TECHNIQUES`. Results:
benchmarks/results/vision_sweep_<mode>.parquet (every run, resumable: a second call skips finished runs), .json and .txt.

    python benchmarks/vision_sweep.py --quick   # smoke run (~30 s)
    python benchmarks/vision_sweep.py           # 8 techniques x 5 seeds, 10 epochs, budget 600 s (~10 CPU minutes)
    python benchmarks/vision_sweep.py --fresh   # the same, ignoring earlier results

Measured 2026-12-01 (2 CPU cores shared with other jobs, torch on 1 thread; `--fresh` stopped by the 600 s budget
after 29 of 40 runs, a second call resumed and ran the other 11 in 153 s): resnet_mini from scratch, 10 epochs, 5 seeds.

      technique  runs  accuracy ± std    delta vs baseline (paired) ± std   train s  infer img/s
 augment_noflip     5  0.9866 ± 0.0036   +0.0017 ± 0.0075                    23.7      2745
            tta     5  0.9850 ± 0.0073   +0.0000 ± 0.0044                    14.8      3743 (x5 views)
       baseline     5  0.9850 ± 0.0061    0                                  14.1      3022
label_smoothing     5  0.9838 ± 0.0050   -0.0011 ± 0.0078                    16.7      3359
            pad     5  0.9822 ± 0.0032   -0.0028 ± 0.0086                    18.1      2898
           crop     5  0.9777 ± 0.0071   -0.0072 ± 0.0098                    17.6      2543
    progressive     5  0.9705 ± 0.0067   -0.0145 ± 0.0091                    15.9      2666
           flip     5  0.9666 ± 0.0034   -0.0184 ± 0.0087                    22.1      2560

  Only two techniques moved accuracy by more than the seed spread, both down: mirroring (-1.8 points; a mirrored
  digit is another shape) and progressive resizing (-1.5 points; half of 10 epochs at 16 px). Cropping the 48 x 32
  pages cuts some digits (-0.7), padding keeps them whole but smaller (-0.3); fastai-style augmentation without flips,
  label smoothing and TTA are within noise of the baseline (98.5%) at this size. Training speed of `train` against a
  plain hand-written torch loop on the same model and images (no augmentation): 2805 vs 2722 images/s (1.03) on a
  quiet machine, 1424 vs 1497 (0.95) under load: the same speed within noise (the loop adds no overhead).
"""
from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")

import torch

from universetbd.core import atomic_write, seed_everything, torch_threads
from universetbd.vision import ImageFolder, Sweep, TrainConfig, create_model, digits_folder, effects, train

RESULTS = Path(__file__).resolve().parent / "results"
MODES = {
    "quick": dict(size=16, width=24, per_class=20, epochs=1, seeds=(0,), techniques=("baseline", "tta"), budget=120, speed_epochs=1),
    "default": dict(size=32, width=48, per_class=None, epochs=10, seeds=(0, 1, 2, 3, 4),
                    techniques=("baseline", "crop", "pad", "flip", "augment_noflip", "progressive", "label_smoothing", "tta"),
                    budget=600, speed_epochs=2),
}


def plain_loop(model, x, y, idx, epochs, bs, lr, seed=0):
    """A plain hand-written torch loop: shuffle, index, scale to [0, 1], forward, cross-entropy, AdamW step. Images/s."""
    seed_everything(seed)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    loss_fn = torch.nn.CrossEntropyLoss()
    idx = torch.as_tensor(idx)
    model.train(); seen = 0
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = idx[torch.randperm(len(idx))]
        for s in range(len(idx) // bs):
            b = perm[s * bs:(s + 1) * bs]
            loss = loss_fn(model(x[b].float() / 255), y[b])
            opt.zero_grad(); loss.backward(); opt.step(); seen += len(b)
    return seen / (time.perf_counter() - t0)


def speed(folder, cfg, epochs, repeats=2):
    """Training images/s of `train` (no augmentation, one-cycle) and of `plain_loop`, same model and images, best of `repeats`."""
    data = folder.load(cfg.size, cfg.resize, progress_bar=False)
    tr, _ = data.split(cfg.valid_pct, cfg.split_seed)
    ours, plain = [], []
    for r in range(repeats):   # alternated, so both see the same machine load
        ours.append(train(data, cfg.replace(epochs=epochs, seed=r), progress_bar=False).train_ips)
        plain.append(plain_loop(create_model(cfg.model, len(data.classes)), data.x, data.y, tr, epochs, cfg.batch_size, cfg.lr, seed=r))
    return {"ours_ips": max(ours), "plain_ips": max(plain), "ratio": max(ours) / max(plain), "epochs": epochs, "repeats": repeats}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 images at 16 px, one epoch, 2 runs")
    ap.add_argument("--fresh", action="store_true", help="ignore (delete) earlier results of this mode")
    ap.add_argument("--budget", type=float, help="seconds for the sweep (default: 600, quick 120)")
    ap.add_argument("--model", default="resnet_mini", help="model name (see universetbd.vision.MODELS)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 is fastest on a shared machine)")
    ap.add_argument("--out", default=str(RESULTS), help="folder for the results")
    a = ap.parse_args(argv)
    with torch_threads(max(1, a.threads)):  # restored after (the tests call main() in their own process)
        return run(a)


def run(a):
    "The sweep, its effects and the speed comparison for parsed arguments `a`; writes and returns the results."
    mode = "quick" if a.quick else "default"
    m = MODES[mode]
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    path = out / f"vision_sweep_{mode}.parquet"
    if a.fresh and path.exists(): path.unlink()
    folder = ImageFolder(digits_folder(m["size"], m["width"]), max_per_class=m["per_class"])
    base = TrainConfig(model=a.model, size=m["size"], epochs=m["epochs"], lr=1e-2, batch_size=64 if not a.quick else 32)
    t0 = time.perf_counter()
    sw = Sweep(folder, base, models=[a.model], techniques=m["techniques"], seeds=m["seeds"], results=path,
               budget_s=a.budget if a.budget is not None else m["budget"])
    table = sw.run(progress_bar=False)
    sweep_s = time.perf_counter() - t0
    eff = effects(table)
    sp = speed(folder, base, m["speed_epochs"], repeats=1 if a.quick else 2)
    cols = ["technique", "runs", "accuracy", "accuracy_std", "delta", "delta_std", "f1", "train_time_s", "infer_ips", "tta_views"]
    text = (f"vision_sweep ({mode}): {len(folder)} digit images at {m['size']} px, {a.model}, {m['epochs']} epochs, "
            f"{len(table)} / {len(sw.plan)} runs ({sw.status}; this call {sweep_s:.0f} s)\n"
            f"accuracy mean ± std over seeds; delta = paired change against the baseline of the same seed\n"
            + eff[cols].to_string(index=False, float_format=lambda v: f"{v:.4f}") + "\n"
            f"training speed: ours {sp['ours_ips']:.0f} images/s, plain torch loop {sp['plain_ips']:.0f} images/s, "
            f"ratio {sp['ratio']:.2f} (best of {sp['repeats']}, {sp['epochs']} epoch(s) each)\n")
    print(text)
    res = {"mode": mode, "images": len(folder), "model": a.model, "runs": len(table), "planned": len(sw.plan), "status": sw.status,
           "effects": json.loads(eff.to_json(orient="records")), "speed": sp, "sweep_s": sweep_s}
    with atomic_write(out / f"vision_sweep_{mode}.json") as f: json.dump(res, f, indent=1)
    with atomic_write(out / f"vision_sweep_{mode}.txt") as f: f.write(text)
    return res


if __name__ == "__main__":
    main()
