"""Export of a 29,627-abstract, 3,072-feature atlas as a standalone site, and its speed in headless Chromium from file://.

Measures, for the shared arXiv abstracts (../shared/data/arxiv_abstracts.parquet) and an atlas of n = 3,072 features:
- export time of `FeatureAtlas.export_site` with the map (codes, labels, scores and families already computed;
  target under 60 s on 2 cores), folder size (target at most 40 MB) and number of files;
- in headless Chromium, opening `index.html` from file:// (page clock, median of --repeats fresh pages):
  navigation start -> first page of cards drawn (target under 1 s), and the bytes of the files read by then
  (target under 2 MB);
- opening a card through its URL fragment (`#feature-f` -> the card drawn, found by a MutationObserver), for
  --cards random features: the first card of a data file ("cold", the file is read) and any card (target under
  200 ms); and opening the map.
Both against a named baseline measured in the same run: the same site with one data file per kind
(`cards_per_file` = all features, `briefs_per_file` = all features, `docs_per_file` = all documents), i.e. what a
site that inlines its data (or loads it whole) does.

The atlas: with --workdir of benchmarks/feature_cards_bench.py holding the real one for these settings
(`emb-*/X.npy`, `sae-*/` with `sae/`, `codes.npz`, `scores.parquet`), its codes, scores and a UMAP map
(PCA with --map pca; cached). Otherwise (or with --synthetic) the real abstracts with codes of the same shape made
without a model: each document's top 32 of 3,072 features of its TF-IDF words through a sparse random word->feature
matrix (documents sharing words share features), offline labels scored with word-vector embeddings, families,
and a PCA map of the word vectors. The site's size and speed depend on the shape (documents, features, k, texts),
which is the same.

    python benchmarks/atlas_site.py [--workdir /work/fcb] [--repeats 5] [--cards 40] [--json out.json] [--screenshot x.png]

Figures are for information; nothing asserts wall-clock times.

Measured 2026-12 on the 2-core build machine (load average 7.5 from other jobs), the REAL atlas of
`--workdir` (all-MiniLM-L6-v2 embeddings of the 29,627 abstracts, SAE n = 3,072, k = 32, its codes, scores,
175 families, PCA map), 5 loads, 40 cards (`python benchmarks/atlas_site.py --workdir W --map pca`):
  site:     export 5.6 s, 29.1 MB in 131 files; first view 162 ms reading 0.38 MB; card median 31 ms, max 49 ms; map 204 ms
  one-file: export 5.2 s, 18.9 MB in 18 files;  first view 200 ms reading 1.89 MB; card median 10 ms, max 423 ms; map 153 ms
  -> all five targets met.
The same with model-free codes of the same shape (load average 11; the real SAE did not exist yet):
  site:     export 12.5 s, 28.1 MB in 131 files; first view 131 ms reading 0.38 MB; card median 26 ms, max 46 ms; map 142 ms
  one-file: export 10.8 s, 18.4 MB in 18 files;  first view 256 ms reading 1.88 MB; card median 5 ms, max 835 ms; map 148 ms
  -> first view x1.95 faster, x4.9 fewer bytes, first card of a file x31 faster; all five targets met.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

_p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
_p.add_argument("--data", default=None, help="arxiv_abstracts.parquet (default: the shared data)")
_p.add_argument("--workdir", default=None, help="the cache folder of benchmarks/feature_cards_bench.py (real codes and scores)")
_p.add_argument("--synthetic", action="store_true", help="use model-free codes even when --workdir has real ones")
_p.add_argument("--max-docs", type=int, default=None, help="use only the first N documents (quick runs)")
_p.add_argument("--n-latents", type=int, default=3072)
_p.add_argument("--k", type=int, default=32)
_p.add_argument("--map", choices=["umap", "pca"], default="umap", help="map of a real atlas (synthetic: PCA)")
_p.add_argument("--repeats", type=int, default=5, help="fresh page loads per variant")
_p.add_argument("--cards", type=int, default=40, help="cards opened per variant")
_p.add_argument("--threads", type=int, default=2)
_p.add_argument("--out", default=None, help="folder for the two sites (default: a temporary folder)")
_p.add_argument("--json", default=None, help="also write the figures to this JSON file")
_p.add_argument("--screenshot", default=None, help="save a screenshot of the site with a card open (docs image)")
ARGS = _p.parse_args() if __name__ == "__main__" else _p.parse_args([])
for _v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, str(ARGS.threads))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def real_atlas(a, corpus):
    "The atlas of feature_cards_bench.py's cached SAE, codes and scores, and its map; None when they are not there."
    import benchmarks.feature_cards_bench as fcb
    from universetbd.core import shared_data
    fcb_args = fcb._p.parse_args(["--workdir", a.workdir, "--n-latents", str(a.n_latents), "--k", str(a.k)]
                                 + (["--data", a.data] if a.data else []) + (["--max-docs", str(a.max_docs)] if a.max_docs else []))
    data = Path(a.data) if a.data else shared_data("arxiv_abstracts.parquet")
    emb_dir, work = fcb.cache_dirs(fcb_args, data)
    if not all((work / f).exists() for f in ("sae", "codes.npz", "scores.parquet")) or not (emb_dir / "X.npy").exists():
        return None
    from universetbd.features.cards import atlas_from_labels
    from universetbd.features.stats import feature_stats
    from universetbd.sae.topk import SparseCodes, TopKSAE
    from universetbd.search.landscape import landscape_coords
    z = np.load(work / "codes.npz")
    codes = SparseCodes(z["indices"], z["values"], int(z["n_latents"]))
    st = feature_stats(codes, TopKSAE.load(work / "sae").W_dec.detach().cpu().numpy(), cache_dir=work / "feature_stats")
    atlas = atlas_from_labels(st, corpus, pd.read_parquet(work / "scores.parquet"))
    xy = landscape_coords(np.load(emb_dir / "X.npy", mmap_mode="r"), method=a.map, cache_dir=work)
    return atlas, codes, xy, f"real: SAE, codes and scores of {work}, {a.map} map"


class WordVectors:
    "Documents and labels as sums of random word vectors (a model-free embedder for the synthetic atlas)."
    name, dim = "word-vectors", 64

    def __init__(self, vocab):
        self.vocab = {w: i for i, w in enumerate(vocab)}
        self.E = np.random.default_rng(1).normal(size=(len(vocab), self.dim)).astype(np.float32)

    def encode(self, texts, batch_size=64):
        from universetbd.features.labels import tokenize
        out = np.zeros((len(texts), self.dim), np.float32)
        for i, t in enumerate(texts):
            ids = [self.vocab[w] for w in tokenize(t) if w in self.vocab]
            if ids: out[i] = self.E[ids].sum(0)
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def synthetic_atlas(a, corpus):
    "Real texts, model-free codes of the same shape (see the module docstring)."
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer
    from universetbd.features.cards import atlas_from_labels
    from universetbd.features.labels import EmbeddingPredictor, offline_labels, score_labels, tokenize
    from universetbd.features.stats import feature_stats
    from universetbd.search.landscape import landscape_coords
    texts = corpus.df["text"].tolist()
    tf = TfidfVectorizer(tokenizer=tokenize, token_pattern=None, lowercase=False, min_df=3, max_df=0.2, max_features=30000)
    D = tf.fit_transform(texts).astype(np.float32)                      # (N, V)
    V, n, rng = D.shape[1], a.n_latents, np.random.default_rng(0)
    rows = np.repeat(np.arange(V), 2)
    W = sp.csr_matrix((rng.exponential(1, 2 * V).astype(np.float32), (rows, rng.integers(0, n, 2 * V))), shape=(V, n))
    A = (D @ W).toarray()                                                # (N, n) feature activations
    idx = np.argpartition(-A, a.k - 1, axis=1)[:, :a.k]
    val = np.take_along_axis(A, idx, 1)
    o = np.argsort(-val, axis=1)
    idx, val = np.take_along_axis(idx, o, 1).astype(np.int32), np.take_along_axis(val, o, 1).astype(np.float32)
    codes = (idx, val, n)
    wv = WordVectors(tf.get_feature_names_out())
    W_dec = (wv.E.T @ W).astype(np.float32)                              # (64, n): features sharing words point alike
    st = feature_stats(codes, W_dec)
    X = (D @ wv.E).astype(np.float32)
    X /= np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-9)
    labels = offline_labels(st, corpus)
    table = score_labels(st, labels, EmbeddingPredictor(X, wv))
    atlas = atlas_from_labels(st, corpus, table)
    return atlas, codes, landscape_coords(X, method="pca", cache=False), "synthetic: model-free codes of real abstracts, PCA map"


def folder_stats(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


_FIRST_CARDS = """(() => {   // page clock when the first compact card is in the DOM (navigation start = 0)
  const ob = new MutationObserver(() => {
    if (document.querySelector(".utbd-fx-grid .utbd-fx-card")) { window.utbdFirstCards = performance.now(); ob.disconnect(); }
  });
  ob.observe(document, { childList: true, subtree: true });
})();"""

_CARD_MS = """async (f) => {
  const has = () => document.querySelector(`.utbd-fx-detail .utbd-fc-card[data-feature="${f}"]`);
  const t = performance.now();
  location.hash = `#feature-${f}`;
  if (!has()) await new Promise((resolve) => {
    const ob = new MutationObserver(() => { if (has()) { ob.disconnect(); resolve(); } });
    ob.observe(document.body, { childList: true, subtree: true });
  });
  return performance.now() - t;
}"""


def measure_browser(browser, index: Path, a, features, card_chunk: int, screenshot=None) -> dict:
    "First view, card and map times on the page clock, and the bytes read by the first view."
    base = index.parent
    first_ms, first_bytes = [], []
    for rep in range(a.repeats + 1):   # the first load is a warm-up (disk cache, Chromium start)
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        ctx.add_init_script(_FIRST_CARDS)
        page = ctx.new_page()
        urls, errors = [], []
        page.on("request", lambda r: urls.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(index.as_uri())
        page.wait_for_function("() => window.utbdFirstCards !== undefined", timeout=120_000)
        ms = page.evaluate("() => window.utbdFirstCards")   # navigation start -> first page of cards in the DOM
        files = {base / u[len(base.as_uri()) + 1:] for u in urls if u.startswith(base.as_uri())}
        outside = [u for u in urls if not u.startswith(base.as_uri())]
        assert not outside and not errors, (outside, errors)
        if rep:
            first_ms.append(ms)
            first_bytes.append(sum(p.stat().st_size for p in files))
        if rep < a.repeats: ctx.close()
    cold, warm, seen = [], [], set()
    for f in features:
        ms = page.evaluate(_CARD_MS, int(f))
        (warm if f // card_chunk in seen else cold).append(ms)
        seen.add(f // card_chunk)
    if screenshot:
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot))
    t = page.evaluate("() => performance.now()")
    page.click(".utbd-site-tab-map")
    page.wait_for_selector(".utbd-landscape[data-first-frame-at]", timeout=120_000)
    map_ms = page.evaluate("() => Number(document.querySelector('.utbd-landscape').dataset.firstFrameAt)") - t
    assert not errors, errors
    ctx.close()
    every = cold + warm
    return {"first_view_ms": statistics.median(first_ms), "first_view_ms_all": [round(x) for x in first_ms],
            "first_view_bytes": int(statistics.median(first_bytes)), "card_ms_median": statistics.median(every),
            "card_ms_max": max(every), "card_cold_ms_median": statistics.median(cold) if cold else None,
            "card_cold_ms_max": max(cold) if cold else None, "n_cold": len(cold), "map_ms": map_ms}


def main(a=ARGS):
    import torch
    torch.set_num_threads(a.threads)
    from universetbd.core import shared_data
    from universetbd.corpus import load_corpus
    import universetbd.features.site  # noqa: F401  (adds FeatureAtlas.export_site)
    data = Path(a.data) if a.data else shared_data("arxiv_abstracts.parquet")
    df = pd.read_parquet(data)
    if a.max_docs: df = df.head(a.max_docs)
    corpus = load_corpus(df)
    t = time.perf_counter()
    got = None if (a.synthetic or not a.workdir) else real_atlas(a, corpus)
    atlas, codes, xy, source = got or synthetic_atlas(a, corpus)
    print(f"atlas ({source}): {atlas} in {time.perf_counter() - t:.1f} s", flush=True)
    R = {"source": source, "n_docs": len(atlas.df), "n_features": atlas.n_features, "threads": a.threads,
         "load": os.getloadavg()[0]}
    out = Path(a.out) if a.out else Path(tempfile.mkdtemp(prefix="atlas-site-"))
    n, N = atlas.n_features, len(atlas.df)
    variants = {"site": {}, "one-file": {"cards_per_file": n, "briefs_per_file": n, "docs_per_file": N}}
    for name, kw in variants.items():
        t = time.perf_counter()
        index = atlas.export_site(out / name, title=f"{N:,} arXiv abstracts, {n:,} SAE features", landscape=xy, codes=codes,
                                  show_progress=False, **kw)
        secs = time.perf_counter() - t
        files, size = folder_stats(out / name)
        R[name] = {"export_s": secs, "files": files, "megabytes": size / 1e6, "index": str(index)}
        print(f"{name}: export {secs:.1f} s, {files} files, {size / 1e6:.1f} MB", flush=True)

    from playwright.sync_api import sync_playwright
    from tests.browser.conftest import CHROMIUM_ARGS, _chromium
    feats = np.random.default_rng(0).choice(n, min(a.cards, n), replace=False)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=_chromium(), headless=True, args=CHROMIUM_ARGS)
        for name, kw in variants.items():
            R[name].update(measure_browser(browser, Path(R[name]["index"]), a, feats, kw.get("cards_per_file", 32),
                                           a.screenshot if name == "site" else None))
        browser.close()
    R["load_after"] = os.getloadavg()[0]

    print(f"\n{N:,} documents x {n:,} features; load average {R['load']:.1f} -> {R['load_after']:.1f} (2 cores); page clock, "
          f"median of {a.repeats} loads and {len(feats)} cards")
    print(f"{'variant':<9} {'export s':>8} {'MB':>6} {'files':>5} {'first view ms':>13} {'first view MB':>13} "
          f"{'card ms med/max':>16} {'cold card med/max':>18} {'map ms':>7}")
    for name in variants:
        r = R[name]
        print(f"{name:<9} {r['export_s']:>8.1f} {r['megabytes']:>6.1f} {r['files']:>5} {r['first_view_ms']:>13.0f} "
              f"{r['first_view_bytes'] / 1e6:>13.2f} {r['card_ms_median']:>7.1f}/{r['card_ms_max']:<8.1f} "
              f"{(r['card_cold_ms_median'] or 0):>8.1f}/{(r['card_cold_ms_max'] or 0):<9.1f} {r['map_ms']:>7.0f}")
    s, b = R["site"], R["one-file"]
    print(f"one-file / site: first view x{b['first_view_ms'] / s['first_view_ms']:.2f}, first-view bytes "
          f"x{b['first_view_bytes'] / s['first_view_bytes']:.1f}, cold card x{(b['card_cold_ms_median'] or 0) / (s['card_cold_ms_median'] or 1):.2f}")
    checks = {"export under 60 s": s["export_s"] < 60, "at most 40 MB": s["megabytes"] <= 40,
              "first view under 1 s": s["first_view_ms"] < 1000, "first view reads under 2 MB": s["first_view_bytes"] < 2e6,
              "any card under 200 ms": s["card_ms_max"] < 200}
    R["targets"] = checks
    print("targets: " + "; ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in checks.items()))
    if a.json: Path(a.json).write_text(json.dumps(R, indent=1, default=float))
    return R


if __name__ == "__main__":
    main()
