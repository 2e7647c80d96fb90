"""The judge loop's held-out wall (no held-out prompt enters training by any path, through the API and the CLI), its
stored fingerprint (each input changed in turn is refused by name) and a SIGKILL of the headless command mid-run."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from universetbd.core import InputError, StaleResultError
from universetbd.judge import EmbeddingJudge, HashingEmbedder, JudgeLoop, LoopConfig, SeedAdversary, load_seed, oracle
from universetbd.judge import loop as loop_mod

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def seed():
    df = load_seed()
    return df, df[df.split == "train"].reset_index(drop=True), df[df.split == "held_out"].reset_index(drop=True)


def _judge(dim=256): return EmbeddingJudge(HashingEmbedder(dim))


def _start(train): return train.groupby("label").head(5)


def _norm(p): return " ".join(p.lower().split())


def test_loop_never_trains_on_heldout(seed, tmp_path):
    "An adversary drawing from the whole seed set (held-out prompts included): none of them enters the judge's data."
    everything, train, held = seed
    loop = JudgeLoop(tmp_path / "wall.sqlite", _judge(), SeedAdversary(everything, seed=0), heldout=held,
                     initial=_start(train), config=LoopConfig(rounds=6, iterations=3))
    loop.run(oracle(everything), show_progress=False)
    wall = set(map(_norm, held.prompt))
    assert len(loop.judge_set()) > 30
    assert not wall & set(map(_norm, loop.examples().prompt)), "held-out prompts entered the loop's data"
    loop.close()


def test_initial_overlapping_heldout_is_refused(seed, tmp_path):
    everything, train, held = seed
    bad = _start(train).copy()
    bad.loc[len(bad)] = {"prompt": "  HELP me choose a yoga mat!! ", "label": 1, "category": "out_of_scope", "split": "train"}
    with pytest.raises(InputError, match=r"1 of the 11 initial prompts is also in the held-out set .*yoga mat"):
        JudgeLoop(tmp_path / "bad.sqlite", _judge(), SeedAdversary(train), heldout=held, initial=bad)
    assert not (tmp_path / "bad.sqlite").exists() or not sqlite3.connect(tmp_path / "bad.sqlite").execute(
        "SELECT COUNT(*) FROM examples").fetchone()[0]


def test_old_file_with_heldout_in_training_is_refused(seed, tmp_path):
    "A file written before the wall (no fingerprint) whose judge data holds held-out prompts is refused, not trained on."
    everything, train, held = seed
    db = tmp_path / "old.sqlite"
    JudgeLoop(db, _judge(), SeedAdversary(train), initial=_start(train)).close()
    con = sqlite3.connect(db)
    con.execute("DELETE FROM meta WHERE key = 'fingerprint'")  # as an older version left it
    con.execute("INSERT INTO examples (iteration, round, prompt, norm, label, source, ts) VALUES (0, 0, ?, ?, 1, 'initial', 'x')",
                (held.prompt[0], _norm(held.prompt[0])))
    con.commit(); con.close()
    with pytest.raises(InputError, match="1 of the 11 prompts in the judge's dataset .* is also in the held-out set"):
        JudgeLoop(db, _judge(), SeedAdversary(train), heldout=held)


def _cli(args, capsys):
    from universetbd.cli import main
    code = main(args)
    out = capsys.readouterr()
    return code, out


def test_cli_heldout_is_a_wall(seed, tmp_path, capsys):
    "`universetbd judge --labels ALL --heldout TEST`: the seed adversary's pool excludes TEST; --initial overlapping TEST is refused."
    everything, train, held = seed
    labels, test = tmp_path / "all.csv", tmp_path / "test.csv"
    everything[["prompt", "label"]].to_csv(labels, index=False)
    held[["prompt", "label"]].to_csv(test, index=False)
    db = tmp_path / "cli.sqlite"
    code, out = _cli(["judge", "--db", str(db), "--rounds", "6", "--iterations", "3", "--judge", "hashing",
                      "--labels", str(labels), "--heldout", str(test), "--json"], capsys)
    assert code == 0, out.err
    prompts = [r[0] for r in sqlite3.connect(db).execute("SELECT prompt FROM examples")]
    assert len(prompts) > 30 and not set(map(_norm, held.prompt)) & set(map(_norm, prompts))
    init = tmp_path / "init.csv"
    held.head(3)[["prompt", "label"]].to_csv(init, index=False)
    code, out = _cli(["judge", "--db", str(tmp_path / "c2.sqlite"), "--initial", str(init), "--heldout", str(test),
                      "--judge", "hashing"], capsys)
    assert code == 3 and "3 of the 3 --initial prompts are also in the held-out set" in out.err
    assert not (tmp_path / "c2.sqlite").exists()


def test_changed_inputs_are_refused_by_name(seed, tmp_path, monkeypatch):
    "Each input of a loop file changed in turn: settings, initial set, held-out set, judge, adversary, code version."
    everything, train, held = seed
    db, cfg = tmp_path / "fp.sqlite", LoopConfig(rounds=3, iterations=1)
    base = dict(judge=_judge, adversary=lambda: SeedAdversary(train, seed=0), heldout=held, initial=_start(train), config=cfg)
    open_ = lambda **kw: JudgeLoop(db, **{k: (v() if callable(v) and k in ("judge", "adversary") else v) for k, v in {**base, **kw}.items()})
    loop = open_(); before = loop.run(oracle(everything), show_progress=False); loop.close()
    changes = {"initial": dict(initial=train.groupby("label").head(6)), "heldout": dict(heldout=held.head(50)),
               "judge": dict(judge=lambda: _judge(512)), "adversary": dict(adversary=lambda: SeedAdversary(train, seed=1))}
    for name, kw in changes.items():
        with pytest.raises(StaleResultError, match=rf"{name} \(changed\).*to start a loop with these"):
            open_(**kw)
    with pytest.raises(StaleResultError, match="was started with"):
        open_(config=LoopConfig(rounds=4, iterations=1))
    monkeypatch.setattr(loop_mod, "LOOP_CODE", loop_mod.LOOP_CODE + 1)
    with pytest.raises(StaleResultError, match=r"code \(changed\)"):
        open_()
    monkeypatch.undo()
    loop = open_(config=LoopConfig(rounds=3, iterations=2), initial=None)  # the same inputs: resumed, only iterations changed
    after = loop.run(oracle(everything), show_progress=False); loop.close()
    assert after.iteration.tolist() == [0, 1, 2] and after.head(2).drop(columns="ts").equals(before.drop(columns="ts"))


def test_sigkill_mid_run_keeps_finished_rounds(tmp_path):
    "SIGKILL `universetbd judge` mid-run: the SQLite file is intact, the finished iterations and labels are kept on resume."
    db = tmp_path / "kill.sqlite"
    args = ["judge", "--db", str(db), "--rounds", "10", "--judge", "hashing", "--quiet"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]), "UNIVERSETBD_PROGRESS": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "universetbd.cli", *args, "--iterations", "15"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    done = 0
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if db.exists():
                try:
                    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
                        done = con.execute("SELECT COUNT(*) FROM metrics").fetchone()[0]
                except sqlite3.OperationalError: pass
            if done >= 3: break
            time.sleep(0.02)
        assert proc.poll() is None, f"the run ended before it was killed: {proc.communicate()[1].decode()[-2000:]}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None: os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    metrics = con.execute("SELECT * FROM metrics ORDER BY iteration").fetchall()
    finished = metrics[-1][0]
    labels = con.execute("SELECT id, prompt, label, source FROM examples WHERE iteration <= ? ORDER BY id", (finished,)).fetchall()
    con.close()
    assert finished >= 2 and len([r for r in labels if r[3] == "function"]) == 10 * finished
    from universetbd.cli import main
    assert main(args + ["--iterations", str(finished + 1)]) == 0  # resumed: one more iteration
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("SELECT * FROM metrics ORDER BY iteration").fetchall()[:len(metrics)] == metrics
    assert con.execute("SELECT id, prompt, label, source FROM examples WHERE iteration <= ? ORDER BY id", (finished,)).fetchall() == labels
    assert con.execute("SELECT MAX(iteration) FROM metrics").fetchone()[0] == finished + 1
