import io
import struct
import zlib

import pytest
from django.utils import translation

from gallery.tests.factories import picture_bytes
from uploads.tests.builders import zip_bytes
from uploads.validation import Refused, picture_inspect, refusal_text

LIMIT = 80_000_000


def inspect(data: bytes, max_pixels: int = LIMIT):
    return picture_inspect(io.BytesIO(data), max_pixels=max_pixels)


def png_header_only(width: int, height: int) -> bytes:
    """The signature and IHDR of a PNG claiming `width`×`height`, with a tiny (wrong) IDAT."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 16))


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [("JPEG", "JPEG"), ("PNG", "PNG"), ("WEBP", "WEBP"), ("GIF", "GIF"), ("TIFF", "TIFF"), ("BMP", "BMP")],
)
def test_accepted_formats_are_recognised_by_content(fmt, expected):
    info = inspect(picture_bytes(40, 30, fmt=fmt))
    assert (info.format, info.width, info.height) == (expected, 40, 30)


def test_heic_from_a_phone_is_accepted():
    info = inspect(picture_bytes(64, 48, fmt="HEIF"))
    assert (info.format, info.extension) == ("HEIF", "heic")


def test_a_pixel_bomb_is_refused_from_its_header():
    with pytest.raises(Refused) as refused:
        inspect(png_header_only(40000, 40000))
    assert refused.value.code == "too_many_pixels"
    assert "the limit is 80.0 MP" in refused.value.message


def test_a_picture_just_over_the_limit_names_its_size():
    with pytest.raises(Refused, match=r"9000×9000 is 81\.0 MP; the limit is 80\.0 MP"):
        inspect(png_header_only(9000, 9000))


def test_the_pixel_limit_is_a_setting_value():
    with pytest.raises(Refused, match=r"limit is 0\.0 MP"):
        inspect(picture_bytes(300, 200), max_pixels=1000)


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"", "empty", "empty"),
        (b"<!DOCTYPE html><html><script>alert(1)</script>", "not_a_picture", "HTML"),
        (
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>',
            "not_a_picture",
            "SVG",
        ),
        (b"\xff\xd8\xff\xe0<?php system($_GET['c']); ?>", "not_a_picture", "PHP"),
        (b"%PDF-1.7\n...", "not_a_picture", "PDF"),
        (zip_bytes({"a.jpg": b"x"}), "nested_archive", "nested"),
        (b"GIF89a but not really", "unsupported_format", "header is damaged"),
        (b"just some text that is no picture", "unsupported_format", "supported format"),
        (b"%!PS-Adobe-3.0 EPSF-3.0\n", "unsupported_format", "supported format"),
    ],
)
def test_disguised_and_foreign_content_is_refused_with_a_reason(content, code, words):
    with pytest.raises(Refused) as refused:
        inspect(content)
    assert refused.value.code == code
    assert words in refused.value.message


def test_a_refusal_keeps_its_template_and_values_to_be_shown_in_any_language():
    with pytest.raises(Refused) as refused:
        inspect(png_header_only(9000, 9000))
    assert refused.value.template == "{width}×{height} is {pixels}; the limit is {limit}"
    assert refused.value.params == {"width": 9000, "height": 9000, "pixels": "81.0 MP", "limit": "80.0 MP"}
    assert refused.value.message == "9000×9000 is 81.0 MP; the limit is 80.0 MP"
    with translation.override("ru"):
        assert refusal_text(refused.value.template, refused.value.params) == (
            "9000×9000 — это 81.0 MP; предел — 80.0 MP"
        )


def test_a_text_stored_before_refusals_had_values_is_shown_as_it_is():
    with translation.override("ru"):
        assert refusal_text("the detail {0} came from a library", {}) == "the detail {0} came from a library"
