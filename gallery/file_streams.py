"""Stored files read and written in parts, through the storage `gallery.files` configures.

A `Writer` stores a file while its bytes arrive (an upload's body: an S3 multipart upload, parts held in
memory); `open_range` and `open_random_access` read parts of a stored file without downloading the rest (one
ranged GET each on S3, where django-storages' `S3File` would download the whole object first);
`unfinished_writes_abort` drops the multipart uploads a killed process left. With `gallery.files`, the only
code that talks to the media storage.
"""

import contextlib
import datetime
import io
import os
from pathlib import Path
from typing import IO

from storages.backends.s3 import S3Storage

from gallery import files


class Writer:
    """A file written into the storage under `name` while its bytes arrive (an upload's body, say).

    On S3 a multipart upload (django-storages' `S3File`: parts of `AWS_S3_FILE_BUFFER_SIZE`, 5 MiB, one part
    held in memory, never in a temporary file); on the filesystem a plain file in the storage's folder.
    `commit()` makes it the stored file, replacing any there; `abort()` leaves nothing behind (no object, no
    uploaded parts, no partial file, no folder it made). As a context manager it commits, or aborts when the
    block raises.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._store = files.storage()
        self._folder_made: Path | None = None  # removed again by abort()
        if not isinstance(self._store, S3Storage):
            folder = Path(self._store.path(name)).parent
            self._folder_made = None if folder.is_dir() else folder
            folder.mkdir(parents=True, exist_ok=True)
        self._file = self._store.open(name, "wb")
        if isinstance(self._store, S3Storage):
            self._file.file = io.BytesIO()  # its part buffer, in memory (its own may spill to disk)

    def write(self, data: bytes) -> None:
        self._file.write(data)

    def commit(self) -> None:
        """Store what was written (on S3, complete the multipart upload); aborts when that fails."""
        try:
            self._file.close()
            mode = getattr(self._store, "file_permissions_mode", None)
            if mode is not None:
                os.chmod(self._store.path(self.name), mode)
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop what was written: no object and no pending parts on S3, no file on the filesystem."""
        if isinstance(self._store, S3Storage):
            self._file.file.close()  # S3File.close() would complete the upload
            unfinished_writes_abort(self.name, exact=True)
            return
        with contextlib.suppress(OSError):  # a full disk refuses the last buffered bytes too
            self._file.close()
        with contextlib.suppress(FileNotFoundError):
            os.remove(self._store.path(self.name))
        if self._folder_made is not None:
            with contextlib.suppress(OSError):
                self._folder_made.rmdir()

    def __enter__(self) -> "Writer":
        return self

    def __exit__(self, error_type, error, traceback) -> None:
        if error_type is None:
            self.commit()
        else:
            self.abort()


def unfinished_writes_abort(
    prefix: str, *, exact: bool = False, started_before: datetime.datetime | None = None
) -> list[str]:
    """Abort the S3 multipart uploads under `prefix` (of the name `prefix` itself when `exact`; only those
    started before `started_before` when given), so none of their parts stay; returns their names. The
    filesystem has none: a `Writer` cut off by a killed process leaves a plain file."""
    store_ = files.storage()
    if not isinstance(store_, S3Storage):
        return []
    root = store_._normalize_name(prefix)
    strip = len(root) - len(prefix)
    aborted = []
    for upload in store_.bucket.multipart_uploads.filter(Prefix=root):
        if (exact and upload.object_key != root) or (started_before and upload.initiated >= started_before):
            continue
        upload.abort()
        aborted.append(upload.object_key[strip:])
    return aborted


class _RangedReader(io.RawIOBase):
    """A stored S3 object read by a ranged GET per read: random access, nothing downloaded ahead."""

    def __init__(self, name: str, length: int) -> None:
        self.name, self.length, self.position = name, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.length}[whence]
        self.position = max(0, base + offset)
        return self.position

    def tell(self) -> int:
        return self.position

    def readinto(self, buffer) -> int:
        last = min(self.position + len(buffer), self.length) - 1
        if last < self.position:
            return 0
        with contextlib.closing(open_range(self.name, self.position, last)) as window:
            data = window.read()
        buffer[: len(data)] = data
        self.position += len(data)
        return len(data)


def open_random_access(name: str, length: int) -> IO[bytes]:
    """The stored file `name` of `length` bytes, for reads here and there (a ZIP's directory at its end): on
    S3 each read is one ranged GET, where `open_file` would download the whole object first."""
    if not isinstance(files.storage(), S3Storage):
        return files.open_file(name)
    return io.BufferedReader(_RangedReader(name, length), buffer_size=files.HASH_CHUNK_BYTES // 16)


class _Window:
    """At most `length` bytes of an open binary stream, read in the caller's chunks (a response body)."""

    def __init__(self, stream, length: int) -> None:
        self.stream, self.remaining = stream, length

    def read(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            return b""
        size = self.remaining if size < 0 else min(size, self.remaining)
        data = self.stream.read(size)
        self.remaining -= len(data)
        return data

    def close(self) -> None:
        self.stream.close()


def open_range(name: str, first: int, last: int) -> _Window:
    """A stream of bytes `first`..`last` (inclusive) of the stored file `name`, read in chunks.

    On S3 this is one ranged GET whose body is read as it is sent, never the whole object into memory or a
    temporary file (django-storages' `S3File` downloads all of it first). Raises FileNotFoundError.
    """
    store = files.storage()
    if isinstance(store, S3Storage):
        with files.missing_as_not_found(name):
            answer = store.connection.meta.client.get_object(
                Bucket=store.bucket_name, Key=store._normalize_name(name), Range=f"bytes={first}-{last}"
            )
        return _Window(answer["Body"], last - first + 1)
    handle = files.open_file(name)
    handle.seek(first)
    return _Window(handle, last - first + 1)
