"""The statistics report, `manage.py statistics` and the admin's statistics page with its charts."""

import io
import json

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse

from gallery.models import Image, Thumbnail
from gallery.services import images_delete
from gallery.tests.factories import album_make, article_make, image_make
from operations.statistics import statistics_collect

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def thumbnail_bytes(images) -> int:
    return sum(Thumbnail.objects.filter(image__in=images).values_list("bytes", flat=True))


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


def test_photos_in_the_trash_leave_the_catalogue_figures_and_are_counted_apart(known_catalogue):
    before = statistics_collect(fresh=True)["catalogue"]
    photo = Image.objects.first()
    images_delete(images=[photo])
    after = statistics_collect(fresh=True)["catalogue"]
    assert after["images"] == before["images"] - 1
    assert after["original_bytes"] == before["original_bytes"] - photo.bytes
    assert after["trash_images"] == 1
    assert after["trash_bytes"] == photo.bytes + thumbnail_bytes([photo])
