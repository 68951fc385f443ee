"""The files of background exports in the media storage, all under `exports/`, through `gallery.files`."""

import secrets
from collections.abc import Iterable

from django.core.files import File

from gallery import file_streams, files

EXPORTS_PREFIX = "exports/"


def export_file_name(job_id: int, extension: str) -> str:
    """A fresh storage name for job `job_id`'s file: unguessable, so it never meets an older one."""
    return f"{EXPORTS_PREFIX}{job_id}-{secrets.token_hex(8)}.{extension}"


def export_file_write(name: str, chunks: Iterable[bytes]) -> int:
    """Store `chunks` under `name` as they come; its size. Nothing is left under `name` when this raises."""
    written = 0
    with file_streams.Writer(name) as writer:
        for chunk in chunks:
            writer.write(chunk)
            written += len(chunk)
    return written


def export_files_left_clear(job_id: int) -> list[str]:
    """Remove what an earlier run of job `job_id`, cut off when its worker died, left in the storage: a file
    its row never named, the parts of an unfinished upload. Returns their names."""
    stem = f"{EXPORTS_PREFIX}{job_id}-"
    left = [name for name, _size in files.walk(EXPORTS_PREFIX) if name.startswith(stem)]
    files.discard(left)
    return left + file_streams.unfinished_writes_abort(stem)


def export_file_open(name: str) -> File:
    """Open a stored export for reading (a context manager); raises FileNotFoundError when it is gone."""
    return files.open_file(name)


def export_files_delete_on_commit(names: Iterable[str]) -> None:
    """Delete stored exports once the transaction deleting their jobs commits (a missing one is no error)."""
    files.delete_on_commit(names)
