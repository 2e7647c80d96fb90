"""Access to the real paper-abstract data in ../shared/data for tests (never copied into the repo)."""
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


def shared_data(name: str) -> Path:
    """Path of a file in ../shared/data; fails under CI=true and skips otherwise when it is absent."""
    path = SHARED_DATA / name
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{path} is missing: CI needs ../shared/data beside the checkout")
        pytest.skip(f"{path} is not available")
    return path
