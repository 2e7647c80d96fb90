"""Resumable runs of the vision family killed with SIGKILL (no handler runs, no cleanup): the results file stays a
complete Parquet file, every finished run is kept, and the rerun does only the missing runs."""
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

SCRIPT = textwrap.dedent("""
    import os, signal, sys, torch
    import pandas as pd
    torch.set_num_threads(1)
    from universetbd.vision import ImageFolder, Sweep, TrainConfig, digits_folder
    kill_at = int(sys.argv[2])   # SIGKILL this process in the middle of its kill_at-th write of the results (0: never)
    real, writes = pd.DataFrame.to_parquet, []
    def dying(self, path, *a, **kw):
        writes.append(1)
        real(self, path, *a, **kw)
        if len(writes) == kill_at:
            with open(path, "r+b") as f: f.truncate(os.path.getsize(path) // 2)   # half written ...
            os.kill(os.getpid(), signal.SIGKILL)                                   # ... when the process dies
    pd.DataFrame.to_parquet = dying
    folder = ImageFolder(digits_folder(size=16, width=24), max_per_class=6)
    sw = Sweep(folder, TrainConfig(model="resnet_mini", size=16, epochs=1, batch_size=16), models=["resnet_mini"],
               techniques=["baseline", "label_smoothing"], seeds=[0, 1], results=sys.argv[1])
    print("todo", len(sw.todo()), flush=True)
    sw.run(on_run=lambda row: print("done", row["key"], flush=True), progress_bar=False)
    print("finished", len(sw.table()), flush=True)
""")


def _sweep(path, kill_at=0):
    env = dict(os.environ, HF_HUB_OFFLINE="1", UNIVERSETBD_PROGRESS="0")
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(path), str(kill_at)], capture_output=True, text=True, env=env, timeout=300)
    return p.returncode, p.stdout.splitlines(), p.stderr


def test_vision_sweep_sigkill_mid_write(tmp_path):
    path = tmp_path / "runs.parquet"
    code, lines, err = _sweep(path, kill_at=3)   # dies while writing the file after its third run
    assert code == -signal.SIGKILL, (code, err[-2000:])
    assert lines[0] == "todo 4" and sum(l.startswith("done") for l in lines) == 2, lines
    kept = pd.read_parquet(path)   # the file the last finished write left: complete and readable
    assert len(kept) == 2 and kept.key.is_unique and kept.technique.tolist() == ["baseline", "label_smoothing"]
    code, lines, err = _sweep(path)
    assert code == 0, err[-2000:]
    assert lines[0] == "todo 2" and lines[-1] == "finished 4", lines   # only the runs not finished before the kill
    final = pd.read_parquet(path)
    assert len(final) == 4 and final.key.is_unique
    pd.testing.assert_frame_equal(final.iloc[:2].reset_index(drop=True), kept)   # finished runs untouched
