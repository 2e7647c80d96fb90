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


FAILING_RANK = """
import sys
import universetbd.sae.distributed as dist_main
from universetbd.sae import topk
real = topk.train_sae
def failing(*a, **kw):
    import torch.distributed as dist
    def cb(sae, row):
        if dist.get_rank() == 1 and row["step"] == 3: raise RuntimeError("rank one broke at step 3")
    return real(*a, callback=cb, **kw)
dist_main.train_sae = failing
sys.exit(dist_main.main(sys.argv[1:]))
"""

def test_a_failing_rank_ends_the_others_with_its_error(tmp_path):
    """Two ranks started by hand (no torchrun to kill the survivors): rank 1 raises at step 3 while rank 0 waits in an
    all-reduce; both end, well within the timeout, and rank 0 reports rank 1's error."""
    import socket
    np.save(tmp_path / "x.npy", _toy(n=400))
    (tmp_path / "fail.py").write_text(FAILING_RANK)
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    base = {**os.environ, "OMP_NUM_THREADS": "1", "UNIVERSETBD_PROGRESS": "0", "CUDA_VISIBLE_DEVICES": "",
            "PYTHONPATH": str(ROOT), "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port), "WORLD_SIZE": "2"}
    procs = [subprocess.Popen([sys.executable, str(tmp_path / "fail.py"), str(tmp_path / "x.npy"), str(tmp_path / "out"),
                               "--backend", "gloo", "--timeout", "30", *ARGS], cwd=ROOT, text=True,
                              env={**base, "RANK": str(r), "LOCAL_RANK": str(r)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
             for r in (0, 1)]
    try: outs = [p.communicate(timeout=150)[0] for p in procs]
    finally:
        for p in procs:
            if p.poll() is None: p.kill()
    assert all(p.returncode != 0 for p in procs), outs
    assert "rank 1 failed: RuntimeError: rank one broke at step 3" in outs[0], outs[0][-3000:]   # rank 1's error, on rank 0
    assert not (tmp_path / "out").exists()
