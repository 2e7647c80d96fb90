"""Corpus and embeddings on the shared arXiv data (skipped when ../shared/data is absent) and the default corpus."""
import time
import warnings

import pandas as pd
import pytest
from tests.datafiles import shared_data

from universetbd.core import InputError
from universetbd.corpus import Corpus, default_corpus, load_corpus


def test_load_full_arxiv_parquet():
    path = shared_data("arxiv_abstracts.parquet")
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # the shared file is clean: no rows dropped
        corpus = load_corpus(path)
    raw = pd.read_parquet(path)
    assert len(corpus) == len(raw) > 29_000
    assert corpus.df["id"].is_unique and (corpus.df["text"].str.len() > 200).all()
    assert str(corpus.df["year"].dtype) == "Int64" and str(corpus.df["citations"].dtype) == "Int64"
    first = raw.iloc[0]
    assert corpus[0]["text"].startswith(first["title"].strip()) and corpus[0]["text"].endswith(first["abstract"].strip())
    assert corpus.fingerprint == load_corpus(path).fingerprint


def test_arxiv_round_trips_through_csv_and_jsonl(tmp_path):
    corpus = load_corpus(shared_data("arxiv_abstracts_2k.parquet"), max_docs=200)
    corpus.df.drop(columns=["keywords"], errors="ignore").to_csv(tmp_path / "c.csv", index=False)
    corpus.df.to_json(tmp_path / "c.jsonl", orient="records", lines=True)
    for p in (tmp_path / "c.csv", tmp_path / "c.jsonl"):
        again = load_corpus(p)
        assert again.fingerprint == corpus.fingerprint
        assert again.df["citations"].equals(corpus.df["citations"])


def test_arxiv_with_problems_gives_counts():
    df = pd.read_parquet(shared_data("arxiv_abstracts_2k.parquet")).head(100)
    dup = pd.concat([df, df.head(3)])
    with pytest.raises(InputError, match="3 duplicate row"):
        load_corpus(dup)
    blank = df.assign(title="", abstract=[""] * 5 + df["abstract"].tolist()[5:])
    with pytest.warns(UserWarning, match="dropped 5 of 100"):
        assert len(load_corpus(blank)) == 95


def test_default_corpus_size_and_cache():
    t = time.perf_counter(); corpus = default_corpus(); build = time.perf_counter() - t
    t = time.perf_counter(); again = default_corpus(); cached = time.perf_counter() - t
    assert isinstance(corpus, Corpus) and 3_000 <= len(corpus) <= 6_000
    assert again.fingerprint == corpus.fingerprint and cached < max(1.0, build)
    assert corpus.df["categories"].nunique() >= 4

