"""The ingest's work on pool threads: read one photo, hash and check it, render it, store its files.

Nothing here touches the database; the job's own thread (`uploads.ingest`) writes every row.
"""

import threading
import zipfile
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.core.files import File

from gallery import files
from gallery.models import Image, Thumbnail
from gallery.thumbnails import RenderedThumbnail, thumbnail_files_store, thumbnails_render
from uploads.archive import Entry, entry_read
from uploads.validation import Limits, PictureInfo, damaged, picture_inspect


class ThreadArchives:
    """One open ZipFile per pool thread (ZipFile reads share a file position), all closed at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()
        self.opened: list[zipfile.ZipFile] = []
        self.lock = threading.Lock()

    def get(self) -> zipfile.ZipFile:
        archive = getattr(self.local, "archive", None)
        if archive is None:
            archive = self.local.archive = zipfile.ZipFile(self.path)
            with self.lock:
                self.opened.append(archive)
        return archive

    def __enter__(self) -> "ThreadArchives":
        return self

    def __exit__(self, *exc_info) -> None:
        for archive in self.opened:
            archive.close()


@dataclass
class Prepared:
    """A photo read, hashed and checked; `source` is open at its start and owned by the holder."""

    entry: Entry
    source: BinaryIO
    sha256: str
    info: PictureInfo


def photo_prepare(entry: Entry, *, archive: Callable[[], zipfile.ZipFile | None], limits: Limits) -> Prepared:
    """Read the entry, hash it, check its content (no decoding); raises `Refused`."""
    source = entry_read(archive(), entry, limits=limits)
    try:
        sha256 = files.sha256_of(source)
        source.seek(0)
        info = picture_inspect(source, max_pixels=limits.pixels)
    except BaseException:
        source.close()
        raise
    return Prepared(entry, source, sha256, info)


def photo_render(prepared: Prepared) -> list[RenderedThumbnail]:
    """Make the thumbnails of a prepared photo from one decode; raises `Refused` when the decoder fails."""
    try:
        return thumbnails_render(prepared.source)
    except Exception as exc:  # any decoder failure means the picture's data is bad
        raise damaged(exc) from exc


def photo_store(prepared: Prepared, image: Image, rendered: Future) -> tuple[Image, list[Thumbnail]]:
    """Once `rendered` (a `photo_render` future) is done, store the original and the thumbnails; closes the
    source. Runs on its own thread, so a photo's storage round trips overlap the next photo's rendering.

    Raises `Refused` when the decoder failed; leaves no file of its own behind when storing fails.
    """
    with prepared.source as source:
        thumbnails = rendered.result()
        source.seek(0)
        name = image.file.name  # anything already there is an orphan of a killed run, named in its journal
        image.file.name = files.store(name, File(source, name=name))
    try:
        stored = thumbnail_files_store(image=image, rendered=thumbnails)
    except BaseException:
        files.delete(image.file.name)
        raise
    return image, stored
