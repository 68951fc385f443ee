"""URLs of protected photo files: by image id and content hash, never a storage path.

The hash prefix makes every URL content-addressed, so responses may be cached as immutable; the views in
`gallery.views` check the capability, find the row and hand its storage name to `gallery.serving`.
"""

from posixpath import splitext

from django.urls import get_script_prefix

from gallery.models import Image, Thumbnail
from gallery.paths import SHA_PREFIX_LENGTH
from gallery.specs import CONTENT_TYPES

FILES_PATH = "files/"


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


def download_url(image: Image, *, base: str | None = None) -> str:
    """`/files/<id>/<sha16>/download`: the original as an attachment under its uploaded file name."""
    return f"{base or file_url_base(image)}/download"


def rendition_url(image: Image, *, size: int, extension: str, base: str | None = None) -> str:
    """`/files/<id>/<sha16>-<size>.<ext>`: one rendition of the ladder."""
    return f"{base or file_url_base(image)}-{size}.{extension}"


def thumbnail_url(image: Image, thumbnail: Thumbnail) -> str:
    """The URL of a Thumbnail row's file (see `rendition_url`)."""
    return rendition_url(image, size=thumbnail.size, extension=stored_extension(thumbnail.file.name))
