"""The catalogue's figures for operations: totals, albums by size, uploads per day and storage growth."""

import pytest
from django.utils import timezone

from gallery import catalogue_figures
from gallery.models import Thumbnail

pytestmark = pytest.mark.django_db


def thumbnail_bytes(images) -> int:
    return sum(Thumbnail.objects.filter(image__in=images).values_list("bytes", flat=True))


def test_catalogue_totals(known_catalogue):
    winter_images, summer_image = known_catalogue
    everything = [*winter_images, summer_image]
    assert catalogue_figures.catalogue_totals() == {
        "albums": 2,
        "articles": 3,
        "images": 5,
        "thumbnails": 5 * 6,
        "original_bytes": sum(image.bytes for image in everything),
        "thumbnail_bytes": thumbnail_bytes(everything),
        "trash_images": 0,
        "trash_bytes": 0,
    }


def test_albums_are_listed_largest_first_with_their_thumbnail_bytes(known_catalogue):
    winter_images, _summer_image = known_catalogue
    albums = catalogue_figures.album_sizes(limit=5)
    assert [album["name"] for album in albums] == ["Зима", "Лето"]
    assert albums[0] == {
        "name": "Зима",
        "slug": "zima",
        "articles": 2,
        "images": 4,
        "original_bytes": sum(image.bytes for image in winter_images),
        "thumbnail_bytes": thumbnail_bytes(winter_images),
    }
    assert catalogue_figures.album_sizes(limit=1)[0]["name"] == "Зима"


def test_uploads_per_day_and_storage_growth(known_catalogue):
    winter_images, summer_image = known_catalogue
    days = catalogue_figures.uploads_per_day(days=90)
    assert len(days) == 90
    assert days[-1]["day"] == timezone.localdate()
    assert [day["images"] for day in days[-4:]] == [1, 0, 0, 4]
    summer_bytes = summer_image.bytes + thumbnail_bytes([summer_image])
    assert days[-4]["bytes"] == summer_bytes
    assert days[-5]["total_bytes"] == 0
    assert days[-2]["total_bytes"] == summer_bytes
    assert days[-1]["total_bytes"] == summer_bytes + sum(image.bytes for image in winter_images) + (
        thumbnail_bytes(winter_images)
    )
    assert (
        catalogue_figures.uploads_per_day(days=2)[0]["total_bytes"] == summer_bytes
    )  # earlier photos count too
