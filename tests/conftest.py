"""Shared pytest configuration: offline, quiet progress bars, an isolated data directory."""
import os

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

