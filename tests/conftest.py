"""Shared pytest configuration: offline, quiet progress bars, an isolated data directory."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"

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


def shared_data(name: str) -> Path:
    """Path of a file in ../shared/data; fails under CI=true and skips otherwise when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{path} is missing: CI needs ../shared/data beside the checkout")
        pytest.skip(f"{path} is not available")
    return path
