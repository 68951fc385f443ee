"""Export and public-link counters: rows and duration by format, public link answers by outcome."""

import pytest
from prometheus_client import REGISTRY

from exports.tests.test_public_links import link_path
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


def sample(name: str, labels: dict) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_an_export_counts_its_rows_and_its_duration_once_the_last_byte_is_sent(viewer_client, catalogue):
    rows_before = sample("pichosting_export_rows_total", {"format": "csv"})
    done_before = sample("pichosting_export_duration_seconds_count", {"format": "csv"})
    response = viewer_client.get(
        "/exports/download",
        {"albums": "vesna-2026", "preset": "in_row", "size": "original", "file_format": "csv"},
    )
    assert response.status_code == 200
    rows = int(response["X-Export-Rows"])
    assert rows > 0
    assert sample("pichosting_export_rows_total", {"format": "csv"}) == rows_before + rows
    assert sample("pichosting_export_duration_seconds_count", {"format": "csv"}) == done_before
    b"".join(response.streaming_content)
    assert sample("pichosting_export_duration_seconds_count", {"format": "csv"}) == done_before + 1


def test_public_link_answers_are_counted_by_outcome(client):
    album = album_make("Весна 2026", public_links_enabled=True)
    photo = image_make(article_make(album, "АРТ-1"), width=80, height=60)
    before = {
        outcome: sample("pichosting_public_link_requests_total", {"outcome": outcome})
        for outcome in ("file", "redirect", "not_found")
    }
    assert client.get(link_path(photo)).status_code == 200
    assert client.get(link_path(photo, position=1)).status_code == 302
    assert (
        client.get(link_path(photo).replace(album.link_token, "x" * len(album.link_token))).status_code == 404
    )
    after = {
        outcome: sample("pichosting_public_link_requests_total", {"outcome": outcome}) for outcome in before
    }
    assert after == {outcome: before[outcome] + 1 for outcome in before}
