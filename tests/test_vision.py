"""The vision family end to end: a sweep interrupted with Ctrl-C (SIGINT) keeps every finished run in its Parquet
file and resumes with only the missing runs; and the benchmark's --quick smoke run."""
import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]

SCRIPT = textwrap.dedent("""
    import sys, torch
    torch.set_num_threads(1)
    from universetbd.vision import ImageFolder, Sweep, TrainConfig, digits_folder
    folder = ImageFolder(digits_folder(size=16, width=24), max_per_class=10)
    sw = Sweep(folder, TrainConfig(model="resnet_mini", size=16, epochs=1, batch_size=16), models=["resnet_mini"],
               techniques=["baseline", "label_smoothing", "tta"], seeds=[0, 1], results=sys.argv[1])
    print("todo", len(sw.todo()), flush=True)
    sw.run(on_run=lambda row: print("done", row["key"], flush=True), progress_bar=False)
    print("finished", len(sw.table()), flush=True)
""")


def _run(path, stop_after=None):
    env = dict(os.environ, HF_HUB_OFFLINE="1", UNIVERSETBD_PROGRESS="0")
    p = subprocess.Popen([sys.executable, "-c", SCRIPT, str(path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))   # Ctrl-C works under a background pytest too
    lines = []
    for line in p.stdout:
        lines.append(line.strip())
        if stop_after is not None and sum(l.startswith("done") for l in lines) >= stop_after:
            p.send_signal(signal.SIGINT)   # Ctrl-C in the middle of the next run
            break
    out, err = p.communicate(timeout=300)
    return p.returncode, lines + out.splitlines(), err


def test_sweep_ctrl_c_loses_nothing(tmp_path):
    path = tmp_path / "runs.parquet"
    code, lines, err = _run(path, stop_after=2)
    assert code != 0 and "KeyboardInterrupt" in err, (code, err[-500:])
    kept = pd.read_parquet(path)   # a complete, readable file: rewritten atomically after each run
    assert len(kept) >= 2 and kept.key.is_unique
    assert [p.name for p in tmp_path.iterdir()] == ["runs.parquet"]   # no temporary file left behind
    code, lines, err = _run(path)
    assert code == 0, err[-2000:]
    assert lines[0] == f"todo {6 - len(kept)}" and sum(l.startswith("done") for l in lines) == 6 - len(kept), lines   # only the missing runs
    assert lines[-1] == "finished 6", lines
    final = pd.read_parquet(path)
    assert len(final) == 6 and final.key.is_unique
    pd.testing.assert_frame_equal(final.iloc[:len(kept)].reset_index(drop=True), kept)   # finished runs untouched
    assert final.accuracy.between(0, 1).all() and (final.params == 310_746).all()


def test_benchmark_quick(tmp_path):
    spec = importlib.util.spec_from_file_location("vision_sweep", REPO / "benchmarks" / "vision_sweep.py")
    bench = importlib.util.module_from_spec(spec); spec.loader.exec_module(bench)
    import torch
    before = torch.get_num_threads()
    torch.set_num_threads(before + 1)  # a setting that the benchmark's --threads 1 differs from
    try:
        res = bench.main(["--quick", "--out", str(tmp_path)])
        after = torch.get_num_threads()
    finally: torch.set_num_threads(before)
    assert after == before + 1  # the benchmark ran on its own setting and gave this process's back
    saved = json.loads((tmp_path / "vision_sweep_quick.json").read_text())
    assert saved["mode"] == "quick" and saved["runs"] == 2 == res["runs"] and saved["status"] == "done"
    eff = {r["technique"]: r for r in saved["effects"]}
    assert set(eff) == {"baseline", "tta"} and eff["baseline"]["delta"] == 0 and eff["tta"]["tta_views"] == 5
    assert 0 <= eff["tta"]["accuracy"] <= 1
    assert saved["speed"]["ours_ips"] > 0 and saved["speed"]["plain_ips"] > 0
    assert "ratio" in (tmp_path / "vision_sweep_quick.txt").read_text()
    assert len(pd.read_parquet(tmp_path / "vision_sweep_quick.parquet")) == 2
