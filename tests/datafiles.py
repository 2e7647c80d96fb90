"""Access to the real paper-abstract data in the project's shared data for tests (never copied into the repo)."""
import os
from pathlib import Path

import pytest

from universetbd.core import shared_data as _shared_data

REPO = Path(__file__).resolve().parents[1]


def shared_data(name: str) -> Path:
    """Path of a shared data file (`universetbd.core.shared_data`); fails under CI=true and skips otherwise when absent."""
    path = _shared_data(name)
    if not path.exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{path} is missing: CI needs ../shared/data beside the checkout")
        pytest.skip(f"{path} is not available")
    return path
