"""Real-browser harness: a JupyterLab server on loopback driven by Playwright in Debian's Chromium.

Each test opens a fixture notebook (a copy, in a temporary server root), runs it, and asserts on the
widget DOM. Console errors and page errors fail the test; a screenshot of every test is saved under
$TEST_ARTIFACTS (default: test-artifacts/browser/ in the repo).
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
REPO = HERE.parents[1]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage"]
# Messages JupyterLab itself logs offline that say nothing about our widgets.
IGNORED_CONSOLE = ("Failed to load resource: net::ERR_", "favicon", "[Violation]")

LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none", "autoStartDefaultKernel": True},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
}


def poll(fn, until, timeout=60):
    """Call fn() every 0.1 s until until(value) or timeout; returns every distinct value seen, in order."""
    seen, deadline = [], time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if not seen or seen[-1] != v: seen.append(v)
        if until(v): break
        time.sleep(0.1)
    return seen


def chromium_path() -> str | None:
    "The Chromium the browser tests use ($UNIVERSETBD_CHROMIUM, /usr/bin/chromium, or on PATH), or None."
    for c in (os.environ.get("UNIVERSETBD_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if c and Path(c).exists():
            return c
    return None


def _chromium() -> str:
    if c := chromium_path():
        return c
    msg = "Chromium not found: run `apt-get install -y chromium` (the README test command does) or set UNIVERSETBD_CHROMIUM"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(msg)
    pytest.skip(msg)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab server with a temporary root holding copies of the fixture notebooks."""

    def __init__(self, tmp: Path):
        self.root = tmp / "root"
        shutil.copytree(FIXTURES, self.root)
        settings = tmp / "settings"
        for rel, value in LAB_SETTINGS.items():
            p = settings / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(json.dumps(value))
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTER_CONFIG_DIR=str(tmp / "config"),
                   JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), HF_HUB_OFFLINE="1", UNIVERSETBD_PROGRESS="0",
                   # the session's data directory (tests/conftest.py): the tour here and tests/test_tour.py share the
                   # models and atlases they cache (keyed by their inputs), so the second run loads what the first trained
                   UNIVERSETBD_HOME=os.environ.get("UNIVERSETBD_HOME") or str(tmp / "home"), PYTHONUNBUFFERED="1")
        self.log_path = tmp / "jupyterlab.log"
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={self.port}",
               "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root",
               "--LabApp.expose_app_in_browser=True", f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
               f"--ServerApp.root_dir={self.root}", "--ServerApp.open_browser=False"]
        self.proc = subprocess.Popen(cmd, env=env, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/api", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"JupyterLab did not answer on {self.url} within 90 s:\n{self.log_path.read_text()[-3000:]}")

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


class Notebook:
    """A page showing one fixture notebook, with helpers to run cells and read outputs."""

    def __init__(self, page, lab: Lab, name: str):
        self.page, self.lab, self.name = page, lab, name
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(f"console.{m.type}: {m.text}")
                if m.type == "error" and not any(s in m.text for s in IGNORED_CONSOLE) else None)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))

        def _dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()
        page.on("dialog", _dialog)

    def open(self, timeout=60_000):
        self.page.goto(f"{self.lab.url}/lab/tree/{self.name}?reset", timeout=timeout)
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=timeout)
        self.wait_idle(timeout)
        return self

    def wait_idle(self, timeout=120_000):
        self.page.wait_for_function(
            "() => window.jupyterapp?.shell?.currentWidget?.sessionContext?.session?.kernel?.status === 'idle'",
            timeout=timeout)

    def run_all(self, timeout=180_000):
        self.page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
        # wait until every code cell has an execution count (or an error output), then for idle
        self.page.wait_for_function(
            """() => { const nb = window.jupyterapp.shell.currentWidget.content;
                       return nb.widgets.filter(c => c.model.type === 'code')
                                .every(c => c.model.executionCount !== null); }""", timeout=timeout)
        self.wait_idle(timeout)

    def run_cell(self, index: int, timeout=60_000):
        """Run the cell at `index` (0-based, counting markdown cells too) and wait for the kernel."""
        before = self.page.evaluate(f"() => window.jupyterapp.shell.currentWidget.content.widgets[{index}].model.executionCount")
        self.page.evaluate(f"""() => {{ const nb = window.jupyterapp.shell.currentWidget.content;
                                   nb.activeCellIndex = {index};
                                   return window.jupyterapp.commands.execute('notebook:run-cell'); }}""")
        self.page.wait_for_function(
            f"""() => {{ const c = window.jupyterapp.shell.currentWidget.content.widgets[{index}];
                        return c.model.executionCount !== null && c.model.executionCount !== {json.dumps(before)}; }}""",
            timeout=timeout)
        self.wait_idle(timeout)

    def output_text(self, index: int) -> str:
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output").all_inner_texts()

    def cell_output(self, index: int):
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index).locator(".jp-OutputArea-output")

    def screenshot(self, name: str, locator=None):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        (locator or self.page).screenshot(path=str(path))
        return path

    def assert_clean(self):
        errors = [e for e in self.errors]
        assert not self.dialogs, f"a dialog opened (script ran from data?): {self.dialogs}"
        assert not errors, "browser console errors:\n" + "\n".join(errors)


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    _chromium()
    server = Lab(tmp_path_factory.mktemp("jupyterlab"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    path = _chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def notebook(browser, lab):
    """Factory: `nb = notebook("x.ipynb")` opens a fixture notebook in a fresh browser context."""
    contexts = []

    def _open(name: str) -> Notebook:
        ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(ctx)
        ctx.set_default_timeout(60_000)
        return Notebook(ctx.new_page(), lab, name).open()

    yield _open
    for ctx in contexts:
        ctx.close()
