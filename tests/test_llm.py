"""LLM endpoints end to end against a loopback fake OpenAI-compatible server: which key reaches which host,
which errors the client retries, and that chat and embeddings calls through the package reach the server."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest

pytest.importorskip("openai")

from universetbd.embeddings import OpenAIEmbedder
from universetbd.features.labels import LLMLabeller
from universetbd.llm import ENV_VARS, LLM, LLMError, chat, resolve_settings

MESSAGES = [{"role": "user", "content": "label this feature"}]


class FakeOpenAI:
    """A loopback server with POST /v1/chat/completions and /v1/embeddings; records every request."""

    def __init__(self):
        self.requests, self.statuses, self.lock = [], [], threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args): pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                with server.lock:
                    server.requests.append({"path": self.path, "authorization": self.headers.get("Authorization"),
                                            "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                    status = server.statuses.pop(0) if server.statuses else 200
                if status != 200:
                    return self._send(status, {"error": {"message": f"fake error {status}", "type": "fake", "code": None}})
                if self.path.endswith("/chat/completions"):
                    return self._send(200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 0,
                                            "model": body.get("model"), "choices": [{"index": 0, "finish_reason": "stop",
                                            "message": {"role": "assistant", "content": " dark matter halos \n"}}]})
                if self.path.endswith("/embeddings"):
                    data = [{"object": "embedding", "index": i, "embedding": [float(len(t)), 1.0, 0.0]}
                            for i, t in enumerate(body["input"])]
                    return self._send(200, {"object": "list", "data": data, "model": body.get("model"),
                                            "usage": {"prompt_tokens": 1, "total_tokens": 1}})
                self._send(404, {"error": {"message": "no such route"}})

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("retry-after-ms", "1")  # keeps the client's back-off short in tests
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_port}/v1"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch):
    for k in ENV_VARS + ("OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_CUSTOM_HEADERS", "OPENAI_ADMIN_KEY"):
        monkeypatch.delenv(k, raising=False)
    s = FakeOpenAI()
    monkeypatch.setenv("UNIVERSETBD_LLM_BASE_URL", s.url)
    monkeypatch.setenv("UNIVERSETBD_LLM_MODEL", "fake-model")
    yield s
    s.close()


def test_openai_key_never_sent_to_another_host(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-secret")
    monkeypatch.setenv("OPENAI_CUSTOM_HEADERS", "Authorization: Bearer sk-custom-secret")
    assert chat(MESSAGES) == "dark matter halos"
    assert OpenAIEmbedder().encode(["a", "bbb"]).shape == (2, 3)
    assert len(server.requests) == 2
    for r in server.requests:
        assert "secret" not in json.dumps(r["headers"]), r["headers"]
        assert r["authorization"] in (None, "Bearer not-needed")
        assert "openai-organization" not in r["headers"]


def test_openai_base_url_fallback_gets_no_openai_key(server, monkeypatch):
    monkeypatch.delenv("UNIVERSETBD_LLM_BASE_URL")
    monkeypatch.setenv("OPENAI_BASE_URL", server.url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    assert chat(MESSAGES) == "dark matter halos"
    assert server.requests[-1]["authorization"] in (None, "Bearer not-needed")


def test_local_key_and_explicit_key(server, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret")
    monkeypatch.setenv("UNIVERSETBD_LLM_API_KEY", "local-key")
    chat(MESSAGES)
    OpenAIEmbedder().encode(["x"])
    assert [r["authorization"] for r in server.requests] == ["Bearer local-key"] * 2
    chat(MESSAGES, resolve_settings(api_key="explicit-key"))
    assert server.requests[-1]["authorization"] == "Bearer explicit-key"


def test_server_errors_are_retried(server):
    server.statuses = [500, 503]
    assert chat(MESSAGES, resolve_settings(max_retries=3)) == "dark matter halos"
    assert len(server.requests) == 3  # two failures, then the answer
    server.requests.clear()
    server.statuses = [500] * 10
    with pytest.raises(LLMError, match="running and reachable"):
        chat(MESSAGES, resolve_settings(max_retries=1))
    assert len(server.requests) == 2  # the first try and one retry, nothing on top


@pytest.mark.parametrize("status, message", [(401, "UNIVERSETBD_LLM_API_KEY"), (403, "UNIVERSETBD_LLM_API_KEY"),
                                             (400, "model name 'fake-model'")])
def test_auth_and_bad_request_are_not_retried(server, status, message):
    server.statuses = [status] * 10
    with pytest.raises(LLMError, match=message):
        chat(MESSAGES, resolve_settings(max_retries=3))
    assert len(server.requests) == 1


def test_labeller_sends_one_request_per_call(server, tmp_path):
    lab = LLMLabeller(cache_dir=tmp_path, retries=2)
    assert lab.chat(MESSAGES) == "dark matter halos"
    assert lab.chat(MESSAGES) == "dark matter halos"  # from the cache
    assert len(server.requests) == 1
    req = server.requests[0]
    assert req["path"] == "/v1/chat/completions"
    assert req["body"]["model"] == "fake-model" and req["body"]["messages"] == MESSAGES
    server.statuses = [401] * 10
    with pytest.raises(LLMError):
        LLMLabeller(cache_dir=False, retries=2).chat([{"role": "user", "content": "another"}])
    assert len(server.requests) == 2  # the refused key was not retried, by the client or the labeller


def test_llm_and_embedder_reach_the_server(server):
    llm = LLM(max_retries=0)
    assert llm.chat(MESSAGES, max_tokens=5) == "dark matter halos"
    assert server.requests[-1]["body"]["max_tokens"] == 5
    emb = OpenAIEmbedder(model="nomic-embed-text")
    X = emb.encode(["a", "bbb", "cc"], batch_size=2)
    assert X.shape == (3, 3) and emb.dim == 3
    np.testing.assert_allclose(X[1], np.array([3, 1, 0]) / np.sqrt(10), rtol=1e-6)
    embeds = [r for r in server.requests if r["path"] == "/v1/embeddings"]
    assert len(embeds) == 2 and embeds[0]["body"]["model"] == "nomic-embed-text"
