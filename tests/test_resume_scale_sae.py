"""Resumable jobs of `scale` and `sae` against changed inputs and SIGKILL: encode shards (in this process, the
`universetbd encode` command, the Ray path's driver), SAE training checkpoints and the distributed trainer.
Each input changed in turn gives a recompute or a `StaleResultError`; a job killed mid-write and rerun leaves
nothing corrupt and reuses what it had finished."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from universetbd.core import InputError, StaleResultError
from universetbd.sae.topk import TopKSAE, TopKSAEConfig, encode_corpus, train_sae
import universetbd.scale.shards as shards
from universetbd.scale.shards import (MANIFEST, Manifest, load_codes, read_codes_shard, run_encode, shard_name,
                                      write_vector_shard)

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "UNIVERSETBD_PROGRESS": "0", "HF_HUB_OFFLINE": "1",
       "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(ROOT)}


def _X(n=100, d=16, seed=0): return np.random.default_rng(seed).normal(size=(n, d)).astype(np.float32)

def _sae(k=4, seed=0): return TopKSAE(TopKSAEConfig(d_in=16, n_latents=32, k=k, seed=seed))

def _vectors(folder, X, rows=25):
    for p in Path(folder).glob("vectors-*.parquet"): p.unlink()
    for i, s in enumerate(range(0, len(X), rows)):
        write_vector_shard(Path(folder) / shard_name("vectors", i), [str(j) for j in range(s, s + len(X[s:s + rows]))], X[s:s + rows])

def _mtimes(folder): return {p.name: p.stat().st_mtime_ns for p in Path(folder).glob("codes-*.parquet")}

def _same_codes(folder, sae, X):
    ids, got = load_codes(folder)
    ref = encode_corpus(sae, X, show_progress=False)
    assert ids == [str(i) for i in range(len(X))]
    # the codes of this SAE (a shard is encoded in its own batch: values agree to float32 rounding)
    assert np.array_equal(got.indices, ref.indices) and np.allclose(got.values, ref.values, rtol=1e-5, atol=1e-6)


def test_encode_recomputes_when_each_input_changes(tmp_path, monkeypatch):
    "SAE (k=4 then k=8), one shard's vectors, the shard layout, the code version: each gives the new codes, never the old."
    X, v, c = _X(), tmp_path / "v", tmp_path / "c"
    _vectors(v, X); s4, s8 = _sae(4), _sae(8)
    run_encode(v, c, s4, show_progress=False); _same_codes(c, s4, X)
    before = _mtimes(c)
    run_encode(v, c, s4, show_progress=False); assert _mtimes(c) == before          # unchanged: nothing redone
    run_encode(v, c, s8, show_progress=False); _same_codes(c, s8, X)                # another SAE into the same folder
    assert load_codes(c)[1].k == 8
    X2 = X.copy(); X2[60] += 1; _vectors(v, X2)                                     # one shard's vectors change
    before = _mtimes(c)
    run_encode(v, c, s8, show_progress=False); _same_codes(c, s8, X2)
    after = _mtimes(c)
    assert [n for n in before if after[n] != before[n]] == [shard_name("codes", 2)]   # only that shard redone
    _vectors(v, X2[:70], rows=30)                                                   # another layout, a shorter input
    run_encode(v, c, s8, show_progress=False); _same_codes(c, s8, X2[:70])
    assert sorted(_mtimes(c)) == [shard_name("codes", i) for i in range(3)]         # stale shards of the longer input gone
    assert sorted(json.loads((c / MANIFEST).read_text())["shards"]) == sorted(_mtimes(c))
    before = _mtimes(c)
    monkeypatch.setattr(shards, "SHARDS_CODE", shards.SHARDS_CODE + 1)              # a code change that alters shards
    run_encode(v, c, s8, show_progress=False)
    assert all(_mtimes(c)[n] != before[n] for n in before)


def test_unlisted_or_stale_shard_files_are_removed_before_work(tmp_path):
    "A codes shard the manifest does not list (written by a killed job, or copied in) is never served."
    X, v, c = _X(), tmp_path / "v", tmp_path / "c"
    _vectors(v, X); s4, s8 = _sae(4), _sae(8)
    run_encode(v, c, s4, show_progress=False)
    (c / shard_name("codes", 9)).write_bytes((c / shard_name("codes", 0)).read_bytes())
    man, todo = shards.pending(v, "vectors", c, "codes", {"sae": s8})
    assert len(todo) == 4 and not list(c.glob("codes-*.parquet")) and man.done == {}   # another SAE: nothing old kept


def _cli(*argv):
    from universetbd.cli import main
    return main([str(a) for a in argv] + ["-q"])


def test_cli_encode_file_streams_a_memmap_and_drops_stale_shards(tmp_path, monkeypatch):
    "`encode FILE`: rows are read from the memory map (no copy in RAM); a shorter or changed input, or another SAE, gives new codes."
    X = _X(120); np.save(tmp_path / "emb.npy", X)
    _sae(4).save(tmp_path / "sae4"); _sae(8).save(tmp_path / "sae8")
    seen, real = [], shards.write_vector_shard
    def spy(dst, ids, part):
        seen.append(isinstance(part, np.memmap)); return real(dst, ids, part)
    monkeypatch.setattr(shards, "write_vector_shard", spy)
    assert _cli("encode", tmp_path / "emb.npy", "--sae", tmp_path / "sae4", "-o", tmp_path / "codes", "--shard-rows", 20) == 0
    assert seen and all(seen)                                                       # every shard cut from the memory map
    _same_codes(tmp_path / "codes", TopKSAE.load(tmp_path / "sae4", device="cpu"), X)
    np.save(tmp_path / "emb.npy", X[:50])                                            # a shorter input, another SAE
    assert _cli("encode", tmp_path / "emb.npy", "--sae", tmp_path / "sae8", "-o", tmp_path / "codes", "--shard-rows", 20) == 0
    _same_codes(tmp_path / "codes", TopKSAE.load(tmp_path / "sae8", device="cpu"), X[:50])
    assert len(list((tmp_path / "codes-vectors").glob("vectors-*.parquet"))) == 3
    before = _mtimes(tmp_path / "codes")                                            # the same again: all reused
    assert _cli("encode", tmp_path / "emb.npy", "--sae", tmp_path / "sae8", "-o", tmp_path / "codes", "--shard-rows", 20) == 0
    assert _mtimes(tmp_path / "codes") == before
    assert _cli("encode", tmp_path / "emb.npy", "--sae", tmp_path / "sae8", "-o", tmp_path / "codes", "--shard-rows", 25) == 0
    _same_codes(tmp_path / "codes", TopKSAE.load(tmp_path / "sae8", device="cpu"), X[:50])   # another layout


class _FakeData:
    "Just enough of `ray.data` to run `_run_stage` in this process: each row through one worker, in order."
    class ActorPoolStrategy:
        def __init__(self, size): pass
    class DataContext:
        enable_progress_bars = False
        @classmethod
        def get_current(cls): return cls
    class _DS:
        def __init__(self, items): self.items = items
        def map_batches(self, worker, fn_constructor_kwargs, **kw):
            w = worker(**fn_constructor_kwargs); out = []
            for it in self.items:
                r = w({"src": [it["src"]], "dst": [it["dst"]]})
                out.append({k: v[0] for k, v in r.items()})
            return _FakeData._DS(out)
        def iter_rows(self): return iter(self.items)
    @staticmethod
    def from_items(items, override_num_blocks=None): return _FakeData._DS(items)

class _FakeRay:
    data = _FakeData
    def __init__(self): self.kwargs = None
    def is_initialized(self): return self.kwargs is not None
    def init(self, **kw): self.kwargs = kw


def test_ray_encode_recomputes_when_the_sae_or_vectors_change(tmp_path, monkeypatch):
    "The Ray path's driver (here with an in-process stand-in for Ray Data) keys shards like the single-process path."
    import universetbd.scale.ray as sr
    fake = _FakeRay(); fake.kwargs = {}
    monkeypatch.setattr(sr, "_ray", lambda address=None: fake)
    X, v, c = _X(), tmp_path / "v", tmp_path / "c"
    _vectors(v, X); _sae(4).save(tmp_path / "sae4"); _sae(8).save(tmp_path / "sae8")
    sr.ray_encode(v, c, tmp_path / "sae4"); _same_codes(c, TopKSAE.load(tmp_path / "sae4", device="cpu"), X)
    before = _mtimes(c)
    sr.ray_encode(v, c, tmp_path / "sae4"); assert _mtimes(c) == before
    run_encode(v, c, tmp_path / "sae4", show_progress=False); assert _mtimes(c) == before   # same keys as in-process
    sr.ray_encode(v, c, tmp_path / "sae8"); _same_codes(c, TopKSAE.load(tmp_path / "sae8", device="cpu"), X)
    X2 = X.copy(); X2[5] -= 1; _vectors(v, X2)
    sr.ray_encode(v, c, tmp_path / "sae8"); _same_codes(c, TopKSAE.load(tmp_path / "sae8", device="cpu"), X2)


@pytest.mark.parametrize("offline", [None, "0", "1"])
def test_ray_workers_get_the_users_offline_setting(monkeypatch, offline):
    import universetbd.scale.ray as sr
    fake = _FakeRay()
    monkeypatch.setattr(sr, "require", lambda *a, **k: fake)
    if offline is None: monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    else: monkeypatch.setenv("HF_HUB_OFFLINE", offline)
    sr.init_ray(num_cpus=1)
    assert fake.kwargs["runtime_env"]["env_vars"].get("HF_HUB_OFFLINE") == offline


def _wait_then_kill(proc, ready, what, timeout=120):
    t0 = time.monotonic()
    while not ready():
        if proc.poll() is not None: pytest.fail(f"{what} ended before it was killed: {proc.stdout.read()[-2000:]}")
        if time.monotonic() - t0 > timeout: proc.kill(); pytest.fail(f"{what} wrote nothing in {timeout} s")
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL); proc.wait()


def _listed(folder):
    try: return json.loads((folder / MANIFEST).read_text())["shards"]
    except (OSError, ValueError, KeyError): return {}


def test_encode_killed_mid_write_resumes_and_keeps_finished_shards(tmp_path):
    X = _X(2000); np.save(tmp_path / "emb.npy", X); _sae(8).save(tmp_path / "sae")
    cmd = [sys.executable, "-m", "universetbd.cli", "encode", str(tmp_path / "emb.npy"), "--sae", str(tmp_path / "sae"),
           "-o", str(tmp_path / "codes"), "--shard-rows", "20", "--device", "cpu", "-q"]
    p = subprocess.Popen(cmd, env=ENV, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_then_kill(p, lambda: len(_listed(tmp_path / "codes")) >= 3, "encode")
    done = _listed(tmp_path / "codes")
    assert 3 <= len(done) < 100, len(done)                                      # killed in the middle of the run
    kept = {n: (tmp_path / "codes" / n).stat().st_mtime_ns for n in done}
    for n in kept: read_codes_shard(tmp_path / "codes" / n)                     # every listed shard whole
    with pytest.raises(InputError, match="are not finished"): load_codes(tmp_path / "codes")   # not read as complete
    r = subprocess.run(cmd, env=ENV, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert {n: (tmp_path / "codes" / n).stat().st_mtime_ns for n in kept} == kept   # finished shards reused
    assert len(_listed(tmp_path / "codes")) == 100 and not list((tmp_path / "codes").glob(".*.tmp"))
    _same_codes(tmp_path / "codes", TopKSAE.load(tmp_path / "sae", device="cpu"), X)


TRAIN = """
import sys, numpy as np, torch
torch.set_num_threads(1)
from universetbd.sae.topk import train_sae
X = np.load(sys.argv[1])
sae, hist = train_sae(X, n_latents=64, k=4, auxk=8, batch_size=40, steps=int(sys.argv[3]), lr=3e-3, seed=1,
                      device="cpu", show_progress=False, checkpoint_dir=sys.argv[2], checkpoint_every=5)
sae.save(sys.argv[2] + "-sae")
"""

def test_training_killed_mid_checkpoint_resumes_to_the_same_weights(tmp_path):
    X = _X(400); np.save(tmp_path / "x.npy", X)
    (tmp_path / "train.py").write_text(TRAIN)
    ck, steps = tmp_path / "ck", 300
    cmd = [sys.executable, str(tmp_path / "train.py"), str(tmp_path / "x.npy"), str(ck), str(steps)]
    p = subprocess.Popen(cmd, env=ENV, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait_then_kill(p, lambda: (ck / "checkpoint.pt").exists(), "training")
    state = torch.load(ck / "checkpoint.pt", weights_only=True)                   # whole, readable
    assert 0 < state["step"] < steps, state["step"]
    r = subprocess.run(cmd, env=ENV, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    resumed = TopKSAE.load(str(ck) + "-sae", device="cpu")
    torch.set_num_threads(1)
    ref, _ = train_sae(X, n_latents=64, k=4, auxk=8, batch_size=40, steps=steps, lr=3e-3, seed=1, device="cpu",
                       show_progress=False)
    for name, a in ref.state_dict().items(): assert torch.equal(resumed.state_dict()[name], a), name
    assert not list(ck.glob(".*.tmp"))                                            # no half-written file left
    assert resumed.metadata["training"]["steps"] == steps


def test_training_checkpoint_refuses_each_changed_input(tmp_path, monkeypatch):
    import universetbd.sae.topk as topk
    X = _X(200); kw = dict(n_latents=32, k=4, auxk=8, batch_size=50, steps=4, seed=1, device="cpu", show_progress=False)
    train_sae(X, checkpoint_dir=tmp_path, checkpoint_every=2, **kw)
    train_sae(X, checkpoint_dir=tmp_path, checkpoint_every=2, **kw)                  # the same inputs: resumes (done)
    X2 = X.copy(); X2[0, 0] += 1
    for change, what in ((dict(X=X2), "vectors"), (dict(seed=2), "seed"), (dict(lr=0.1), "config"),
                         (dict(X_val=X[:20]), "validation"), (dict(sparse=False), "sparse")):
        args = {**kw, **{k: v for k, v in change.items() if k != "X"}}
        with pytest.raises(StaleResultError, match=f"{what} \\(changed\\)"):
            train_sae(change.get("X", X), checkpoint_dir=tmp_path, checkpoint_every=2, **args)
    monkeypatch.setattr(topk, "TRAIN_CODE", topk.TRAIN_CODE + 1)
    with pytest.raises(StaleResultError, match="code \\(changed\\)"):
        train_sae(X, checkpoint_dir=tmp_path, checkpoint_every=2, **kw)


def test_distributed_trainer_keeps_the_model_name_resumes_and_refuses_changes(tmp_path, capsys):
    from universetbd.sae.distributed import main
    X = _X(300); np.save(tmp_path / "x.npy", X)
    (tmp_path / "x.npy.json").write_text(json.dumps({"model": "all-MiniLM-L6-v2"}))
    args = [str(tmp_path / "x.npy"), str(tmp_path / "out"), "--n-latents", "32", "-k", "4", "--auxk", "8", "--steps", "6",
            "--batch-size", "50", "--seed", "1", "--checkpoint-dir", str(tmp_path / "ck"), "--checkpoint-every", "2"]
    assert main(args) == 0
    sae = TopKSAE.load(tmp_path / "out", device="cpu")
    assert sae.metadata["embedding_model"] == "all-MiniLM-L6-v2"
    assert len((tmp_path / "out" / "history.csv").read_text().splitlines()) == 7
    assert main(args) == 0                                                          # resumed from the finished checkpoint
    assert torch.equal(TopKSAE.load(tmp_path / "out", device="cpu").W_dec, sae.W_dec)
    capsys.readouterr()
    for i, new in ((args.index("--seed") + 1, "2"), (args.index("-k") + 1, "5")):
        assert main(args[:i] + [new] + args[i + 1:]) == 2
        assert "made from other inputs" in capsys.readouterr().err
    np.save(tmp_path / "x.npy", X * 2)
    assert main(args) == 2 and "vectors (changed)" in capsys.readouterr().err


class _FakeEmbedder:
    "A deterministic stand-in for a sentence model: a text's vector from its hash, scaled by `scale`."
    def __init__(self, scale): self.scale, self.dim, self.name = scale, 4, f"fake-{scale}"
    @property
    def cache_key(self): return f"{self.name}|d={self.dim}"
    def encode(self, texts, batch_size=64, show_progress=None):
        import zlib
        return np.array([[zlib.crc32(t.encode()) % 97 * self.scale, 1, 2, 3] for t in texts], np.float32)


def test_embed_shards_recompute_when_the_embedder_or_a_corpus_shard_changes(tmp_path):
    import pandas as pd
    from universetbd.scale.shards import load_vectors, run_embed, write_corpus_shards
    df = pd.DataFrame({"id": [str(i) for i in range(30)], "text": [f"document {i}" for i in range(30)]})
    write_corpus_shards(df, tmp_path / "corpus", rows_per_shard=10)
    a, b = _FakeEmbedder(1.0), _FakeEmbedder(2.0)
    vec = lambda: {p.name: p.stat().st_mtime_ns for p in (tmp_path / "v").glob("vectors-*.parquet")}
    run_embed(tmp_path / "corpus", tmp_path / "v", a, show_progress=False); before = vec()
    run_embed(tmp_path / "corpus", tmp_path / "v", a, show_progress=False); assert vec() == before
    run_embed(tmp_path / "corpus", tmp_path / "v", b, show_progress=False)                     # another embedder
    assert np.array_equal(load_vectors(tmp_path / "v")[1], b.encode(list(df.text))) and all(vec()[n] != t for n, t in before.items())
    before = vec(); df.loc[15, "text"] = "a new text"
    write_corpus_shards(df, tmp_path / "corpus", rows_per_shard=10)                            # one corpus shard changes
    run_embed(tmp_path / "corpus", tmp_path / "v", b, show_progress=False)
    assert [n for n, t in before.items() if vec()[n] != t] == [shard_name("vectors", 1)]
    assert np.array_equal(load_vectors(tmp_path / "v")[1], b.encode(list(df.text)))
