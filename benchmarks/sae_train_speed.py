"""Training throughput of universetbd's top-k SAE step against SAELens's TopK training step.

Both sides train on the same tensors (saved to .npy and read by both), with the same batch size and the same
torch wheel (2.13.0). SAELens pins transformer-lens < 4, so its side runs in a separate virtual environment,
benchmarks/.venv-saelens, which this script creates on first use (`python -m venv`, then
`pip install torch==2.13.0`, then `pip install sae-lens`). The two sides are run in alternating rounds so
that load from other processes hits both alike; a figure is the median time per step over all rounds.

SAELens step = what `SAETrainer._train_step` does: `training_forward_pass` (TopK, AuxK on dead latents),
firing statistics, backward, gradient clipping at 1.0, Adam step, zero_grad. It is measured in SAELens's
default mode and with `use_sparse_activations=True` (its sparse decoder). Ours = `universetbd.sae.topk.sae_step`
(loss, AuxK, dead counter, decoder-gradient projection, clipping, Adam, column renormalisation).

Both sides use the same Adam implementation in each comparison, and the run reports it both ways (--adam):
`fused` (torch.optim.Adam(fused=True), what universetbd's `make_optimizer` ships) and `default` (torch's
default choice, foreach on CUDA and the for-loop on CPU, what SAELens's trainer uses). The out-of-the-box pairing
(ours fused, SAELens default) is printed too, labelled as such; the like-for-like ratios are the ones to quote.

Our side marks the same latents dead as the SAELens side's `dead_neuron_mask` and keeps them dead
(`fire_threshold=inf`, so firing never resets a counter), so both sides compute the AuxK loss on every step.

Beside each of our figures the run prints the floor, timed alone in the same rounds on the same tensors:
the encoder's forward GEMM plus its dense weight-gradient GEMM (`z = (x - b) W_enc^T + b_lat` and
`G^T (x - b)` with a dense (B, n) `G`, each written into a preallocated output, as our step writes its
pre-activations and gradients), and the forward GEMM alone. It also prints where the time of our step goes:
the named `torch.profiler` ranges of `sae_step` (encode GEMM, top-k, decode, AuxK, backward, decoder-gradient
projection, clip, optimizer, renormalisation), over a few extra steps with the profiler on, with the floor
beside it. The run ends with one table of both sizes: our step, the floor, the ratio to the floor, and the
ratios to SAELens like for like (each Adam variant) and as shipped.

OpenMP threads: by default the run sets `OMP_WAIT_POLICY=PASSIVE` for both sides (before torch loads). On a
machine shared with other jobs, OpenMP's default of spinning after each parallel region makes every
small parallel operation wait for a time slice (an int32 sort of 98k keys took 164 ms instead of 0.8 ms
with 2 threads under load); figures then mostly measure the load. `--omp-wait-policy default` keeps
the library default. The policy is printed in the header.

The run also checks interoperability: an SAE saved by universetbd is loaded with
`sae_lens.SAE.load_from_disk` and must reproduce our reconstructions.

    python benchmarks/sae_train_speed.py                    # both configurations, CPU
    python benchmarks/sae_train_speed.py --configs small --rounds 5 --device cuda
    python benchmarks/sae_train_speed.py --no-saelens       # ours, the floor and the profile only (no venv)
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
VENV = HERE / ".venv-saelens"
CONFIGS = {"small": (384, 3072, 32), "large": (1536, 9216, 64)}   # (d, n, k)
BATCH = 1024
LR = 1e-4
ADAM = {"fused": {"fused": True}, "default": {}}   # keyword arguments of torch.optim.Adam, the same on both sides


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_venv():
    "Create benchmarks/.venv-saelens with torch 2.13.0 and sae-lens, unless it already imports sae_lens."
    py = venv_python()
    if py.exists() and subprocess.run([str(py), "-c", "import sae_lens"], capture_output=True).returncode == 0:
        return py
    print(f"creating {VENV} (torch==2.13.0, then sae-lens) ...", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    pip = [str(py), "-m", "pip", "install", "-q"]
    subprocess.run(pip + ["torch==2.13.0"], check=True)
    subprocess.run(pip + ["sae-lens"], check=True)
    return py


# ----------------------------------------------------------------------------------------------- SAELens side
def saelens_worker():
    "Line-oriented JSON worker run inside the SAELens venv."
    import numpy as np
    import torch
    import sae_lens
    from sae_lens.saes.sae import TrainStepInput
    from sae_lens.saes.topk_sae import TopKTrainingSAE, TopKTrainingSAEConfig
    state = {}
    for line in sys.stdin:
        msg = json.loads(line)
        if msg["cmd"] == "setup":
            torch.manual_seed(0)
            dev = msg["device"]
            X = torch.from_numpy(np.load(msg["data"])).to(dev)
            models = {}
            for mode, sparse in (("saelens", False), ("saelens_sparse", True)):
                for adam in msg["adam"]:
                    torch.manual_seed(0)   # the same initialisation for every optimizer variant
                    cfg = TopKTrainingSAEConfig(d_in=msg["d"], d_sae=msg["n"], k=msg["k"], dtype="float32", device=dev,
                                                use_sparse_activations=sparse)
                    sae = TopKTrainingSAE(cfg).to(dev)
                    try: opt = torch.optim.Adam(sae.parameters(), lr=LR, betas=(0.9, 0.999), **ADAM[adam])
                    except (RuntimeError, TypeError) as e: opt = f"{type(e).__name__}: {e}"   # reported by "run"
                    models[f"{mode}[{adam}]"] = (sae, opt)
            mask = torch.zeros(msg["n"], dtype=torch.bool, device=dev)
            mask[: int(msg["dead_fraction"] * msg["n"])] = True
            state.update(X=X, models=models, mask=mask, dev=dev, step=0,
                         since_fired=torch.zeros(msg["n"], device=dev))
            print(json.dumps({"ok": True, "version": sae_lens.__version__, "torch": torch.__version__}), flush=True)
        elif msg["cmd"] == "run":
            try: print(json.dumps({"times": _saelens_run(state, msg)}), flush=True)
            except Exception as e:   # e.g. use_sparse_activations fails in backward on CPU
                print(json.dumps({"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}), flush=True)

        elif msg["cmd"] == "check_load":
            from sae_lens import SAE
            sae = SAE.load_from_disk(msg["dir"], device="cpu")
            x = torch.from_numpy(np.load(msg["x"]))
            with torch.no_grad():
                acts = sae.encode(x)
                rec = sae.decode(acts)
            want_rec = torch.from_numpy(np.load(msg["rec"]))
            want_idx = torch.from_numpy(np.load(msg["idx"])).long()
            got_idx = acts.topk(want_idx.shape[1], dim=-1).indices.sort(1).values
            print(json.dumps({"class": type(sae).__name__, "max_abs_diff_reconstruction": float((rec - want_rec).abs().max()),
                              "same_active_latents": bool((got_idx == want_idx.sort(1).values).all())}), flush=True)
        elif msg["cmd"] == "quit":
            return


def _saelens_run(state, msg):
    "Timed SAELens training steps, as SAETrainer._train_step does them."
    import torch
    from sae_lens.saes.sae import TrainStepInput
    sae, opt = state["models"][msg["mode"]]
    if isinstance(opt, str): raise RuntimeError(f"this Adam variant cannot be built here: {opt}")
    X, times = state["X"], []
    for i in range(msg["steps"]):
        x = X[(i % (len(X) // BATCH)) * BATCH:][:BATCH]
        if state["dev"] != "cpu": torch.cuda.synchronize()
        t0 = time.perf_counter()
        out = sae.training_forward_pass(TrainStepInput(sae_in=x, coefficients={}, dead_neuron_mask=state["mask"],
                                                       n_training_steps=state["step"], is_logging_step=False))
        with torch.no_grad():                       # firing statistics, as SAETrainer._train_step
            fired = out.feature_acts.bool().float().sum(-2).bool()
            if fired.is_sparse: fired = fired.to_dense()
            state["since_fired"] += 1
            state["since_fired"][fired] = 0
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(sae.parameters(), 1.0)
        opt.step(); opt.zero_grad()
        if state["dev"] != "cpu": torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
        state["step"] += 1
    return times


class Worker:
    def __init__(self, py):
        self.p = subprocess.Popen([str(py), __file__, "--worker"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})

    def ask(self, **msg):
        self.p.stdin.write(json.dumps(msg) + "\n"); self.p.stdin.flush()
        line = self.p.stdout.readline()
        if not line: raise RuntimeError("the SAELens worker died (see its stderr above)")
        return json.loads(line)

    def close(self):
        try: self.ask(cmd="quit")
        except Exception: pass
        self.p.wait(timeout=30)


# -------------------------------------------------------------------------------------------------- our side
class Ours:
    def __init__(self, data, d, n, k, dead_fraction, device, adam="fused"):
        import numpy as np, torch
        from universetbd.sae.topk import TopKSAE
        torch.manual_seed(0)
        self.torch, self.dev = torch, device
        self.X = torch.from_numpy(np.load(data)).to(device)
        # fire_threshold=inf: no counter is ever reset, so the first n_dead latents stay dead (as SAELens's fixed mask)
        self.sae = TopKSAE(d_in=d, n_latents=n, k=k, auxk=2 * k, fire_threshold=float("inf")).to(device)._fix_layout()
        self.sae.pre_bias.data = self.X[:10_000].median(0).values
        # the same Adam as the SAELens side (ADAM[adam]; "fused" is what make_optimizer ships), given the column-major
        # decoder weight as its contiguous (n, d) view, as make_optimizer does (SAELens's W_dec is (n, d) already)
        from universetbd.sae.topk import _ViewAdam, _adam_view
        self.opt = _ViewAdam([_adam_view(p) for p in self.sae.parameters()], lr=LR, betas=(0.9, 0.999), **ADAM[adam])
        self.n_dead = int(dead_fraction * n)

    def run(self, steps):
        from universetbd.sae.topk import sae_step
        torch, times = self.torch, []
        for i in range(steps):
            x = self.X[(i % (len(self.X) // BATCH)) * BATCH:][:BATCH]
            self.sae.stats_last_nonzero.zero_(); self.sae.stats_last_nonzero[: self.n_dead] = 10**9   # same dead set
            if self.dev != "cpu": torch.cuda.synchronize()
            t0 = time.perf_counter()
            r = sae_step(self.sae, self.opt, x)
            if self.dev != "cpu": torch.cuda.synchronize()
            times.append(time.perf_counter() - t0)
        self.auxk_loss = r["auxk_loss"]
        return times

    def profile(self, steps=3):
        "Milliseconds per step in each named phase of sae_step (torch.profiler ranges 'sae.*'), and the step total."
        from torch.profiler import profile, ProfilerActivity
        acts = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if self.dev != "cpu" else [])
        with profile(activities=acts) as p:
            t = self.run(steps)
        phases = {e.key: e.cpu_time_total / 1e3 / steps for e in p.key_averages() if e.key.startswith("sae.")}
        return phases, 1e3 * sum(t) / steps


class Floor:
    "The encoder's forward GEMM and its dense weight-gradient GEMM, alone, on the same tensors as our step."
    def __init__(self, ours: Ours):
        torch, sae = ours.torch, ours.sae
        self.torch, self.dev = torch, ours.dev
        with torch.no_grad():
            self.W, self.b = sae.encoder.weight.detach().clone(), sae.latent_bias.detach().clone()
            self.xc = ours.X[:BATCH] - sae.pre_bias.detach()
            self.G = torch.randn(BATCH, self.W.shape[0], device=ours.dev)   # a dense (B, n) gradient
            # outputs written in place, as our step writes its pre-activations and gradients (no fresh pages per call)
            self.z, self.gW = torch.empty_like(self.G), torch.empty_like(self.W)

    def run(self, steps):
        torch, fwd, both = self.torch, [], []
        for _ in range(steps):
            if self.dev != "cpu": torch.cuda.synchronize()
            t0 = time.perf_counter()
            torch.addmm(self.b, self.xc, self.W.t(), out=self.z)
            if self.dev != "cpu": torch.cuda.synchronize()
            t1 = time.perf_counter()
            torch.mm(self.G.t(), self.xc, out=self.gW)
            if self.dev != "cpu": torch.cuda.synchronize()
            fwd.append(t1 - t0); both.append(time.perf_counter() - t0)
        return fwd, both


def check_interop(worker, tmp):
    "Save a universetbd SAE and load it with SAELens: reconstructions and active latents must agree."
    import numpy as np, torch
    from universetbd.sae.topk import TopKSAE
    torch.manual_seed(1)
    sae = TopKSAE(d_in=64, n_latents=512, k=8)
    with torch.no_grad(): sae.latent_bias.normal_(0, 0.1); sae.pre_bias.normal_(0, 0.1)
    x = torch.nn.functional.normalize(torch.randn(256, 64), dim=1)
    sae.save(tmp / "ours")
    v, i = sae.encode_topk(x)
    np.save(tmp / "x.npy", x.numpy()); np.save(tmp / "rec.npy", sae(x).numpy()); np.save(tmp / "idx.npy", i.numpy())
    return worker.ask(cmd="check_load", dir=str(tmp / "ours"), x=str(tmp / "x.npy"), rec=str(tmp / "rec.npy"),
                      idx=str(tmp / "idx.npy"))


PHASES = ["sae.encode", "sae.topk", "sae.decode", "sae.auxk", "sae.backward", "sae.decoder_projection", "sae.clip",
          "sae.optimizer", "sae.renormalise"]


def print_profile(name, ours, floor_fwd, floor_both, steps=3):
    "Where the time of our step goes: ms per step in each named phase, and its share of the profiled step."
    phases, total = ours.profile(steps)
    print(f"  profile of {name} ({steps} steps, profiler on; step {total:.1f} ms; floor {floor_both:.1f} ms, "
          f"its forward GEMM {floor_fwd:.1f} ms, timed without the profiler):")
    for p in PHASES + sorted(set(phases) - set(PHASES)):
        if p in phases:
            beside = f"   (floor: forward GEMM alone {floor_fwd:.1f} ms)" if p == "sae.encode" else ""
            print(f"    {p[4:]:20s} {phases[p]:8.1f} ms  {phases[p] / total:6.1%}{beside}")
    rest = total - sum(phases.values())
    print(f"    {'(between phases)':20s} {rest:8.1f} ms  {rest / total:6.1%}")
    return {p[4:]: phases[p] for p in phases}


def print_table(results, adams):
    "Both sizes in one table: our step, the floor, and the ratios to SAELens (x = SAELens time / ours)."
    print("\nsummary (median ms per step of 1024 embeddings; x SAELens = SAELens's step time / ours, best SAELens mode):")
    head = ["size", "ours (fused Adam)", "floor", "ours / floor"] + [f"x SAELens, Adam {x}" for x in adams] + ["x SAELens as shipped"]
    print("  " + " | ".join(head))
    for r in results:
        cells = [f"{r['config']} (d {r['d']}, n {r['n']}, k {r['k']})",
                 f"{r.get('universetbd[fused]_ms', float('nan')):.1f}", f"{r['floor: forward + weight-gradient GEMMs_ms']:.1f}",
                 f"{r.get('universetbd[fused]_vs_floor', float('nan')):.2f}x"]
        cells += [f"{r[f'ratio_vs_best_saelens_adam_{x}']:.2f}x" if f"ratio_vs_best_saelens_adam_{x}" in r else "-" for x in adams]
        cells.append(f"{r['ratio_as_shipped']:.2f}x" if "ratio_as_shipped" in r else "-")
        print("  " + " | ".join(cells))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--configs", default="small,large", help="comma list of: " + ", ".join(CONFIGS))
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    ap.add_argument("--steps", type=int, default=3, help="timed steps per round")
    ap.add_argument("--dead-fraction", type=float, default=0.1, help="fraction of latents marked dead (AuxK active)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--no-sparse-saelens", action="store_true", help="skip SAELens's use_sparse_activations mode")
    ap.add_argument("--no-saelens", action="store_true", help="time only our step and the floor (no SAELens venv)")
    ap.add_argument("--adam", default="fused,default", help="comma list of Adam variants, each used by both sides: "
                    + ", ".join(ADAM))
    ap.add_argument("--omp-wait-policy", default="PASSIVE", choices=["PASSIVE", "ACTIVE", "default"],
                    help="OMP_WAIT_POLICY for both sides (default PASSIVE; 'default' leaves it unset)")
    ap.add_argument("--profile-steps", type=int, default=3, help="steps profiled per configuration (0: no profile)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.worker: return saelens_worker()
    if a.omp_wait_policy != "default":
        if "torch" in sys.modules: raise SystemExit("OMP_WAIT_POLICY must be set before torch loads")
        os.environ["OMP_WAIT_POLICY"] = a.omp_wait_policy      # read once by OpenMP; the SAELens worker inherits it

    import numpy as np, torch
    os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")
    adams = a.adam.split(",")
    if not adams or any(x not in ADAM for x in adams):
        raise SystemExit(f"--adam takes a comma list of {', '.join(ADAM)}, got {a.adam!r}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device {a.device}, batch {BATCH}, "
          f"dead fraction {a.dead_fraction}, {a.rounds} rounds x {a.steps} steps per side, Adam: {', '.join(adams)}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}, load average at start "
          f"{load[0]:.1f} on {os.cpu_count()} CPUs")
    worker = None if a.no_saelens else Worker(ensure_venv())
    modes = [] if a.no_saelens else [f"{m}[{x}]" for m in ["saelens"] + ([] if a.no_sparse_saelens else ["saelens_sparse"])
                                     for x in adams]
    results = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            if worker: print("interop: SAELens loads our save ->", check_interop(worker, tmp))
            for name in a.configs.split(","):
                d, n, k = CONFIGS[name]
                g = torch.Generator().manual_seed(0)
                X = torch.nn.functional.normalize(torch.randn(4 * BATCH, d, generator=g), dim=1).numpy()
                np.save(tmp / f"{name}.npy", X)
                info = worker.ask(cmd="setup", d=d, n=n, k=k, data=str(tmp / f"{name}.npy"),
                                  dead_fraction=a.dead_fraction, device=a.device, adam=adams) if worker else {}
                ours = {}
                for x in adams:
                    try: ours[f"universetbd[{x}]"] = Ours(tmp / f"{name}.npy", d, n, k, a.dead_fraction, a.device, x)
                    except (RuntimeError, TypeError) as e: print(f"  universetbd[{x}]: cannot build on {a.device}: {e}")
                floor = Floor(next(iter(ours.values())))
                for o in ours.values(): o.run(1)                       # warm-up
                floor.run(1)
                run_modes = []
                for m in modes:
                    r = worker.ask(cmd="run", mode=m, steps=1)
                    if "error" in r: print(f"  {m}: fails on {a.device}: {r['error']}")
                    else: run_modes.append(m)
                times = {m: [] for m in list(ours) + run_modes + ["floor: forward GEMM", "floor: forward + weight-gradient GEMMs"]}
                for _ in range(a.rounds):
                    for m, o in ours.items(): times[m] += o.run(a.steps)
                    f1, f2 = floor.run(a.steps)
                    times["floor: forward GEMM"] += f1; times["floor: forward + weight-gradient GEMMs"] += f2
                    for m in run_modes: times[m] += worker.ask(cmd="run", mode=m, steps=a.steps)["times"]
                med = {m: float(np.median(t)) for m, t in times.items()}
                print(f"\n{name}: d={d}, n={n}, k={k}" + (f" (sae-lens {info['version']})" if info else "")
                      + f"; load average now {os.getloadavg()[0]:.1f}")
                for m, t in med.items():
                    print(f"  {m:40s} {t * 1000:8.1f} ms/step (min {min(times[m]) * 1000:7.1f})  "
                          f"{BATCH / t:9.0f} embeddings/s")
                f_fwd, f_both = med["floor: forward GEMM"], med["floor: forward + weight-gradient GEMMs"]
                row = {"config": name, "d": d, "n": n, "k": k, **{f"{m}_ms": med[m] * 1000 for m in med}}
                for m, o in ours.items():
                    assert o.auxk_loss > 0, f"{m}: the AuxK loss was not computed"
                    print(f"  {m}: {med[m] * 1000:.1f} ms = {med[m] / f_both:.2f}x the floor (forward + weight-gradient GEMMs, "
                          f"{f_both * 1000:.1f} ms), {med[m] / f_fwd:.2f}x the forward GEMM alone ({f_fwd * 1000:.1f} ms)")
                    row[f"{m}_vs_floor"] = med[m] / f_both
                for x in adams:   # like for like: the same Adam implementation on both sides
                    ref, theirs = f"universetbd[{x}]", [m for m in run_modes if m.endswith(f"[{x}]")]
                    if ref not in med or not theirs: continue
                    for m in theirs:
                        print(f"  ratio (Adam {x:7s}) {m:24s} / universetbd {med[m] / med[ref]:.2f}x")
                    row[f"ratio_vs_best_saelens_adam_{x}"] = min(med[m] for m in theirs) / med[ref]
                if "universetbd[fused]" in med and "saelens[default]" in med:   # out of the box: not like for like
                    row["ratio_as_shipped"] = med["saelens[default]"] / med["universetbd[fused]"]
                    print(f"  ratio as shipped (ours fused Adam, SAELens trainer's default Adam): {row['ratio_as_shipped']:.2f}x")
                if a.profile_steps:
                    m = "universetbd[fused]" if "universetbd[fused]" in ours else next(iter(ours))
                    row["profile_ms"] = print_profile(m, ours[m], f_fwd * 1000, f_both * 1000, a.profile_steps)
                results.append(row)
    finally:
        if worker: worker.close()
    print_table(results, adams)
    print("\nsummary:", json.dumps(results))


if __name__ == "__main__":
    main()
