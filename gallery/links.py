"""URLs of protected photo files: by image id and content hash, never a storage path.

The hash prefix makes every URL content-addressed, so responses may be cached as immutable; the views in
`gallery.views` check the capability, find the row and hand its storage name to `gallery.serving`.
"""

import re
import unicodedata
from posixpath import splitext

from django.urls import get_script_prefix

from gallery.models import Image, Thumbnail
from gallery.paths import SHA_PREFIX_LENGTH
from gallery.specs import CONTENT_TYPES, FORMAT_EXTENSIONS

FILES_PATH = "files/"
# Characters no file name may hold on Windows, macOS or Linux (path separators among them).
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|]')


def stored_extension(name: str) -> str:
    """The extension of a storage name, without the dot, lower case."""
    return splitext(name)[1].lstrip(".").lower()


def content_type_of(name: str) -> str:
    """The media type of a stored file, from its (generated) extension."""
    return CONTENT_TYPES.get(stored_extension(name), "application/octet-stream")


def file_url_base(image: Image) -> str:
    """`/files/<id>/<sha16>`: how every URL of this photo's files starts. Building many URLs of one photo,
    compute it once and pass it as `base` (finding the script prefix is the costly part)."""
    return f"{get_script_prefix()}{FILES_PATH}{image.pk}/{image.sha256[:SHA_PREFIX_LENGTH]}"


def original_url(image: Image, *, base: str | None = None) -> str:
    """`/files/<id>/<sha16>.<ext>`: the original, shown inline."""
    return f"{base or file_url_base(image)}.{stored_extension(image.file.name)}"


def download_name(*, sku: str, position: int, image_format: str) -> str:
    """`<SKU>_<n>.<ext>`: the file name a downloaded original gets (alone or in a ZIP), where n is its
    1-based place in the article and ext comes from the detected format, never from the uploaded name.

    Characters no file system accepts and control characters become "_", so SKUs like "A/B" stay one name.
    """
    stem = "".join("_" if unicodedata.category(ch).startswith("C") else ch for ch in sku)
    stem = _UNSAFE_IN_FILE_NAMES.sub("_", stem).strip(" .") or "photo"
    return f"{stem}_{position + 1}.{FORMAT_EXTENSIONS.get(image_format, 'bin')}"


def download_url(image: Image, *, base: str | None = None) -> str:
    """`/files/<id>/<sha16>/download`: the original as an attachment named by `download_name`."""
    return f"{base or file_url_base(image)}/download"


def rendition_url(image: Image, *, size: int, extension: str, base: str | None = None) -> str:
    """`/files/<id>/<sha16>-<size>.<ext>`: one rendition of the ladder."""
    return f"{base or file_url_base(image)}-{size}.{extension}"


def thumbnail_url(image: Image, thumbnail: Thumbnail) -> str:
    """The URL of a Thumbnail row's file (see `rendition_url`)."""
    return rendition_url(image, size=thumbnail.size, extension=stored_extension(thumbnail.file.name))
