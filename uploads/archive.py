"""Reading an uploaded ZIP safely: which entries are photos to try, junk to skip, or refused, and why.

Every decision is taken from the central directory before anything is inflated (entry count, total and
per-entry sizes, compression ratio, encryption, symbolic links, name length); while an entry is inflated its
real size is counted too, so an entry that lies about its size is stopped at the limit.
"""

import stat
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.utils.translation import gettext_noop

from core.text import text_clean
from uploads.names import entry_name_decode, is_junk, path_parts
from uploads.validation import Limits, Refused, empty_refusal

SUPPORTED_COMPRESSION = frozenset(
    {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
)
RATIO_FLOOR_BYTES = 1024**2  # smaller entries cannot be bombs worth refusing, whatever their ratio
CHUNK_BYTES = 1024**2
SPOOL_MEMORY_BYTES = 8 * 1024**2  # an entry is kept in memory up to this size, on disk beyond


@dataclass
class Entry:
    """One file of an upload: a ZIP member (`info`) or a single uploaded file (`path`)."""

    index: int
    name: str
    parts: list[str]
    size: int
    info: zipfile.ZipInfo | None = None
    path: Path | None = None
    ignored: bool = False
    refusal: Refused | None = field(default=None)


def _file_too_large(size: int, limits: Limits) -> Refused:
    return Refused(
        "file_too_large",
        gettext_noop("{size} bytes; the limit per file is {limit} bytes"),
        size=size,
        limit=limits.file_bytes,
    )


def _name_too_long(name: str, limits: Limits) -> Refused:
    return Refused(
        "name_too_long",
        gettext_noop("the name has {count} characters; the limit is {limit}"),
        count=len(name),
        limit=limits.name_length,
    )


def entry_check(info: zipfile.ZipInfo, *, limits: Limits) -> Refused | None:
    """Why a ZIP member must be refused without inflating it, or None."""
    if stat.S_ISLNK(info.external_attr >> 16):
        return Refused("symlink", gettext_noop("a symbolic link, not a file"))
    if info.flag_bits & 0x1:
        return Refused("encrypted", gettext_noop("the entry is encrypted (password-protected ZIP)"))
    if info.compress_type not in SUPPORTED_COMPRESSION:
        return Refused(
            "unsupported_compression",
            gettext_noop("compression method {method} is not supported"),
            method=info.compress_type,
        )
    if refusal := empty_refusal(info.file_size):
        return refusal
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size >= RATIO_FLOOR_BYTES and ratio > limits.compression_ratio:
        return Refused(
            "compression_ratio",
            gettext_noop("compressed {ratio}:1, more than the allowed {limit}:1 (a ZIP bomb?)"),
            ratio=f"{ratio:.0f}",
            limit=limits.compression_ratio,
        )
    if info.file_size > limits.file_bytes:
        return _file_too_large(info.file_size, limits)
    return None


def archive_entries(archive: zipfile.ZipFile, *, limits: Limits) -> list[Entry]:
    """Every member of `archive` with its decoded name and verdict; raises `Refused` for the whole archive
    when it has too many entries or inflates to more than the total limit."""
    infos = archive.infolist()
    if len(infos) > limits.entries:
        raise Refused(
            "too_many_entries",
            gettext_noop("{count} entries; the limit is {limit}"),
            count=len(infos),
            limit=limits.entries,
        )
    total = sum(info.file_size for info in infos)
    if total > limits.total_bytes:
        raise Refused(
            "archive_too_large",
            gettext_noop("unpacks to {size} bytes; the limit is {limit} bytes"),
            size=total,
            limit=limits.total_bytes,
        )
    entries = []
    for index, info in enumerate(infos):
        name = entry_name_decode(info)
        parts = path_parts(name)
        entry = Entry(index=index, name=name, parts=parts, size=info.file_size, info=info)
        if info.is_dir() or not parts or is_junk(parts):
            entry.ignored = True
        elif len(name) > limits.name_length:
            entry.refusal = _name_too_long(name, limits)
        else:
            entry.refusal = entry_check(info, limits=limits)
        entries.append(entry)
    return entries


def file_entry(index: int, *, name: str, path: Path, limits: Limits) -> Entry:
    """A single uploaded file as an entry (its name is the browser's file name, cleaned)."""
    name = text_clean(name)
    parts = path_parts(name)[-1:] or [f"file-{index + 1}"]
    size = path.stat().st_size
    entry = Entry(index=index, name=name, parts=parts, size=size, path=path)
    if refusal := empty_refusal(size):
        entry.refusal = refusal
    elif size > limits.file_bytes:
        entry.refusal = _file_too_large(size, limits)
    elif len(name) > limits.name_length:
        entry.refusal = _name_too_long(name, limits)
    return entry


def entry_read(archive: zipfile.ZipFile | None, entry: Entry, *, limits: Limits) -> BinaryIO:
    """The entry's bytes in a rewound spooled temporary file (memory for small, disk for large ones).

    Raises `Refused` when the data is damaged (bad CRC, truncated) or grows past the per-file limit.
    """
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115 (returned open)
    written = 0
    try:
        with archive.open(entry.info) if entry.info is not None else entry.path.open("rb") as stream:
            while chunk := stream.read(CHUNK_BYTES):
                written += len(chunk)
                if written > limits.file_bytes:
                    raise Refused(
                        "file_too_large",
                        gettext_noop("inflates past the limit of {limit} bytes"),
                        limit=limits.file_bytes,
                    )
                spooled.write(chunk)
    except Refused:
        spooled.close()
        raise
    except (zipfile.BadZipFile, EOFError, OSError, NotImplementedError, RuntimeError) as exc:
        spooled.close()
        raise Refused(
            "damaged_entry", gettext_noop("the archive entry is damaged ({detail})"), detail=str(exc)
        ) from exc
    spooled.seek(0)
    return spooled
