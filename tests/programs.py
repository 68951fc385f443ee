"""Finding the real programs that system tests start (nginx, node, chromium …)."""

import os
import shutil
import socket
import sys
from pathlib import Path
from typing import NoReturn

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
    _missing(f"{name} is not installed{': ' + hint if hint else ''}")


def venv_program(name: str) -> str:
    """A program installed by a PyPI package of the dev extra, next to this Python, else on PATH."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else require_program(name, hint='pip install -e ".[dev]"')


def require_file(path: Path, *, hint: str = "") -> Path:
    """`path` if it exists (a package the tests install, e.g. from npm); skip or, under CI=true, fail."""
    if path.exists():
        return path
    _missing(f"{path} is missing{': ' + hint if hint else ''}")


def require_service(host: str, port: int, *, name: str) -> None:
    """Return when something answers on `host:port` (e.g. Redis); skip or, under CI=true, fail."""
    try:
        socket.create_connection((host, port), timeout=1).close()
    except OSError:
        _missing(f"no {name} on {host}:{port}")


def _missing(reason: str) -> NoReturn:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI must install it: see .ci/run)")
    pytest.skip(reason)
