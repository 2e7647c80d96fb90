"""Shared pytest configuration: offline, quiet progress bars, an isolated data directory."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("UNIVERSETBD_PROGRESS", "0")


@pytest.fixture(autouse=True, scope="session")
def _isolated_home(tmp_path_factory):
    """Every test session writes caches and models to a fresh data directory, never the user's."""
    home = tmp_path_factory.mktemp("universetbd_home")
    old = os.environ.get("UNIVERSETBD_HOME")
    os.environ["UNIVERSETBD_HOME"] = str(home)
    yield home
    if old is None:
        os.environ.pop("UNIVERSETBD_HOME", None)
    else:
        os.environ["UNIVERSETBD_HOME"] = old


# The test files that start a local Ray instance. `dev.sh test` runs them after the others, alone (`-m ray`): beside the
# browser tests on the same 2 cores they took 2-3x as long (Ray's processes wait on each other, and its raylet has a
# fixed 30 s to start), 330 s against 146 s measured here.
RAY_FILES = {"test_scale_ray", "test_bench_scale_ray"}

# How pytest-xdist shares the tests between its workers (`dev.sh test` runs `-n 2 --dist loadgroup`).
_GROUPS = {name: "ray" for name in RAY_FILES}


def pytest_configure(config):
    config.addinivalue_line("markers", "ray: starts a local Ray instance (dev.sh test runs these on their own, after the rest)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.stem in RAY_FILES: item.add_marker(pytest.mark.ray)


def xdist_group(path: str) -> str:
    """The work unit of a test file (`tests/browser/test_x.py`): every browser test in one, so they share one JupyterLab
    and one Chromium; the Ray tests in one, so two local Ray instances never compete for the same 2 CPUs; else the file,
    so a module's fixtures (a loaded model, a server) are built once."""
    p = Path(path)
    return "browser" if p.parent.name == "browser" else _GROUPS.get(p.stem, str(p))


def pytest_xdist_make_scheduler(config, log):
    """`--dist loadgroup` by `xdist_group`. (pytest-xdist's own loadgroup reads `xdist_group` marks by rewriting node ids,
    which pytest 9 no longer allows; its scope scheduler takes the grouping as a function.)"""
    if config.getvalue("dist") != "loadgroup": return None
    from xdist.scheduler import LoadScopeScheduling

    class ByGroup(LoadScopeScheduling):
        def _split_scope(self, nodeid): return xdist_group(nodeid.split("::")[0])
    return ByGroup(config, log)
