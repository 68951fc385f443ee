"""The catalogue's files: with `gallery.file_streams` (reads and writes in parts), the only code that talks
to the media storage.

Originals and thumbnails live under content-addressed names (`gallery.paths`), so storing a file under a
name that is already taken replaces what is there (the same picture, or an orphan of a crashed run). Files
owned by rows are deleted only after the transaction that deleted the rows commits. Every other module
stores, opens, lists and deletes through these functions, so the storage behind them (the filesystem
or S3, `STORAGE_BACKEND`) can change without touching callers.
"""

import contextlib
import datetime
import functools
import hashlib
import logging
import posixpath
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, Storage, default_storage
from django.db import transaction
from django.utils.module_loading import import_string
from storages.backends.s3 import S3Storage

logger = logging.getLogger(__name__)

ORIGINALS_PREFIX = "originals/"
THUMBNAILS_PREFIX = "thumbnails/"
HASH_CHUNK_BYTES = 1024**2
WRITE_THREADS = 8  # `store_many`'s concurrent writes to object storage, for the whole process


def storage() -> Storage:
    """The media storage (Django's default storage, configured by `STORAGES`)."""
    return default_storage


def storage_of(backend: str) -> Storage:
    """A storage other than the configured one, for moving files between them: `filesystem` is the folder
    `MEDIA_ROOT`, `s3` the bucket of the `S3_*`/`AWS_*` settings (or of `STORAGES` when that is S3)."""
    if backend == "filesystem":
        return FileSystemStorage(location=settings.MEDIA_ROOT)
    if backend != "s3":
        raise ValueError(f"unknown storage backend {backend!r}")
    default, backend_path = settings.STORAGES["default"], settings.STORAGE_BACKENDS["s3"]
    options = default.get("OPTIONS", {}) if default["BACKEND"] == backend_path else {}
    if not (options.get("bucket_name") or settings.AWS_STORAGE_BUCKET_NAME):
        raise ImproperlyConfigured("S3_BUCKET is not set: there is no bucket to use")
    return import_string(backend_path)(**options)


def _stream(store: Storage, name: str) -> IO[bytes]:
    """The whole file as a stream: one streamed GET on S3, never downloaded first; FileNotFoundError."""
    if not isinstance(store, S3Storage):
        return store.open(name)
    with missing_as_not_found(name):
        answer = store.connection.meta.client.get_object(
            Bucket=store.bucket_name, Key=store._normalize_name(name)
        )
    return answer["Body"]


def stored_sha256(store: Storage, name: str) -> str | None:
    """The hex SHA-256 of `name` in `store`, streamed; None when there is no such file."""
    try:
        with contextlib.closing(_stream(store, name)) as stream:
            return sha256_of(stream)
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def local_folder(prefix: str) -> Iterator[Path]:
    """The files under `prefix` as a local folder, for readers that need paths (a ZIP's random access).

    On the filesystem it is the storage's own folder; otherwise a temporary copy, streamed in and deleted on
    exit. Raises FileNotFoundError when nothing is stored under `prefix`.
    """
    store_ = storage()
    if isinstance(store_, FileSystemStorage):
        folder = Path(store_.path(prefix))
        if not folder.is_dir():
            raise FileNotFoundError(prefix)
        yield folder
        return
    names = [name for name, _size in walk(prefix)]
    if not names:
        raise FileNotFoundError(prefix)
    with tempfile.TemporaryDirectory(prefix="pichosting-", dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
        for name in names:
            target = Path(folder, name[len(prefix) :])
            target.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.closing(_stream(store_, name)) as source, target.open("wb") as copy:
                shutil.copyfileobj(source, copy, HASH_CHUNK_BYTES)
        yield Path(folder)


def folder_delete(prefix: str) -> None:
    """Delete every file under `prefix` (on the filesystem, the folder), as cleanup: failures are logged."""
    store_ = storage()
    if isinstance(store_, FileSystemStorage):
        shutil.rmtree(store_.path(prefix), ignore_errors=True)
        return
    discard(name for name, _size in walk(prefix))


def modified_at(name: str) -> datetime.datetime:
    """When the stored file `name` was last written (an aware datetime); FileNotFoundError when missing."""
    with missing_as_not_found(name):
        return storage().get_modified_time(name)


def store(name: str, content: bytes | IO[bytes] | File) -> str:
    """Write `content` under `name`, replacing any file already there; returns the stored name."""
    store_ = storage()
    if not _overwrites(store_):  # on S3 the write replaces the object: no HEAD and DELETE per file first
        delete(name)
    if isinstance(content, bytes):
        content = ContentFile(content)
    elif not isinstance(content, File):
        content = File(content, name=name)
    return store_.save(name, content)


def store_many(contents: Sequence[tuple[str, bytes | IO[bytes] | File]]) -> list[str]:
    """Write each `(name, content)` as `store` does; returns the stored names, in order. If a write fails,
    the files written are deleted and the error raised. On object storage the writes run side by side (each
    is a network round trip; a photo's six thumbnails then cost one round trip, not six)."""
    if isinstance(storage(), FileSystemStorage) or len(contents) < 2:
        written: list[str] = []
        try:
            for name, content in contents:
                written.append(store(name, content))
        except BaseException:
            discard(written)
            raise
        return written
    futures = [_writers().submit(store, name, content) for name, content in contents]
    wait(futures)
    failures = [future.exception() for future in futures if future.exception() is not None]
    if failures:
        discard(future.result() for future in futures if future.exception() is None)
        raise failures[0]
    return [future.result() for future in futures]


@functools.cache
def _writers() -> ThreadPoolExecutor:
    """The threads `store_many` writes with, kept for the process's life: each keeps its S3 connection."""
    return ThreadPoolExecutor(max_workers=WRITE_THREADS, thread_name_prefix="storage-write")


def _overwrites(store_: Storage) -> bool:
    """Whether saving under a taken name replaces that file (rather than picking another name)."""
    return bool(getattr(store_, "file_overwrite", False) or getattr(store_, "_allow_overwrite", False))


def copy(source: str, target: str) -> str:
    """Store a copy of the file `source` under `target` (replacing what is there); returns the stored name."""
    with open_file(source) as handle:
        return store(target, handle)


def open_file(name: str, mode: str = "rb") -> File:
    """Open a stored file (a context manager); raises FileNotFoundError (or OSError) if it cannot be read."""
    return storage().open(name, mode)


def exists(name: str) -> bool:
    """Whether a file is stored under `name`."""
    return storage().exists(name)


def size(name: str) -> int:
    """The size in bytes of the stored file `name`; raises FileNotFoundError when there is none."""
    with missing_as_not_found(name):
        return storage().size(name)


@contextlib.contextmanager
def missing_as_not_found(name: str) -> Iterator[None]:
    """Storage errors that mean "no such object" (S3's 404, NoSuchKey) become FileNotFoundError(name)."""
    try:
        yield
    except Exception as error:
        if _is_missing_object(error):
            raise FileNotFoundError(name) from error
        raise


def _is_missing_object(error: Exception) -> bool:
    response = getattr(error, "response", None) or {}
    return str(response.get("Error", {}).get("Code")) in {"404", "NoSuchKey", "NotFound"}


def presigned_url(name: str) -> str | None:
    """A URL that GETs the stored file `name` from the object store for `S3_PRESIGNED_SECONDS`, signed by
    botocore (django-storages' `S3Storage.url()`); None on the filesystem, which has nothing to sign.

    Only nginx fetches it (`gallery.serving`); it is never shown to a browser.
    """
    store = storage()
    if not isinstance(store, S3Storage):
        return None
    return store.url(name)


def sha256_of(handle: IO[bytes]) -> str:
    """The hex SHA-256 of what `handle` holds from its current position, read in chunks."""
    digest = hashlib.sha256()
    while chunk := handle.read(HASH_CHUNK_BYTES):
        digest.update(chunk)
    return digest.hexdigest()


def file_sha256(name: str) -> str:
    """The hex SHA-256 of the stored file `name`."""
    with open_file(name) as handle:
        return sha256_of(handle)


def delete(name: str) -> None:
    """Delete the stored file `name` now (a missing file is no error); storage failures propagate."""
    with contextlib.suppress(FileNotFoundError):
        storage().delete(name)


def discard(names: Iterable[str]) -> None:
    """Delete stored files now, as cleanup: a failure is logged and the others are still deleted."""
    for name in names:
        if not name:
            continue
        try:
            storage().delete(name)
        except OSError:
            logger.exception("could not delete %s from storage", name)


def delete_on_commit(names: Iterable[str]) -> None:
    """Delete stored files once the current transaction commits (never on rollback; at once outside one)."""
    names = [name for name in names if name]
    if names:
        transaction.on_commit(lambda: discard(names))


def walk(prefix: str) -> Iterator[tuple[str, int]]:
    """Every file under `prefix` with its size (one listing call on S3)."""
    store_ = storage()
    bucket = getattr(store_, "bucket", None)
    if bucket is not None and hasattr(store_, "_normalize_name"):  # django-storages S3: sizes come listed
        root = store_._normalize_name(prefix)
        strip = len(root) - len(prefix)
        for summary in bucket.objects.filter(Prefix=root):
            if not summary.key.endswith("/"):
                yield summary.key[strip:], summary.size
        return
    try:
        directories, files = store_.listdir(prefix)
    except FileNotFoundError:
        return
    for name in sorted(files):
        path = posixpath.join(prefix, name)
        yield path, store_.size(path)
    for directory in sorted(directories):
        yield from walk(posixpath.join(prefix, directory) + "/")


def folders(prefix: str) -> list[str]:
    """The names of the folders directly under `prefix`, sorted (none if `prefix` does not exist)."""
    try:
        return sorted(storage().listdir(prefix)[0])
    except FileNotFoundError:
        return []


def top_files(prefix: str) -> list[tuple[str, int]]:
    """The files directly under `prefix` (not in its folders) with their sizes, sorted by name."""
    try:
        names = storage().listdir(prefix)[1]
    except FileNotFoundError:
        return []
    return [(f"{prefix}{name}", size(f"{prefix}{name}")) for name in sorted(names)]


def volume_usage() -> dict:
    """Free and total bytes of the volume holding the media, when the storage is a local filesystem."""
    store_ = storage()
    if not isinstance(store_, FileSystemStorage):
        return {"storage": type(store_).__name__, "free_bytes": None, "total_bytes": None}
    location = Path(store_.location)
    while not location.exists() and location != location.parent:
        location = location.parent
    usage = shutil.disk_usage(location)
    return {"storage": "filesystem", "free_bytes": usage.free, "total_bytes": usage.total}
