"""Data-parallel SAE training: `torchrun --nproc_per_node 2` (gloo, CPU) gives the weights of one process at equal global batch."""
import os, subprocess, sys
from pathlib import Path

import numpy as np
import pytest
import torch

from universetbd.sae.topk import TopKSAE, train_sae

ROOT = Path(__file__).resolve().parents[1]

def _toy(n=1200, d=24, n_true=96, seed=0):
    g = torch.Generator().manual_seed(seed)
    D = torch.nn.functional.normalize(torch.randn(n_true, d, generator=g), dim=1)
    idx = torch.randint(0, n_true, (n, 4), generator=g)
    return (torch.rand(n, 4, generator=g)[..., None] * D[idx]).sum(1).numpy().astype(np.float32)

ARGS = ["--n-latents", "512", "-k", "6", "--auxk", "12", "--dead-steps", "3", "--batch-size", "100", "--steps", "20",
        "--lr", "0.003", "--seed", "3"]

def test_ddp_two_gloo_processes_match_one(tmp_path):
    X = _toy()
    shards = tmp_path / "shards"; shards.mkdir()
    for i, part in enumerate(np.array_split(X, 3)): np.save(shards / f"part-{i:03d}.npy", part)   # streamed from shards
    torchrun = Path(sys.executable).with_name("torchrun")
    if not torchrun.exists(): pytest.skip("torchrun is not installed next to this Python")
    env = {**os.environ, "OMP_NUM_THREADS": "1", "UNIVERSETBD_PROGRESS": "0", "CUDA_VISIBLE_DEVICES": ""}
    r = subprocess.run([str(torchrun), "--standalone", "--nproc_per_node", "2", "-m", "universetbd.sae.distributed",
                        str(shards), str(tmp_path / "ddp"), "--backend", "gloo", *ARGS],
                       env=env, cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "2 processes, 20 steps" in r.stdout
    ddp = TopKSAE.load(tmp_path / "ddp", device="cpu")
    one, hist = train_sae(X, n_latents=512, k=6, auxk=12, dead_steps=3, batch_size=100, steps=20, lr=0.003, seed=3,
                          device="cpu", show_progress=False)
    assert (one.stats_last_nonzero > 3).any()        # some latents went dead: the AuxK loss and its all-reduce ran
    assert torch.equal(ddp.stats_last_nonzero, one.stats_last_nonzero)
    for name, a in one.state_dict().items():
        torch.testing.assert_close(ddp.state_dict()[name], a, atol=2e-5, rtol=0, msg=lambda m: f"{name}: {m}")
    moved = (one.W_dec - TopKSAE(one.cfg).W_dec).abs().max()
    assert moved > 1e-2                              # training changed the weights far more than the tolerance
    h2 = (tmp_path / "ddp" / "history.csv").read_text().splitlines()
    assert len(h2) == 21
    ddp_nmse = float(h2[-1].split(",")[3])
    assert abs(ddp_nmse - hist["nmse"].iloc[-1]) < 1e-4
