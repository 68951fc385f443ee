"""URLs of protected photo files (by image id and content hash, never a storage path); public link bases.

The hash prefix makes every URL content-addressed, so responses may be cached as immutable; the views in
`gallery.views` check the capability, find the row and hand its storage name to `gallery.serving`.
"""

import re
import unicodedata

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from gallery.models import Image, Thumbnail
from gallery.paths import SHA_PREFIX_LENGTH
from gallery.specs import CONTENT_TYPES, FORMAT_EXTENSIONS

FILES_PATH = "files/"
# Characters no file name may hold on Windows, macOS or Linux (path separators among them).
_UNSAFE_IN_FILE_NAMES = re.compile(r'[\\/:*?"<>|]')


def stored_extension(name: str) -> str:
    """The extension of a storage name, without the dot, lower case ("" if its last part has none); as
    `os.path.splitext` reads it, in a sixth of the time (an API page works out 500)."""
    stem, _, extension = name.rpartition("/")[2].rpartition(".")
    return extension.lower() if stem.strip(".") else ""


def content_type_of(name: str) -> str:
    """The media type of a stored file, from its (generated) extension."""
    return CONTENT_TYPES.get(stored_extension(name), "application/octet-stream")


def files_url_prefix(origin: str = "") -> str:
    """`<origin>/files/`: how every file URL starts. Building many URLs, work it out once and pass it on as
    `prefix` (finding the script prefix is the costly part)."""
    return f"{origin}{get_script_prefix()}{FILES_PATH}"


def photo_url_base(image_id: int, sha256: str, *, prefix: str | None = None) -> str:
    """`<prefix><id>/<sha16>`: how every URL of one photo's files starts (prefix: `files_url_prefix()`)."""
    return f"{files_url_prefix() if prefix is None else prefix}{image_id}/{sha256[:SHA_PREFIX_LENGTH]}"


def file_url_base(image: Image) -> str:
    """`/files/<id>/<sha16>` of `image` (see `photo_url_base`)."""
    return photo_url_base(image.pk, image.sha256)


def original_url(image: Image) -> str:
    """`/files/<id>/<sha16>.<ext>`: the original, shown inline."""
    return original_url_at(file_url_base(image), image.file.name)


def original_url_at(base: str, stored_name: str) -> str:
    """The original's URL from its photo's `base` (`photo_url_base`) and its storage name."""
    return f"{base}.{stored_extension(stored_name)}"


def download_name(*, sku: str, position: int, image_format: str) -> str:
    """`<SKU>_<n>.<ext>`: the file name a downloaded original gets (alone or in a ZIP), where n is its
    1-based place in the article and ext comes from the detected format, never from the uploaded name.

    Characters no file system accepts and control characters become "_", so SKUs like "A/B" stay one name.
    """
    return f"{file_stem_safe(sku)}_{position + 1}.{FORMAT_EXTENSIONS.get(image_format, 'bin')}"


def file_stem_safe(text: str) -> str:
    """`text` usable as a file name on any system: control and forbidden characters become "_"."""
    stem = "".join("_" if unicodedata.category(ch).startswith("C") else ch for ch in text)
    return _UNSAFE_IN_FILE_NAMES.sub("_", stem).strip(" .") or "photo"


def download_url(image: Image) -> str:
    """`/files/<id>/<sha16>/download`: the original as an attachment named by `download_name`."""
    return download_url_at(file_url_base(image))


def download_url_at(base: str) -> str:
    """The download URL from its photo's `base` (`photo_url_base`)."""
    return f"{base}/download"


def rendition_url(image: Image, *, size: int, extension: str) -> str:
    """`/files/<id>/<sha16>-<size>.<ext>`: one rendition of the ladder."""
    return rendition_url_at(file_url_base(image), size=size, extension=extension)


def rendition_url_at(base: str, *, size: int, extension: str) -> str:
    """A rendition's URL from its photo's `base` (`photo_url_base`)."""
    return f"{base}-{size}.{extension}"


def thumbnail_url(image: Image, thumbnail: Thumbnail) -> str:
    """The URL of a Thumbnail row's file (see `rendition_url`)."""
    return rendition_url(image, size=thumbnail.size, extension=stored_extension(thumbnail.file.name))


def request_origin(request: HttpRequest) -> str:
    """`scheme://host[:port]` the request came to (behind a proxy: as the proxy forwarded it)."""
    return request.build_absolute_uri("/").rstrip("/")


def public_base_url(request: HttpRequest | None = None) -> str:
    """What public links start with: `PUBLIC_BASE_URL` when set, else the origin of `request`."""
    if settings.PUBLIC_BASE_URL or request is None:
        return settings.PUBLIC_BASE_URL
    return request_origin(request)


def public_base_mismatch(request: HttpRequest) -> str:
    """The configured `PUBLIC_BASE_URL` when it differs from the origin the user is on, else ""."""
    configured = settings.PUBLIC_BASE_URL
    return configured if configured and configured != request_origin(request) else ""


def public_original_url(image: Image, *, base_url: str) -> str:
    """The public link of this exact original (`exports.links.public_link` builds the same for sheets).

    Only meaningful while the album's public links are on; `image.article` and `.album` must be loaded.
    """
    name = f"{image.sha256[:SHA_PREFIX_LENGTH]}.{stored_extension(image.file.name)}"
    token, slug = image.album.link_token, image.article.slug
    return base_url + reverse("exports:public_file", args=[token, slug, name])
