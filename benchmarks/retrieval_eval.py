"""Retrieval quality on real arXiv abstracts without an LLM-written benchmark (METHODS section 2 metrics).

Corpus (``--corpus``): ``2k`` (default; the shared ``arxiv_abstracts_2k.parquet``, embedded once with the default
MiniLM model and cached by ``embed_corpus``: about 2 minutes on 2 CPU cores the first time), ``sample`` (the
shipped 3,000-paper arXiv sample with its shipped vectors: no corpus embedding at all), or ``full`` (the 29,627
shared abstracts; ~20 min to embed on 2 cores the first time). ``--max-docs`` takes a seeded subset.
Documents are "title. abstract", as everywhere in the package.

Queries (made without an LLM; seeded):
- single-paper, title: a paper's title; the target is that paper.
- single-paper, sentence: one sentence (>= 8 words, not the first) of a paper's abstract; the target is that paper.
  Both are verbatim known-item queries (the text occurs in the target), so they are easier than the paper's
  human questions: compare the ORDER of the methods with the paper's, not the absolute numbers.
- multi-paper, category: the name and a one-line description of an arXiv category (the public arXiv taxonomy,
  written out below); relevant = every paper that lists that category (primary or cross-list). Only categories
  with ``--min-rel`` .. ``--max-rel`` papers are used. Pairs of categories with at least ``--min-rel`` papers
  listing both give more queries ("<name 1>; <name 2>", relevant = papers listing both).

Methods (one run, same queries): random ranking (floor), bag of words (TF-IDF cosine, scikit-learn or numpy),
plain semantic search (exact cosine), hybrid (dense + BM25 by reciprocal rank fusion), Pathfinder weights
(keywords, recency, citations; METHODS section 2), weights + hybrid, steering (a small top-k SAE trained in the
run; each query's strongest SAE feature is scaled x2, the residual kept: "lean on the query's main topic"), and
HyDE with a local model on ``--hyde-n`` queries (half title, half category queries; plain search on the same
subset is printed next to it). Metrics: success@10 and MRR (single-paper), recall@10, recall@100 and nDCG@10
(multi-paper), from ``universetbd.search.evaluate``.

Paper (Pathfinder, astro-ph, human questions): plain 0.70 / 0.50, HyDE + reranker 0.84 / 0.74, bag of words
0.46 / 0.29 (success@10 / MRR).

Measured 2026-12 (default run: 2k file, 200 + 200 single-paper and 70 category queries, 2 busy CPU cores):

    method                      title s@10/MRR  sentence s@10/MRR  category R@10/R@100/nDCG@10
    random                       0.000 / 0.001    0.010 / 0.003     0.005 / 0.037 / 0.022
    bag of words (TF-IDF)        1.000 / 0.998    1.000 / 0.994     0.059 / 0.275 / 0.219
    plain (exact cosine)         1.000 / 0.990    0.910 / 0.832     0.056 / 0.332 / 0.211
    hybrid (dense + BM25)        1.000 / 0.998    0.965 / 0.911     0.072 / 0.343 / 0.231
    Pathfinder weights           0.970 / 0.953    0.630 / 0.448     0.045 / 0.332 / 0.168
    weights + hybrid             0.985 / 0.960    0.965 / 0.714     0.061 / 0.326 / 0.237
    steering (top feature x2)    1.000 / 0.990    0.920 / 0.834     0.057 / 0.340 / 0.209
    HyDE (SmolLM2-135M, n=20)    1.000 / 1.000        -             0.080 / 0.427 / 0.613
    plain on the HyDE subset     1.000 / 1.000        -             0.073 / 0.440 / 0.612

Verbatim known-item queries favour exact word overlap, so bag of words (last in the paper) is first on the
single-paper sets here; on the category (topic) queries the dense and hybrid rankers beat it on recall@100,
hybrid is best overall, the Pathfinder weights (recency, citations) cost relevance on these queries, and
HyDE with a 135M-parameter local model matches plain search (the paper's gain used a large LLM + reranker).

    python benchmarks/retrieval_eval.py [--corpus 2k|sample|full] [--max-docs N] [--queries 200] [--hyde-n 20]
    python benchmarks/retrieval_eval.py --quick     # 300 sample papers, 30 queries per kind, no HyDE: a smoke test
"""
from __future__ import annotations

import argparse
import os
import re
import time
import warnings
from itertools import combinations
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")

import numpy as np
import pandas as pd

from universetbd.core import seed_everything, shared_data
from universetbd.search.evaluate import evaluate_retrieval

K = 100  # every method returns this many ids per query

# arXiv category names with a one-line description (from the public arXiv category taxonomy, shortened)
CATEGORIES = {
    "astro-ph.GA": "Astrophysics of Galaxies: galaxies and the Milky Way, star clusters, interstellar medium, galactic structure and evolution",
    "astro-ph.CO": "Cosmology and Nongalactic Astrophysics: early universe, cosmic microwave background, dark matter, dark energy, large-scale structure",
    "astro-ph.EP": "Earth and Planetary Astrophysics: exoplanets, planet formation, the solar system, protoplanetary disks",
    "astro-ph.HE": "High Energy Astrophysical Phenomena: cosmic rays, gamma-ray bursts, X-ray sources, black holes, neutron stars, supernovae",
    "astro-ph.IM": "Instrumentation and Methods for Astrophysics: telescopes, detectors, data analysis and statistical methods in astronomy",
    "astro-ph.SR": "Solar and Stellar Astrophysics: stellar structure and evolution, the Sun, star formation, variable stars",
    "gr-qc": "General Relativity and Quantum Cosmology: gravitational waves, black hole spacetimes, gravitation theory",
    "hep-ph": "High Energy Physics - Phenomenology: particle physics models, collider phenomenology, dark matter candidates",
    "hep-th": "High Energy Physics - Theory: quantum field theory, string theory, holography",
    "hep-ex": "High Energy Physics - Experiment: particle physics experiments and measurements",
    "nucl-th": "Nuclear Theory: nuclear structure, nuclear matter, dense matter equation of state",
    "physics.ins-det": "Instrumentation and Detectors: detectors and instruments for physics experiments",
    "physics.space-ph": "Space Physics: the heliosphere, magnetospheres, solar wind, space plasmas",
    "physics.plasm-ph": "Plasma Physics: plasmas, magnetohydrodynamics, fusion and astrophysical plasmas",
    "physics.comp-ph": "Computational Physics: numerical methods and simulation codes for physics",
    "physics.chem-ph": "Chemical Physics: molecules, chemical reactions, spectroscopy",
    "physics.data-an": "Data Analysis, Statistics and Probability in physics",
    "cs.LG": "Machine Learning: learning algorithms, neural networks, optimisation and theory of learning",
    "cs.CL": "Computation and Language: natural language processing, language models, machine translation, speech and text",
    "cs.AI": "Artificial Intelligence: reasoning, planning, knowledge representation, agents",
    "cs.CV": "Computer Vision and Pattern Recognition: images, video, object detection, image generation",
    "cs.IR": "Information Retrieval: search engines, retrieval, recommender systems, ranking",
    "cs.CY": "Computers and Society: impact of computing on society, ethics, policy, education",
    "cs.CR": "Cryptography and Security: security, privacy, attacks and defences",
    "cs.DC": "Distributed, Parallel, and Cluster Computing: parallel and distributed systems, GPUs, clusters",
    "cs.HC": "Human-Computer Interaction: user interfaces, user studies, interaction design",
    "cs.SE": "Software Engineering: software development, testing, code generation and program repair",
    "cs.NE": "Neural and Evolutionary Computing: neural networks, evolutionary algorithms, spiking networks",
    "cs.RO": "Robotics: robots, manipulation, navigation, control",
    "cs.SD": "Sound: audio processing, speech and music",
    "cs.MA": "Multiagent Systems: multiple interacting agents",
    "cs.DL": "Digital Libraries: scholarly publishing, bibliometrics, citation analysis",
    "cs.DB": "Databases: data management, query processing",
    "cs.PL": "Programming Languages: language design, semantics, compilers",
    "cs.LO": "Logic in Computer Science: formal logic, verification",
    "cs.GT": "Computer Science and Game Theory: mechanism design, games, economics",
    "cs.SI": "Social and Information Networks: social networks, graphs of information",
    "eess.AS": "Audio and Speech Processing: speech recognition and synthesis, audio signals",
    "eess.SP": "Signal Processing: signals, filtering, estimation, communications",
    "eess.IV": "Image and Video Processing: imaging, image restoration and compression",
    "eess.SY": "Systems and Control: control systems, dynamical systems",
    "stat.ML": "Machine Learning (statistics): statistical learning theory, Bayesian methods, kernel methods",
    "stat.ME": "Methodology (statistics): statistical methods, inference, experimental design",
    "stat.AP": "Applications (statistics): applied statistics in science",
    "stat.CO": "Computation (statistics): Monte Carlo, MCMC, statistical computing",
    "math.OC": "Optimization and Control: mathematical optimisation, optimal control",
    "math.NA": "Numerical Analysis: numerical algorithms, discretisation, error analysis",
    "math.ST": "Statistics Theory: mathematical statistics",
    "quant-ph": "Quantum Physics: quantum information, quantum computing, quantum mechanics",
    "cond-mat.stat-mech": "Statistical Mechanics: phase transitions, non-equilibrium systems",
    "cond-mat.dis-nn": "Disordered Systems and Neural Networks: spin glasses, random systems",
    "q-bio.NC": "Neurons and Cognition: neuroscience, cognition, brain models",
}

PAPER = {"plain": (0.70, 0.50), "HyDE + reranker": (0.84, 0.74), "bag of words": (0.46, 0.29)}


# ---------- data and queries ----------

def load_data(which: str, max_docs: int | None, seed: int):
    "(corpus DataFrame with id/title/abstract/categories/year/citations/text, embeddings or None)."
    from universetbd.corpus import arxiv_sample, load_corpus
    if which == "sample":
        corpus, X = arxiv_sample(max_docs=max_docs, with_embeddings=True)
        return corpus.df.reset_index(drop=True), X
    name = {"2k": "arxiv_abstracts_2k.parquet", "full": "arxiv_abstracts.parquet"}[which]
    path = shared_data(name)
    if not Path(path).exists():
        raise SystemExit(f"no shared data at {path}: use --corpus sample (the shipped arXiv sample)")
    df = pd.read_parquet(path)
    if max_docs and max_docs < len(df):
        df = df.iloc[np.sort(np.random.default_rng(seed).choice(len(df), max_docs, replace=False))]
    return load_corpus(df.reset_index(drop=True), name=f"arxiv-{which}").df.reset_index(drop=True), None


def sentence_of(abstract: str, rng) -> str | None:
    "One sentence of the abstract (>= 8 words, not the first), or None."
    sents = [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(])", str(abstract)) if len(s.split()) >= 8]
    return str(rng.choice(sents[1:])) if len(sents) > 1 else None


def make_queries(df: pd.DataFrame, n: int, rng, min_rel: int, max_rel: int) -> dict[str, pd.DataFrame]:
    "Query sets {name: DataFrame(query, relevant)}; see the module docs."
    rows = rng.permutation(len(df))
    title = [{"query": df.title.iat[r], "relevant": [df.id.iat[r]]} for r in rows[:n] if str(df.title.iat[r]).strip()]
    sent = []
    for r in rows[n:]:
        s = sentence_of(df.abstract.iat[r], rng)
        if s: sent.append({"query": s, "relevant": [df.id.iat[r]]})
        if len(sent) == n: break
    cats = df.categories.fillna("").map(lambda c: set(c.split()))
    members = {c: set(df.id[cats.map(lambda s: c in s)]) for c in CATEGORIES}
    multi = [{"query": f"{CATEGORIES[c]}", "relevant": sorted(m), "category": c}
             for c, m in members.items() if min_rel <= len(m) <= max_rel]
    for a, b in combinations(sorted(members), 2):
        both = members[a] & members[b]
        if min_rel <= len(both) <= max_rel and both != members[a] and both != members[b]:
            multi.append({"query": f"{CATEGORIES[a].split(':')[0]}; {CATEGORIES[b].split(':')[0]}",
                          "relevant": sorted(both), "category": f"{a}+{b}"})
    return {"title": pd.DataFrame(title), "sentence": pd.DataFrame(sent), "category": pd.DataFrame(multi)}


# ---------- methods ----------

class BagOfWords:
    "TF-IDF cosine ranking (scikit-learn if installed, else a small numpy implementation)."
    def __init__(self, texts):
        try:
            from sklearn.feature_extraction.text import TfidfVectorizer
            self.vec = TfidfVectorizer(sublinear_tf=True, stop_words="english")
            self.X = self.vec.fit_transform(texts)
            self.kind = "scikit-learn TfidfVectorizer"
        except ImportError:
            self.vec, self.kind = None, "numpy TF-IDF"
            toks = [self._tok(t) for t in texts]
            self.vocab = {w: i for i, w in enumerate(sorted({w for t in toks for w in t}))}
            tf = np.zeros((len(texts), len(self.vocab)), np.float32)
            for r, t in enumerate(toks):
                for w in t: tf[r, self.vocab[w]] += 1
            self.idf = np.log((1 + len(texts)) / (1 + (tf > 0).sum(0))) + 1
            self.X = self._norm(np.where(tf > 0, 1 + np.log(np.maximum(tf, 1)), 0) * self.idf)

    @staticmethod
    def _tok(t): return re.findall(r"(?u)\b\w\w+\b", t.lower())
    @staticmethod
    def _norm(A): return A / np.maximum(np.linalg.norm(A, axis=1, keepdims=True), 1e-12)

    def scores(self, query: str) -> np.ndarray:
        if self.vec is not None: return (self.X @ self.vec.transform([query]).T).toarray().ravel()
        q = np.zeros(len(self.vocab), np.float32)
        for w in self._tok(query):
            if w in self.vocab: q[self.vocab[w]] += 1
        q = self._norm((np.where(q > 0, 1 + np.log(np.maximum(q, 1)), 0) * self.idf)[None])[0]
        return self.X @ q


def top_ids(scores: np.ndarray, ids, k: int = K) -> list:
    top = np.argpartition(-scores, min(k, len(scores) - 1))[:k]
    return [ids[i] for i in top[np.argsort(-scores[top], kind="stable")]]


def try_local_llm():
    "(LocalLLM instance, None) or (None, reason)."
    try:
        from universetbd.llm import LocalLLM
    except ImportError as e: return None, f"universetbd.llm.LocalLLM is not available ({e})"
    try: return LocalLLM(), None
    except Exception as e: return None, f"LocalLLM() failed: {type(e).__name__}: {e}"


def fmt(x): return "      -" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{x:7.3f}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", choices=("2k", "sample", "full"), default="2k")
    p.add_argument("--max-docs", type=int, default=None, help="a seeded subset of the corpus")
    p.add_argument("--queries", type=int, default=200, help="single-paper queries of each kind (title, sentence)")
    p.add_argument("--min-rel", type=int, default=8, help="fewest relevant papers of a category query")
    p.add_argument("--max-rel", type=int, default=400, help="most relevant papers of a category query")
    p.add_argument("--hyde-n", type=int, default=20, help="queries answered with HyDE (0: skip)")
    p.add_argument("--sae-latents", type=int, default=1024)
    p.add_argument("--sae-k", type=int, default=16)
    p.add_argument("--sae-epochs", type=int, default=30)
    p.add_argument("--methods", default="", help="only the methods whose names contain one of these comma-separated words")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", default=None, help="CSV file for the table")
    p.add_argument("--quick", action="store_true", help="smoke test: 300 sample papers, 30 queries, tiny SAE, no HyDE")
    a = p.parse_args(argv)
    if a.quick:
        a.corpus, a.max_docs, a.queries, a.hyde_n, a.sae_latents, a.sae_k, a.sae_epochs, a.min_rel = \
            "sample", a.max_docs or 300, 30, 0, 256, 8, 5, 5
    import torch
    from universetbd.embeddings import default_embedder, embed_corpus
    from universetbd.sae.topk import TopKSAEConfig, train_sae
    from universetbd.search.index import ExactIndex
    from universetbd.search.literature import LiteratureSearch, hyde_vector
    from universetbd.search.steering import SteeringSearch
    torch.set_grad_enabled(True)
    rng = seed_everything(a.seed)
    t0 = time.perf_counter()
    df, X = load_data(a.corpus, a.max_docs, a.seed)
    texts, ids = df.text.tolist(), df.id.astype(str).tolist()
    if X is None: X = embed_corpus(texts, batch_size=64, show_progress=False)
    print(f"corpus {a.corpus}: {len(df)} papers, embeddings {X.shape} ({time.perf_counter() - t0:.0f} s)", flush=True)
    qsets = make_queries(df, a.queries, rng, a.min_rel, a.max_rel)
    print("queries: " + ", ".join(f"{k} {len(v)}" for k, v in qsets.items())
          + f" (category queries: mean {qsets['category'].relevant.map(len).mean():.0f} relevant papers)", flush=True)

    emb = default_embedder()
    qvec = {name: emb.encode(q["query"].tolist(), show_progress=False) for name, q in qsets.items()}
    t1 = time.perf_counter()
    sae, _ = train_sae(X, TopKSAEConfig(d_in=X.shape[1], n_latents=a.sae_latents, k=a.sae_k, auxk=2 * a.sae_k,
                                        epochs=a.sae_epochs, batch_size=256), device="cpu", show_progress=False)
    tr = sae.metadata["training"]
    print(f"SAE n={a.sae_latents} k={a.sae_k} {a.sae_epochs} epochs: val NMSE {tr['val_nmse']:.3f}, "
          f"dead {tr['dead_fraction']:.1%} ({time.perf_counter() - t1:.0f} s)", flush=True)
    index = ExactIndex(X, ids, device="cpu")
    engine = SteeringSearch(index, sae, embedder=emb, corpus=df, keep_residual=True)
    lit = LiteratureSearch(engine, df, candidates=K)
    bow = BagOfWords(texts)
    rand = np.random.default_rng(a.seed + 1)

    def steer(v):
        f = engine.active_features(v)
        return engine.search(v, edits=[(f[0]["index"], "scale", 2.0)] if f else (), k=K).ids

    methods = {
        "random": lambda q, v: [ids[i] for i in rand.permutation(len(ids))[:K]],
        f"bag of words (TF-IDF)": lambda q, v: top_ids(bow.scores(q), ids),
        "plain (exact cosine)": lambda q, v: index_ids(index, v, ids),
        "hybrid (dense + BM25, RRF)": lambda q, v: lit.search(v, k=K, hybrid=True, text=q).ids,
        "Pathfinder weights": lambda q, v: lit.search(v, k=K, weights=True, text=q).ids,
        "weights + hybrid": lambda q, v: lit.search(v, k=K, weights=True, hybrid=True, text=q).ids,
        "steering (top feature x2)": lambda q, v: steer(v),
    }
    if a.methods:
        methods = {m: f for m, f in methods.items() if any(w.strip().lower() in m.lower() for w in a.methods.split(","))}
    rows, ks = [], (10, 100)
    for m, fn in methods.items():
        t = time.perf_counter()
        row = {"method": m}
        for name, q in qsets.items():
            if not len(q): continue
            vec = qvec[name]
            pairs = pd.DataFrame({"query": range(len(q)), "relevant": q.relevant})
            _, means = evaluate_retrieval(lambda i: fn(q["query"].iat[i], vec[i:i + 1]), pairs, ks)
            row[name] = means
        row["seconds"] = time.perf_counter() - t
        rows.append(row)
        print(f"  {m}: {row['seconds']:.1f} s", flush=True)

    hyde_note = None
    if a.hyde_n > 0:
        llm, why = try_local_llm()
        if llm is None: hyde_note = f"HyDE skipped: {why}"
        else:
            nt = a.hyde_n // 2
            sub = {"title": qsets["title"].iloc[:nt], "category": qsets["category"].iloc[:a.hyde_n - nt]}
            t = time.perf_counter()
            if hasattr(llm, "chat_many"):   # batched generation; hyde_vector's own calls then come from the answer cache
                from universetbd.search.literature import HYDE_PROMPT
                llm.chat_many([[{"role": "user", "content": HYDE_PROMPT.format(question=s)}]
                               for q in sub.values() for s in q["query"]], max_tokens=350)
            hv = {name: np.concatenate([hyde_vector(s, llm, emb)[0] for s in q["query"]]) if len(q) else None
                  for name, q in sub.items()}
            gen_s = time.perf_counter() - t
            for label, vecs in ((f"HyDE ({llm.model if hasattr(llm, 'model') else 'local'}, n={a.hyde_n})", hv),
                                (f"plain on the HyDE subset", {n: qvec[n][:len(q)] for n, q in sub.items()})):
                row = {"method": label}
                for name, q in sub.items():
                    if not len(q): continue
                    pairs = pd.DataFrame({"query": range(len(q)), "relevant": q.relevant})
                    _, row[name] = evaluate_retrieval(lambda i: index_ids(index, vecs[name][i:i + 1], ids), pairs, ks)
                row["seconds"] = gen_s if label.startswith("HyDE") else 0.0
                rows.append(row)
            hyde_note = (f"HyDE: {a.hyde_n} hypothetical abstracts (max 350 tokens) in {gen_s:.0f} s "
                         f"(LocalLLM answers are cached: a rerun reads them back)")
    elif a.hyde_n == 0: hyde_note = "HyDE skipped: --hyde-n 0"

    cols = [("title", "success@10"), ("title", "mrr"), ("sentence", "success@10"), ("sentence", "mrr"),
            ("category", "recall@10"), ("category", "recall@100"), ("category", "ndcg@10")]
    table = pd.DataFrame([{"method": r["method"], **{f"{s}:{c}": (float(r[s][c]) if s in r else np.nan) for s, c in cols},
                           "seconds": r["seconds"]} for r in rows])
    print(f"\n{'method':32s} | {'title':^15s} | {'sentence':^15s} | {'category (multi-paper)':^23s}")
    print(f"{'':32s} | {'succ@10':>7s} {'MRR':>7s} | {'succ@10':>7s} {'MRR':>7s} | {'R@10':>7s} {'R@100':>7s} {'nDCG@10':>7s}")
    for _, r in table.iterrows():
        v = [r[f"{s}:{c}"] for s, c in cols]
        print(f"{r['method']:32s} | {fmt(v[0])} {fmt(v[1])} | {fmt(v[2])} {fmt(v[3])} | {fmt(v[4])} {fmt(v[5])} {fmt(v[6])}")
    if hyde_note: print(hyde_note)
    single = table.set_index("method")[["title:mrr", "sentence:mrr"]].mean(axis=1).dropna().sort_values(ascending=False)
    print("\nranking by single-paper MRR (title and sentence averaged): "
          + " > ".join(f"{m} {v:.2f}" for m, v in single.items()))
    print("paper (astro-ph, human questions; success@10 / MRR): "
          + " > ".join(f"{m} {s:.2f}/{r:.2f}" for m, (s, r) in sorted(PAPER.items(), key=lambda x: -x[1][1])))
    print(f"total {time.perf_counter() - t0:.0f} s")
    if a.out: table.to_csv(a.out, index=False)
    return table


def index_ids(index, v, ids) -> list:
    _, i = index.search(v, K)
    return [ids[j] for j in i[0]]


if __name__ == "__main__":
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        main()
