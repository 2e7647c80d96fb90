"""End-to-end tests of the installed `universetbd` command (a subprocess, like a batch job on a cluster).

A tiny corpus (40 short documents) goes through corpus -> embed -> train-sae -> stats; every step's exit code
and output files are checked, and so are the documented error exit codes (2 usage, 3 bad input, 4 not
configured, 130 interrupted).
"""
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

EXE = shutil.which("universetbd") or str(Path(sys.executable).with_name("universetbd"))


def cli(*args, env=None, timeout=300, check=None):
    """Run `universetbd ARGS` offline with an isolated data directory; return the CompletedProcess."""
    e = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    p = subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, env=e, timeout=timeout)
    if check is not None:
        assert p.returncode == check, f"exit {p.returncode}, expected {check}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
    return p


@pytest.fixture(scope="module")
def papers(tmp_path_factory):
    if not Path(EXE).exists():
        pytest.fail(f"the `universetbd` command is not installed: run `pip install -e .` (looked for {EXE})")
    d = tmp_path_factory.mktemp("cli")
    topics = {"galaxy": "galaxy stars redshift cluster luminosity", "protein": "protein folding enzyme amino binding",
              "market": "market price inflation interest trade", "neuron": "neuron synapse cortex spike brain"}
    rng = np.random.default_rng(0)
    rows = [{"paper_id": f"{t}{i}", "title": f"On {t} {i}",
             "abstract": " ".join(rng.choice(w.split(), 6)) + f" study number {i}."}
            for t, w in topics.items() for i in range(10)]
    pd.DataFrame(rows).to_csv(d / "papers.csv", index=False)
    return d


def test_pipeline(papers):
    d = papers
    p = cli("corpus", d / "papers.csv", "--columns", "paper_id=id", "-o", d / "corpus.parquet", "--json", check=0)
    assert json.loads(p.stdout)["documents"] == 40
    assert pd.read_parquet(d / "corpus.parquet")["id"].iloc[0] == "galaxy0"

    p = cli("embed", d / "corpus.parquet", "-o", d / "emb.npy", check=0)
    assert "wrote 40 x 384 embeddings" in p.stdout
    X = np.load(d / "emb.npy")
    assert X.shape == (40, 384) and X.dtype == np.float32
    assert json.loads((d / "emb.npy.json").read_text())["model"].endswith("all-MiniLM-L6-v2")
    # a second run reads the cache and gives the same vectors
    cli("embed", d / "corpus.parquet", "-o", d / "emb.parquet", "--quiet", check=0)
    E = pd.read_parquet(d / "emb.parquet")
    assert np.allclose(np.stack(E["embedding"]), X, atol=1e-6) and E["id"].tolist()[:2] == ["galaxy0", "galaxy1"]

    p = cli("train-sae", d / "emb.npy", "-o", d / "sae", "-n", 64, "-k", 4, "--auxk", 8, "--steps", 40,
            "--batch-size", 16, "--lr", 1e-3, "--seed", 1, env={"UNIVERSETBD_PROGRESS": "1"}, check=0)
    assert "trained after 40 steps" in p.stdout
    assert "training SAE" in p.stderr and "Warning" not in p.stderr  # the progress bar goes to stderr
    for f in ("cfg.json", "sae_weights.safetensors", "metadata.json", "history.csv"):
        assert (d / "sae" / f).is_file(), f
    meta = json.loads((d / "sae" / "metadata.json").read_text())
    assert meta["config"]["k"] == 4 and meta["config"]["seed"] == 1 and meta["embedding_model"].endswith("MiniLM-L6-v2")

    p = cli("stats", d / "sae", "-e", d / "emb.npy", "-c", d / "corpus.parquet", "--json", "--quiet", check=0)
    res = json.loads(p.stdout)
    assert p.stderr == ""
    assert res["documents"] == 40 and res["features"] == 64 and 0 < res["active_features"] <= 64
    assert (d / "sae" / "feature_stats" / "meta.json").is_file()
    labels = pd.read_parquet(d / "sae" / "labels.parquet")
    assert len(labels) == res["active_features"] and labels["label"].str.len().gt(0).all()
    codes = np.load(d / "sae" / "codes.npz")
    assert codes["indices"].shape == (40, 4) and int(codes["n_latents"]) == 64

    # the atlas as a site from the files above (codes.npz and labels.parquet of `stats`; labels scored with -e)
    p = cli("site", d / "sae", "-c", d / "corpus.parquet", "-e", d / "emb.npy", "-o", d / "site", "--map", "pca",
            "--json", "--quiet", check=0)
    res = json.loads(p.stdout)
    assert res["features"] == 64 and res["documents"] == 40 and res["map"] == "pca" and p.stderr == ""
    assert Path(res["index"]) == d / "site" / "index.html" and (d / "site" / "data" / "map.js").is_file()
    atlas_js = (d / "site" / "data" / "atlas.js").read_text()
    assert atlas_js.startswith('UTBD_SITE_DATA("atlas",') and '"doc_features":"codes"' in atlas_js
    p = cli("site", d / "sae", "-c", d / "corpus.parquet", "-o", d / "site", "--map", "pca", check=3)
    assert "give -e EMB" in p.stderr


def test_usage_errors_exit_2(papers):
    assert cli("--help", check=0).stdout.startswith("usage: universetbd")
    for args in ([], ["frobnicate"], ["embed", "x.parquet"], ["train-sae", "e.npy", "-o", "s", "--k", "many"],
                 ["circuits"]):
        p = cli(*args, check=2)
        assert "usage:" in p.stderr, args


def test_bad_input_exit_3(papers):
    d = papers
    p = cli("corpus", d / "nope.csv", "--check", check=3)
    assert "does not exist" in p.stderr and "Traceback" not in p.stderr
    pd.DataFrame({"id": ["a", "a"], "text": ["x", "y"]}).to_csv(d / "dup.csv", index=False)
    p = cli("corpus", d / "dup.csv", "-o", d / "dup.parquet", check=3)
    assert "duplicate" in p.stderr.lower() and "Traceback" not in p.stderr
    p = cli("train-sae", d / "dup.csv", "-o", d / "s2", check=3)
    assert "cannot read embeddings" in p.stderr
    p = cli("stats", d / "nope_sae", "-e", d / "dup.csv", check=3)
    assert "SAE directory" in p.stderr
    p = cli("corpus", d / "nope.csv", "--check", "--debug", check=3)
    assert "Traceback" in p.stderr  # --debug shows where it came from


def test_not_configured_exit_4(papers):
    d = papers
    cli("corpus", d / "papers.csv", "--columns", "paper_id=id", "-o", d / "c4.parquet", "--quiet", check=0)
    env = {k: "" for k in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "UNIVERSETBD_EMBED_API_KEY", "UNIVERSETBD_EMBED_BASE_URL")}
    p = cli("embed", d / "c4.parquet", "-o", d / "e4.npy", "--openai", "text-embedding-3-small", env=env, check=4)
    assert "OPENAI_API_KEY" in p.stderr and "Traceback" not in p.stderr


def test_interrupt_exit_130_saves_model(papers, tmp_path):
    """SIGINT during training: the SAE trained so far is saved and the command exits with 130."""
    X = np.random.default_rng(0).normal(size=(256, 16)).astype(np.float32)
    np.save(tmp_path / "x.npy", X)
    e = {**os.environ, "HF_HUB_OFFLINE": "1", "UNIVERSETBD_PROGRESS": "1"}
    args = ["train-sae", tmp_path / "x.npy", "-o", tmp_path / "sae", "-n", 32, "-k", 4, "--auxk", 8,
            "--steps", 10_000_000, "--batch-size", 32]
    # Ctrl-C reaches the command as in a terminal, even when pytest runs as a background job (whose children
    # start with SIGINT ignored, so Python would install no KeyboardInterrupt handler)
    proc = subprocess.Popen([EXE, *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    # wait until the progress bar shows training steps, then interrupt
    deadline, seen = time.time() + 120, b""
    while time.time() < deadline and b"training SAE" not in seen and proc.poll() is None:
        if select.select([proc.stderr], [], [], 1.0)[0]:
            seen += os.read(proc.stderr.fileno(), 4096)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    out, err = (b.decode(errors="replace") for b in proc.communicate(timeout=120))
    assert proc.returncode == 130, f"exit {proc.returncode}\n{out}\n{seen.decode(errors='replace')}{err}"
    assert "interrupted" in out + err
    assert (tmp_path / "sae" / "sae_weights.safetensors").is_file()


def test_grokking_parity(tmp_path):
    p = cli("grokking", "parity", "-o", tmp_path / "gp", "--n-inputs", 8, "--epochs", 40, "--seeds", "0",
            "--hidden", 32, "--n-boot", 2, "--json", "--quiet", check=0)
    res = json.loads(p.stdout)
    assert res["runs"] == 1
    hist = pd.read_csv(tmp_path / "gp" / "history.csv")
    assert len(hist) == 40 and {"epoch", "train_acc", "val_acc"} <= set(hist.columns)
    assert len(pd.read_csv(tmp_path / "gp" / "fits.csv")) == 1
    assert cli("grokking", "parity", "--seeds", ",", "-o", tmp_path / "x", check=3).stderr.startswith("universetbd: error")


def test_corpus_arxiv_sample_then_embed_reads_the_shipped_vectors(tmp_path):
    """`corpus arxiv-sample` writes a balanced subset of the shipped sample; `embed` then finds every vector in the
    cache (the shipped float16 vectors, exactly: a fresh embedding would differ from them by about 1e-3)."""
    from universetbd.corpus import arxiv_group, arxiv_sample_embeddings, load_corpus
    env = {"UNIVERSETBD_HOME": str(tmp_path / "home")}
    p = cli("corpus", "arxiv-sample", "-o", tmp_path / "c.parquet", "--max-docs", 30, "--json", "--quiet", env=env, check=0)
    assert json.loads(p.stdout)["documents"] == 30
    corpus = load_corpus(tmp_path / "c.parquet")
    assert corpus.df["categories"].map(arxiv_group).value_counts().to_dict() == {"astro-ph": 10, "cs.LG": 10, "cs.CL": 10}
    assert {"title", "abstract", "year", "citations"} <= set(corpus.df.columns)
    cli("embed", tmp_path / "c.parquet", "-o", tmp_path / "e.npy", "--quiet", env=env, check=0)
    assert np.array_equal(np.load(tmp_path / "e.npy"), arxiv_sample_embeddings(corpus))
