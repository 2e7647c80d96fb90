"""FeedbackLog: reads take the connection lock, close() and context-manager use, the search box closing its log,
the rollback-journal fallback where WAL is not available (network file systems), and the export (joins by key,
anonymised users, one consistent snapshot)."""
import threading
import warnings

import pytest

from universetbd.search import feedback as fb
from universetbd.search.feedback import FeedbackLog


def test_table_takes_the_lock(tmp_path):
    log = FeedbackLog(tmp_path / "fb.sqlite", salt="s")
    log.vote(1, "q", doc_id="d")
    out = []
    with log._lock:  # while another thread uses the connection, a read must wait for it
        t = threading.Thread(target=lambda: out.append((log.table("votes"), log.schema_version)))
        t.start()
        t.join(0.5)
        assert t.is_alive(), "table()/schema_version read the shared connection without taking the lock"
    t.join()
    assert len(out[0][0]) == 1 and out[0][1] == fb.SCHEMA_VERSION
    log.close()


def test_concurrent_reads_and_writes_from_threads(tmp_path):
    log = FeedbackLog(tmp_path / "fb.sqlite", salt="s")
    errors = []

    def write(w):
        try:
            for i in range(100):
                log.vote(1, f"q{w}", doc_id=f"d{w}-{i}")
                log.feedback(f"note {w}-{i}", f"q{w}")
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(repr(e))

    def read():
        try:
            for _ in range(100):
                log.table("votes"); log.current_votes(); log.schema_version
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(3)] + [threading.Thread(target=read) for _ in range(3)]
    for t in threads: t.start()
    for t in threads: t.join()
    assert errors == []
    assert len(log.table("votes")) == 300 and len(log.table("feedback")) == 300
    log.close()


def test_close_and_context_manager(tmp_path):
    with FeedbackLog(tmp_path / "fb.sqlite", salt="s") as log:
        log.vote(1, "q", doc_id="d")
    assert log.closed
    with pytest.raises(fb.LogClosedError, match="closed"):
        log.table("votes")
    with pytest.raises(fb.LogClosedError, match="open a new FeedbackLog"):
        log.vote(1, "q", doc_id="d2")
    log.close()  # closing twice is harmless
    with FeedbackLog(tmp_path / "fb.sqlite", salt="s") as again:  # the data is still there
        assert len(again.table("votes")) == 1


def test_search_box_close_closes_its_log(tmp_path):
    from universetbd.search.box import SearchBox
    from universetbd.search.index import ExactIndex
    from universetbd.search.steering import SteeringSearch, demo_search_data
    demo = demo_search_data(120, seed=1)
    engine = SteeringSearch(ExactIndex(demo.embeddings, demo.frame.id, device="cpu"), demo.sae, demo.embedder,
                            demo.labels, corpus=demo.frame)
    box = SearchBox(engine, feedback=tmp_path / "fb.sqlite", user="tester")
    box.search("galaxy")
    log = box.feedback_log
    box.close()
    assert log.closed
    # a log passed in by the caller belongs to the caller: the box leaves it open
    shared = FeedbackLog(tmp_path / "shared.sqlite", salt="s")
    box2 = SearchBox(engine, feedback=shared)
    box2.close()
    assert not shared.closed
    shared.close()


def test_wal_fallback_warns_and_works(tmp_path, monkeypatch):
    real = fb._set_journal_mode

    def no_wal(conn, mode):  # a network file system: SQLite keeps the rollback journal
        if mode.upper() == "WAL": return "delete"
        return real(conn, mode)

    monkeypatch.setattr(fb, "_set_journal_mode", no_wal)
    with pytest.warns(UserWarning, match="rollback journal") as rec:
        log = FeedbackLog(tmp_path / "fb.sqlite", salt="s")
    assert len(rec) == 1 and "\n" not in str(rec[0].message)
    assert log.journal_mode == "delete"
    assert log._conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    qid = log.log_query("dark matter", [("d1", 0.9)])
    log.vote(1, qid, doc_id="d1")
    assert log.table("votes").doc_id.tolist() == ["d1"] and len(log.table("results")) == 1
    log.close()

    def wal_raises(conn, mode):  # or the pragma itself fails
        if mode.upper() == "WAL": raise fb.sqlite3.OperationalError("disk I/O error")
        return real(conn, mode)

    monkeypatch.setattr(fb, "_set_journal_mode", wal_raises)
    with pytest.warns(UserWarning, match="rollback journal"):
        log = FeedbackLog(tmp_path / "fb2.sqlite", salt="s")
    log.feedback("works")
    assert log.table("feedback").text.tolist() == ["works"]
    log.close()


def test_wal_is_used_where_available(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with FeedbackLog(tmp_path / "fb.sqlite", salt="s") as log:
            assert log.journal_mode == "wal"


def _session(log, user):
    "One search, an answer, votes on a result and on the answer, and a note on the answer; returns (qid, aid)."
    qid = log.log_query("cold gas in dwarf galaxies", [("d1", 0.9, 0.9), ("d2", 0.7, 0.7), ("d3", 0.5, 0.5)], user=user)
    aid = log.log_answer(qid, "Dwarfs hold cold gas [d1].", cited=["d1"], model="fake", user=user)
    log.vote(1, qid, doc_id="d2", user=user)
    log.vote(-1, answer_id=aid, user=user)
    log.feedback("missed a paper", answer_id=aid, user=user)
    return qid, aid


def test_export_joins_answers_to_retrievals_and_votes_to_answers(tmp_path):
    import json
    import re

    import pandas as pd
    with FeedbackLog(tmp_path / "fb.sqlite") as log:
        qid, aid = _session(log, "erin@example.org")
        _session(log, "frank-42")
        paths = log.export(tmp_path / "out", "csv")
    t = {k: pd.read_csv(p, dtype=str) for k, p in paths.items()}
    assert set(t) == set(fb.EXPORTS) and len(t["answers"]) == 2
    # every answer joins to exactly its query's retrieved documents (with scores and ranks)
    j = t["answers"].merge(t["results"], on="query_id")
    assert len(j) == 6 and j[j.answer_id == aid].doc_id.tolist() == ["d1", "d2", "d3"]
    assert j[j.answer_id == aid].score.astype(float).tolist() == [0.9, 0.7, 0.5]
    # votes and notes on an answer carry its query_id, and join back to it
    va = t["votes"].dropna(subset=["answer_id"]).merge(t["answers"], on=["answer_id", "query_id"], suffixes=("", "_a"))
    assert len(va) == 2 and set(va.answer) == {"Dwarfs hold cold gas [d1]."}
    assert t["feedback"].merge(t["answers"], on=["answer_id", "query_id"]).shape[0] == 2
    assert t["qa"].set_index("answer_id").loc[aid, "query"] == "cold gas in dwarf galaxies"
    man = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert man["rows"] == {k: len(v) for k, v in t.items()}
    # users are anonymised everywhere: no raw id in the database or any exported file, only 16-hex hashes
    for p in [tmp_path / "fb.sqlite", *paths.values()]:
        data = p.read_bytes()
        assert b"erin@example" not in data and b"frank-42" not in data, p
    for k in ("queries", "answers", "votes", "feedback", "qa"):
        assert t[k].user.map(lambda u: bool(re.fullmatch(r"[0-9a-f]{16}", u))).all(), (k, t[k].user)


def test_export_is_one_consistent_snapshot_while_writers_run(tmp_path):
    import pandas as pd
    log = FeedbackLog(tmp_path / "fb.sqlite", salt="s")
    stop = threading.Event()

    def writer():
        while not stop.is_set(): _session(log, "gus")

    t = threading.Thread(target=writer)
    t.start()
    try:
        for i in range(5):
            paths = log.export(tmp_path / "out")
            q, r, a, v = (pd.read_parquet(paths[k]) for k in ("queries", "results", "answers", "votes"))
            # one transaction: each query comes with its 3 results, and nothing refers to a row the export lacks
            assert len(r) == 3 * len(q), (len(q), len(r))
            assert set(a.query_id) <= set(q.query_id) and set(v.answer_id.dropna()) <= set(a.answer_id)
            assert set(v.query_id) <= set(q.query_id)
    finally:
        stop.set(); t.join()
    log.export(tmp_path / "out", "csv")  # a new export replaces the old set whole
    assert sorted(p.suffix for p in (tmp_path / "out").iterdir()) == [".csv"] * len(fb.EXPORTS) + [".json"]
    log.close()
