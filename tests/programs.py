"""Finding the real programs that system tests start (nginx, node, chromium …)."""

import os
import shutil

import pytest


def require_program(name: str, *, hint: str = "") -> str:
    """Path of `name`; skip the test with the reason when missing, but fail under CI=true."""
    path = shutil.which(name) or next(
        (
            candidate
            for candidate in (f"/usr/sbin/{name}", f"/usr/bin/{name}")
            if os.access(candidate, os.X_OK)
        ),
        None,
    )
    if path:
        return path
    reason = f"{name} is not installed{': ' + hint if hint else ''}"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must install it: see .ci/run)")
    pytest.skip(reason)
