"""benchmarks/atlas_site.py: the model-free atlas it falls back to has the shape of a real one (top-k codes of real
abstracts, distinct features per document, activations in decreasing order, documents sharing words sharing
features), and its baseline (one data file per kind) is the same site with one file of each kind."""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from tests.datafiles import shared_data

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def test_synthetic_atlas_and_baseline(tmp_path):
    from benchmarks import atlas_site as bench
    from universetbd.corpus import load_corpus
    import universetbd.features.site  # noqa: F401
    df = pd.read_parquet(shared_data("arxiv_abstracts_2k.parquet")).head(300)
    a = bench._p.parse_args(["--n-latents", "64", "--k", "4"])
    atlas, (idx, val, n), xy, source = bench.synthetic_atlas(a, load_corpus(df))
    assert source.startswith("synthetic") and atlas.n_features == 64 and len(atlas.df) == 300 and xy.shape == (300, 2)
    assert idx.shape == val.shape == (300, 4) and n == 64
    assert all(len(set(r)) == 4 for r in idx.tolist()) and (np.diff(val, axis=1) <= 0).all()
    assert np.isfinite(atlas.f1).any()   # the labels were scored
    # documents with the same top feature share more words than random pairs
    words = [set(t.lower().split()) for t in atlas.df["text"]]
    same = [len(words[i] & words[j]) for i in range(300) for j in range(i + 1, 300) if idx[i, 0] == idx[j, 0]][:500]
    other = [len(words[i] & words[j]) for i, j in np.random.default_rng(0).integers(0, 300, (500, 2)) if i != j]
    assert np.mean(same) > np.mean(other)
    index = atlas.export_site(tmp_path / "one", cards_per_file=64, briefs_per_file=64, docs_per_file=300, show_progress=False)
    data = sorted(p.name for p in (index.parent / "data").iterdir())
    assert data == ["atlas.js", "briefs-0000.js", "cards-0000.js", "docs-0000.js", "tree.js"]
    assert json.loads((index.parent / "data" / "atlas.js").read_text()[len('UTBD_SITE_DATA("atlas",'):-3])["files"] == \
        {"briefs": 1, "cards": 1, "docs": 1}
