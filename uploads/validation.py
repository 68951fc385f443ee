"""What is accepted as a photo, decided by content, and the limits that keep uploads safe.

`picture_inspect` reads only a file's header: the format by its signature (never by the name's extension)
and the pixel size, so a 40000×40000 PNG is refused before a single pixel is decoded. Known non-pictures
(archives, PDF, SVG, HTML, PHP) are refused with a reason that names them. Whether the pixels themselves
decode (a truncated JPEG) is found out when the thumbnails are made from them
(`gallery.thumbnails.thumbnails_render`); `damaged()` is the refusal to give then.
"""

import warnings
from dataclasses import dataclass
from typing import BinaryIO

from django.conf import settings
from django.utils.translation import gettext, gettext_noop
from PIL import ExifTags, UnidentifiedImageError
from PIL import Image as PILImage

from gallery.specs import FORMAT_EXTENSIONS, FORMATS_DESCRIPTION

# Pillow formats opened at all (everything else is never even parsed). Pillow's JPEG opener reports the
# multi-picture JPEGs of cameras and phones as MPO: they are JPEG files.
PIL_OPEN_FORMATS: tuple[str, ...] = tuple(FORMAT_EXTENSIONS)
FORMAT_ALIASES = {"MPO": "JPEG"}
EXIF_IN_HEADER = frozenset({"JPEG", "MPO", "TIFF", "WEBP"})
SNIFF_BYTES = 1024
# How a ZIP file starts: a local file header, the end record of an empty archive, or a spanned-archive marker.
ZIP_SIGNATURES: tuple[bytes, ...] = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")


@dataclass(frozen=True)
class Limits:
    """The upload limits, each an env setting (see env.example and docs/configuration.md)."""

    upload_bytes: int
    total_bytes: int
    entries: int
    file_bytes: int
    compression_ratio: int
    pixels: int
    name_length: int

    @classmethod
    def current(cls) -> "Limits":
        """The limits as configured now (settings are read at use time, so tests can override them)."""
        return cls(
            upload_bytes=settings.UPLOAD_MAX_BYTES,
            total_bytes=settings.UPLOAD_MAX_TOTAL_BYTES,
            entries=settings.UPLOAD_MAX_ENTRIES,
            file_bytes=settings.UPLOAD_MAX_FILE_BYTES,
            compression_ratio=settings.UPLOAD_MAX_COMPRESSION_RATIO,
            pixels=settings.UPLOAD_MAX_PIXELS,
            name_length=settings.UPLOAD_MAX_NAME_LENGTH,
        )


def _filled(text: str, params: dict) -> str:
    """`text` with `params` in its placeholders; without params, as it is (a stored text may hold braces)."""
    return text.format(**params) if params else text


def refusal_text(template: str, params: dict) -> str:
    """A refusal's text in the active language: `template` (an English msgid) translated, `params` in it."""
    return _filled(gettext(template), params)


class Refused(Exception):
    """A file (or a whole upload) is not accepted.

    `code` is stable for programs. `template` is the English text with `{placeholders}`, marked for
    translation with `gettext_noop`, and `params` fills them (JSON-safe values), so the text can be stored and
    shown later in each reader's language (`refusal_text`); `message` is the English text, for logs and
    operators.
    """

    def __init__(self, code: str, template: str, **params: str | int) -> None:
        self.code = code
        self.template = template
        self.params = params
        self.message = _filled(template, params)
        super().__init__(self.message)


DAMAGED = "damaged"


def damaged(detail: object) -> Refused:
    """The refusal for a picture whose data does not decode (truncated, corrupt)."""
    return Refused(
        DAMAGED, gettext_noop("the picture is damaged or truncated ({detail})"), detail=str(detail)
    )


@dataclass(frozen=True)
class PictureInfo:
    format: str  # Pillow's name of one of gallery.specs.PICTURE_FORMATS
    width: int  # as displayed: EXIF orientation applied
    height: int

    @property
    def extension(self) -> str:
        return FORMAT_EXTENSIONS[self.format]


def megapixels(pixels: int) -> str:
    return f"{pixels / 1_000_000:.1f} MP"


def zip_signature(head: bytes) -> bool:
    """Whether a file whose first bytes are `head` is a ZIP archive by its content."""
    return head.startswith(ZIP_SIGNATURES)


def empty_refusal(size: int) -> Refused | None:
    """The refusal of a file of `size` bytes when it is empty, else None."""
    if size == 0:
        return Refused("empty", gettext_noop("the file is empty"))
    return None


def foreign_content(head: bytes) -> Refused | None:
    """A refusal naming what the file really is when its first bytes show a known non-picture, else None."""
    if zip_signature(head):
        return Refused(
            "nested_archive",
            gettext_noop("a ZIP archive inside the upload: nested archives are not unpacked"),
        )
    if head.startswith((b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07", b"\x1f\x8b")):
        return Refused(
            "nested_archive", gettext_noop("an archive inside the upload: nested archives are not unpacked")
        )
    if head.startswith(b"%PDF"):
        return Refused("not_a_picture", gettext_noop("a PDF document, not a photo"))
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<?php" in head.lower():
        return Refused("not_a_picture", gettext_noop("a PHP script, not a photo"))
    if b"<svg" in text:
        return Refused(
            "not_a_picture", gettext_noop("an SVG drawing: SVG can carry scripts and is not accepted")
        )
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")):
        return Refused("not_a_picture", gettext_noop("an HTML page, not a photo"))
    return None


def picture_inspect(source: BinaryIO, *, max_pixels: int) -> PictureInfo:
    """Format and size of the picture in `source` from its header alone; raises `Refused` with the reason.

    Refused: empty files, known non-pictures, formats outside `gallery.specs.PICTURE_FORMATS`, headers that do
    not parse, and pictures of more than `max_pixels` pixels (before any decoding). `source` is rewound.
    """
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    if refusal := empty_refusal(len(head)):
        raise refusal
    foreign = foreign_content(head)
    if foreign is not None:
        raise foreign
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            with PILImage.open(source, formats=PIL_OPEN_FORMATS) as picture:
                pil_format, (width, height) = picture.format, picture.size
                # Only where EXIF sits in the header: PNG's getexif() would decode the whole picture.
                turned = (
                    pil_format in EXIF_IN_HEADER
                    and width * height <= max_pixels
                    and (picture.getexif().get(ExifTags.Base.Orientation, 1) in (5, 6, 7, 8))
                )
    except PILImage.DecompressionBombError as exc:  # Pillow's own guard, at twice its MAX_IMAGE_PIXELS
        raise Refused(
            "too_many_pixels",
            gettext_noop("more than {pixels}; the limit is {limit}"),
            pixels=megapixels(2 * (PILImage.MAX_IMAGE_PIXELS or 0)),
            limit=megapixels(max_pixels),
        ) from exc
    except UnidentifiedImageError as exc:
        raise Refused(
            "unsupported_format",
            gettext_noop("not a photo in a supported format ({formats}), or its header is damaged"),
            formats=FORMATS_DESCRIPTION,
        ) from exc
    except (OSError, ValueError, SyntaxError, EOFError) as exc:
        raise damaged(exc) from exc
    finally:
        source.seek(0)
    if width * height > max_pixels:
        raise Refused(
            "too_many_pixels",
            gettext_noop("{width}×{height} is {pixels}; the limit is {limit}"),
            width=width,
            height=height,
            pixels=megapixels(width * height),
            limit=megapixels(max_pixels),
        )
    if turned:
        width, height = height, width
    return PictureInfo(format=FORMAT_ALIASES.get(pil_format, pil_format), width=width, height=height)
