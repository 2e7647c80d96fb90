"""Feedback-log load test: 8 processes x 1,000 votes into one SQLite file, all written and read back.

Each vote is its own transaction (as in the widget). Baseline in the same run: one process writing the
same 8,000 votes alone, so the printed ratio shows what concurrency costs.

    python benchmarks/feedback_load.py [--processes 8] [--votes 1000]
"""
import argparse
import tempfile
from pathlib import Path

from universetbd.search.feedback import concurrent_votes


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--processes", type=int, default=8)
    p.add_argument("--votes", type=int, default=1000)
    a = p.parse_args()
    with tempfile.TemporaryDirectory() as d:
        r = concurrent_votes(Path(d) / "load.sqlite", a.processes, a.votes)
        base = concurrent_votes(Path(d) / "single.sqlite", 1, a.processes * a.votes)
    lost = r["written"] - r["distinct"]
    print(f"{a.processes} processes x {a.votes} votes: written {r['written']}, read back {r['read_back']}, "
          f"distinct {r['distinct']}, lost {lost}; {r['seconds']:.1f} s ({r['votes_per_s']:.0f} votes/s)")
    print(f"baseline 1 process x {a.processes * a.votes}: {base['seconds']:.1f} s ({base['votes_per_s']:.0f} votes/s); "
          f"concurrent/single throughput ratio {r['votes_per_s'] / base['votes_per_s']:.2f}")
    assert r["read_back"] == r["written"] == r["distinct"] == a.processes * a.votes, r


if __name__ == "__main__":
    main()
