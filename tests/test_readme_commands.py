"""The README's main-job command really opens JupyterLab on the tour notebook."""
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEV = REPO / ".github" / "scripts" / "dev.sh"


def _port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_readme_mentions_the_two_commands():
    readme = (REPO / "README.md").read_text()
    assert "bash .github/scripts/dev.sh lab" in readme and "bash .github/scripts/dev.sh test" in readme
    ci = (REPO / ".ci" / "run").read_text()
    assert ".github/scripts/dev.sh test" in ci


def test_lab_command_serves_the_tour(tmp_path):
    port = _port()
    env = dict(os.environ, UNIVERSETBD_SKIP_SETUP="1", JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"), BROWSER="true")
    proc = subprocess.Popen(["bash", str(DEV), "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             "--IdentityProvider.token=", "--allow-root", f"--LabApp.workspaces_dir={tmp_path / 'ws'}"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline, body = time.time() + 90, None
        while time.time() < deadline and body is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents/tour.ipynb?content=0", timeout=2) as r:
                    body = r.read().decode()
            except OSError:
                time.sleep(0.5)
        assert body and '"name": "tour.ipynb"' in body.replace('":"', '": "'), "JupyterLab did not serve the tour (root nbs/)"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab/tree/tour.ipynb", timeout=10) as r:
            assert r.status == 200 and "JupyterLab" in r.read().decode()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(20)
