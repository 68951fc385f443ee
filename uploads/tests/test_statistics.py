"""Statistics on a known catalogue: the selectors, the cached report, the command and the page."""

import datetime
import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from gallery import selectors
from gallery.models import Image, Thumbnail
from gallery.tests.factories import album_make, article_make, image_make
from uploads.statistics import statistics_collect

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def known_catalogue():
    """Two albums: «Зима» with 2 articles × 2 photos, «Лето» with 1 photo; one photo dated 3 days back."""
    winter, summer = album_make("Зима"), album_make("Лето")
    winter_images = [
        image_make(article_make(winter, sku), width=400, height=300, color=(index * 60, 20, 20))
        for sku in ("A-1", "A-2")
        for index in range(2)
    ]
    summer_image = image_make(article_make(summer, "Б-1"), width=40, height=30)
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    Image.objects.filter(pk=summer_image.pk).update(created_at=three_days_ago)
    return winter_images, summer_image


def thumbnail_bytes(images) -> int:
    return sum(Thumbnail.objects.filter(image__in=images).values_list("bytes", flat=True))


def test_catalogue_totals(known_catalogue):
    winter_images, summer_image = known_catalogue
    everything = [*winter_images, summer_image]
    assert selectors.catalogue_totals() == {
        "albums": 2,
        "articles": 3,
        "images": 5,
        "thumbnails": 5 * 6,
        "original_bytes": sum(image.bytes for image in everything),
        "thumbnail_bytes": thumbnail_bytes(everything),
    }


def test_albums_are_listed_largest_first_with_their_thumbnail_bytes(known_catalogue):
    winter_images, _summer_image = known_catalogue
    albums = selectors.album_sizes(limit=5)
    assert [album["name"] for album in albums] == ["Зима", "Лето"]
    assert albums[0] == {
        "name": "Зима",
        "slug": "zima",
        "articles": 2,
        "images": 4,
        "original_bytes": sum(image.bytes for image in winter_images),
        "thumbnail_bytes": thumbnail_bytes(winter_images),
    }
    assert selectors.album_sizes(limit=1)[0]["name"] == "Зима"


def test_uploads_per_day_and_storage_growth(known_catalogue):
    winter_images, summer_image = known_catalogue
    days = selectors.uploads_per_day(days=90)
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
    assert selectors.uploads_per_day(days=2)[0]["total_bytes"] == summer_bytes  # earlier photos count too


def test_expensive_figures_are_cached_with_their_time(known_catalogue):
    first = statistics_collect()
    image_make(article_make(album_make("Осень"), "X"))
    cached = statistics_collect()
    assert cached["computed_at"] == first["computed_at"]
    assert cached["catalogue"]["images"] == 5
    fresh = statistics_collect(fresh=True)
    assert fresh["catalogue"]["images"] == 6
    assert fresh["computed_at"] > first["computed_at"]


def test_report_covers_database_system_queue_and_space(known_catalogue):
    report = statistics_collect()
    assert report["database"]["engine"] in {"sqlite", "postgresql"}
    assert report["database"]["bytes"] > 0
    table_names = [table["name"] for table in report["database"]["largest_tables"]]
    assert table_names and len(table_names) <= 10
    assert report["system"]["webp"] is True
    assert report["system"]["libjpeg"]
    assert report["media"]["free_bytes"] > 0
    assert report["tasks"]["waiting"] == 0


def test_command_prints_json(known_catalogue):
    out = io.StringIO()
    call_command("statistics", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["catalogue"]["images"] == 5
    assert report["albums"][0]["name"] == "Зима"
    assert len(report["days"]) == 90


def test_command_prints_a_table(known_catalogue):
    out = io.StringIO()
    call_command("statistics", stdout=out)
    text = out.getvalue()
    assert "Photos             5" in text
    assert "Зима" in text


def test_statistics_page_draws_svg_charts(client, app_admin, known_catalogue):
    client.force_login(app_admin)
    content = client.get(reverse("admin:statistics")).content.decode()
    assert content.count('class="ph-chart"') == 2
    assert "<polyline" in content
    assert content.count("<rect") == 90
    assert "cdn" not in content.lower()
    assert "Зима" in content
