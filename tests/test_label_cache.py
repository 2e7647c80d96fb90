"""The LLM labeller's answer cache: survives a corrupt file, loses nothing when several processes write at once,
and reads an old answers.json."""
import hashlib
import json
import multiprocessing as mp
import threading
import warnings

import pytest

from universetbd.features.labels import LLMLabeller


class _Echo:
    "An `openai.OpenAI` stand-in answering 'answer to <last message>' and counting its calls."
    def __init__(self):
        self.calls, self.lock, self.chat, self.completions = 0, threading.Lock(), self, self

    def create(self, model, messages, **kw):
        with self.lock: self.calls += 1
        content = f"answer to {messages[-1]['content']}"
        return type("R", (), {"choices": [type("C", (), {"message": type("M", (), {"content": content})()})()]})()


def _msgs(text): return [{"role": "user", "content": text}]


def _write_answers(cache_dir, worker, n, barrier):
    "Worker of the multi-process test (module level, so spawned processes can import it)."
    lab = LLMLabeller(_Echo(), model="fake", cache_dir=cache_dir)
    barrier.wait(timeout=120)
    for i in range(n):
        lab.chat(_msgs(f"worker {worker} question {i}"))
        lab.save_cache()


def test_corrupt_json_cache_does_not_break_the_constructor(tmp_path):
    (tmp_path / "answers.json").write_text('{"abc": "half an answ')
    with pytest.warns(UserWarning, match="answers.json"):
        lab = LLMLabeller(_Echo(), model="fake", cache_dir=tmp_path)
    assert lab.chat(_msgs("q")) == "answer to q"
    assert LLMLabeller(_Echo(), model="fake", cache_dir=tmp_path).chat(_msgs("q")) == "answer to q"


def test_corrupt_sqlite_cache_does_not_break_the_constructor(tmp_path):
    (tmp_path / "answers.sqlite").write_bytes(b"this is not a database" * 200)
    with pytest.warns(UserWarning, match="answers.sqlite"):
        lab = LLMLabeller(_Echo(), model="fake", cache_dir=tmp_path)
    assert lab.chat(_msgs("q")) == "answer to q"
    echo = _Echo()  # the fresh store works and keeps answers
    assert LLMLabeller(echo, model="fake", cache_dir=tmp_path).chat(_msgs("q")) == "answer to q" and echo.calls == 0


def test_old_json_cache_is_imported_but_not_served(tmp_path):
    "An answers.json of earlier versions is taken in, but its keys (a model name only) no longer match: asked anew."
    key = hashlib.blake2b(json.dumps(["fake", 0.0, _msgs("old")]).encode(), digest_size=16).hexdigest()
    (tmp_path / "answers.json").write_text(json.dumps({key: "remembered"}))
    echo = _Echo()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lab = LLMLabeller(echo, model="fake", cache_dir=tmp_path)
    assert (tmp_path / "answers.json.imported").exists() and len(lab.store) == 1
    assert lab.chat(_msgs("old")) == "answer to old" and echo.calls == 1
    echo = _Echo()  # the new answer is kept for the next labeller
    assert LLMLabeller(echo, model="fake", cache_dir=tmp_path).chat(_msgs("old")) == "answer to old" and echo.calls == 0


class _Model:
    "A chat model (`.chat_many`) whose answers depend on its weights; it shares its model name with every copy."
    model, temperature, batch_size = "my-model", 0.0, 8
    def __init__(self, weights): self.weights, self.calls = weights, 0
    @property
    def fingerprint(self): return f"weights={self.weights}"
    def chat(self, messages, max_tokens=None): return self.chat_many([messages], max_tokens)[0]
    def chat_many(self, convs, max_tokens=None):
        self.calls += len(convs); return [f"{self.weights}: {c[-1]['content']} ({max_tokens})" for c in convs]


def test_label_cache_is_keyed_by_model_identity_and_settings(tmp_path):
    "The same model name with other weights, or other settings, is asked anew; the same ones come from the cache."
    base = _Model("base")
    assert LLMLabeller(llm=base, cache_dir=tmp_path).chat(_msgs("q")) == "base: q (None)"
    again = _Model("base")
    assert LLMLabeller(llm=again, cache_dir=tmp_path).chat(_msgs("q")) == "base: q (None)" and again.calls == 0
    tuned = _Model("tuned")
    assert LLMLabeller(llm=tuned, cache_dir=tmp_path).chat(_msgs("q")) == "tuned: q (None)" and tuned.calls == 1
    short = _Model("base")
    assert LLMLabeller(llm=short, cache_dir=tmp_path, max_tokens=5).chat(_msgs("q")) == "base: q (5)" and short.calls == 1
    hot = _Model("base"); hot.temperature = 0.8
    LLMLabeller(llm=hot, cache_dir=tmp_path).chat(_msgs("q"))
    assert hot.calls == 1


def test_endpoints_with_the_same_model_name_do_not_share_answers(tmp_path):
    from universetbd.llm import LLM
    a = LLMLabeller(llm=LLM("http://one.example/v1", "m", client=_Echo()), cache_dir=tmp_path)
    echo = _Echo()
    b = LLMLabeller(llm=LLM("http://two.example/v1", "m", client=echo), cache_dir=tmp_path)
    a.chat(_msgs("q")); b.chat(_msgs("q"))
    assert echo.calls == 1


def test_four_processes_lose_no_answer(tmp_path):
    ctx = mp.get_context("spawn")
    n, workers = 40, 4
    barrier = ctx.Barrier(workers)
    procs = [ctx.Process(target=_write_answers, args=(str(tmp_path), w, n, barrier)) for w in range(workers)]
    for p in procs: p.start()
    for p in procs: p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * workers
    echo = _Echo()
    lab = LLMLabeller(echo, model="fake", cache_dir=tmp_path)
    answers = [lab.chat(_msgs(f"worker {w} question {i}")) for w in range(workers) for i in range(n)]
    assert echo.calls == 0, f"{echo.calls} of {workers * n} answers were lost"
    assert answers == [f"answer to worker {w} question {i}" for w in range(workers) for i in range(n)]
