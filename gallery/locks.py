"""Album-level locks, so that syncs, uploads and moves never work on one album at the same time.

    with album_lock(album.pk):
        ...  # store files, write rows

The lock is held across processes (web server, task worker, management commands) and released when the block
ends, or when the holder dies:

- PostgreSQL: a session-level advisory lock taken on a dedicated connection, so transactions opened, committed
  or rolled back inside the block never touch it; closing that connection releases it.
- SQLite (one host by nature): `flock` on a file under `LOCK_DIR`; the kernel releases it with the process.

A lock that cannot be had within `timeout` seconds raises `LockBusy`; `timeout=0` tries once.
"""

import contextlib
import fcntl
import hashlib
import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)

# First key of PostgreSQL's two-key advisory lock space, so our locks never collide with another program's.
ADVISORY_NAMESPACE = 0x50494348  # "PICH"
POLL_SECONDS = 0.1


class LockBusy(Exception):
    """The lock is held by someone else and was not released within the timeout."""

    def __init__(self, name: str, timeout: float) -> None:
        super().__init__(f"“{name}” is busy (a sync, upload or move is working on it); waited {timeout:g} s")
        self.name = name
        self.timeout = timeout


def lock_key(name: str) -> int:
    """A stable signed 32-bit key for a lock name (PostgreSQL's second advisory key is an int4)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big", signed=True)


def _wait(try_once, name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not try_once():
        if time.monotonic() >= deadline:
            raise LockBusy(name, timeout)
        time.sleep(POLL_SECONDS)


@contextlib.contextmanager
def _postgresql_lock(name: str, timeout: float) -> Iterator[None]:
    connection = connections.create_connection("default")
    try:
        with connection.cursor() as cursor:

            def try_once() -> bool:
                cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [ADVISORY_NAMESPACE, lock_key(name)])
                return bool(cursor.fetchone()[0])

            _wait(try_once, name, timeout)
        yield
    finally:
        connection.close()  # ends the session, which releases the advisory lock


@contextlib.contextmanager
def _file_lock(name: str, timeout: float) -> Iterator[None]:
    directory = Path(settings.LOCK_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{lock_key(name) & 0xFFFFFFFF:08x}.lock"
    with path.open("a") as handle:

        def try_once() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        _wait(try_once, name, timeout)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def named_lock(name: str, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the exclusive lock `name` for the duration of the block; raises LockBusy after `timeout` s."""
    if timeout is None:
        timeout = settings.LOCK_TIMEOUT
    vendor = connections["default"].vendor
    lock = _postgresql_lock if vendor == "postgresql" else _file_lock
    started = time.monotonic()
    with lock(name, timeout):
        logger.debug("lock %s taken after %.2f s", name, time.monotonic() - started)
        yield


@contextlib.contextmanager
def albums_locked(album_ids: Iterable[int], *, timeout: float | None = None) -> Iterator[None]:
    """Hold the locks of several albums, taken in id order so that two holders never wait on each other."""
    with contextlib.ExitStack() as stack:
        for album_id in sorted(set(album_ids)):
            stack.enter_context(album_lock(album_id, timeout=timeout))
        yield


def album_lock(album_id: int, *, timeout: float | None = None) -> contextlib.AbstractContextManager[None]:
    """The lock every writer of an album's photos and files (upload job, sync, move) holds while it works."""
    return named_lock(f"album:{album_id}", timeout=timeout)
