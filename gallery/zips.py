"""ZIP downloads of originals, streamed: files are read chunk by chunk as the archive goes out, never at once.

Entries are named by `gallery.links.download_name` (`<SKU>_<n>.<ext>`), so photos of different SKUs never
collide; JPEG and other photos are stored uncompressed (they would not shrink).
"""

from collections.abc import Iterable, Iterator

from zipstream import ZIP_STORED, ZipStream

from gallery import files
from gallery.links import download_name
from gallery.models import Image

CHUNK_BYTES = 256 * 1024


def _chunks(name: str) -> Iterator[bytes]:
    with files.open_file(name) as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `stem (2).ext`, `stem (3).ext` … if an earlier entry already has it."""
    candidate, n = name, 1
    stem, dot, extension = name.rpartition(".")
    while candidate in taken:
        n += 1
        candidate = f"{stem} ({n}){dot}{extension}"
    taken.add(candidate)
    return candidate


def zip_of_originals(images: Iterable[Image]) -> Iterator[bytes]:
    """The bytes of a ZIP of the originals of `images` (each with `.article` loaded), produced lazily."""
    archive = ZipStream(compress_type=ZIP_STORED)
    taken: set[str] = set()
    for image in images:
        entry = download_name(sku=image.article.sku, position=image.position, image_format=image.format)
        archive.add(_chunks(image.file.name), _unique(entry, taken), size=image.bytes)
    return iter(archive)
