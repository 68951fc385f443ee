"""A small real catalogue for export tests: two albums, Cyrillic and zero-padded SKUs, real files."""

import io

import pytest
from openpyxl import load_workbook

from gallery.tests.factories import album_make, article_make, image_make


@pytest.fixture
def catalogue(db):
    """`Весна 2026` (public links on): `00123` (3 photos), `АРТ-001 (синий)` (2); `Зима` (off): `Z-1`."""
    spring = album_make("Весна 2026", public_links_enabled=True)
    zero = article_make(spring, "00123")
    blue = article_make(spring, "АРТ-001 (синий)")
    photos = {
        "00123": [
            image_make(zero, width=1000, height=1300, color=(10, 10, 10), original="00123.jpg"),
            image_make(zero, width=64, height=48, color=(20, 20, 20), original="00123_1.jpg"),
            image_make(zero, width=900, height=1200, fmt="PNG", color=(30, 30, 30), original="00123_2.png"),
        ],
        "АРТ-001 (синий)": [
            image_make(blue, width=1200, height=1600, fmt="WEBP", color=(40, 40, 40), original="синий.webp"),
            image_make(blue, width=700, height=700, color=(50, 50, 50), original="синий_1.jpg"),
        ],
    }
    winter = album_make("Зима")
    photos["Z-1"] = [image_make(article_make(winter, "Z-1"), color=(60, 60, 60))]
    return {"spring": spring, "winter": winter, "photos": photos}


def xlsx_rows(content: bytes) -> list[tuple]:
    """Every row of the first sheet of an XLSX file, read back with openpyxl."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def xlsx_sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]
