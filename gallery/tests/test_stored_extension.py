"""`stored_extension`: the extension of a storage name, which file URLs carry and views compare against."""

import posixpath

import pytest

from gallery.links import stored_extension

NAMES = [
    ("originals/весна-2026/арт-001/0123456789abcdef.jpg", "jpg"),
    ("thumbnails/a/b/0123456789abcdef-640.WEBP", "webp"),
    ("originals/a.b/noextension", ""),  # a dot in a folder is no extension
    ("originals/a/.hidden", ""),
    ("originals/a/..jpg", ""),
    ("originals/a/photo..heic", "heic"),
    ("plain", ""),
]


@pytest.mark.parametrize(("name", "extension"), NAMES)
def test_the_extension_is_the_last_parts_lower_case_as_splitext_reads_it(name, extension):
    assert stored_extension(name) == extension
    assert posixpath.splitext(name)[1].lstrip(".").lower() == extension
