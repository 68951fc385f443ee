"""Out-of-range input gets a 400 naming the field, never a 500 (dates past year 9999, ids past 64 bits)."""

import pytest

from gallery.tests.factories import album_make, article_make
from uploads.models import UploadJob

pytestmark = pytest.mark.django_db

TOO_BIG = "99999999999999999999"  # over 2**64: orjson cannot even echo it back


@pytest.fixture
def album():
    found = album_make("Весна 2026")
    article_make(found, "АРТ-001")
    return found


@pytest.mark.parametrize("field", ["uploaded_to", "uploaded_from"])
@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01"])
def test_album_page_dates_out_of_range_are_400_naming_the_field(client_as, viewer, album, field, day):
    response = client_as(viewer).get(f"/a/{album.slug}/", {field: day}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert f'name="{field}"' in html and "Ensure this value is" in html


def test_album_page_keeps_working_at_the_last_accepted_day(client_as, viewer, album):
    response = client_as(viewer).get(f"/a/{album.slug}/", {"uploaded_to": "9999-12-30"})
    assert response.status_code == 200


def test_export_api_dates_out_of_range_are_400_naming_the_field(client_as, viewer, album):
    response = client_as(viewer).post(
        "/api/export-preview",
        {"albums": [album.name], "uploaded_to": "9999-12-31"},
        content_type="application/json",
    )
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and "uploaded_to" in error["message"]


@pytest.mark.parametrize(
    "query, field",
    [(f"after={TOO_BIG}", "after"), ("after=-1", "after"), ("limit=0", "limit"), ("limit=100000", "limit")],
)
def test_upload_status_cursor_and_limit_out_of_range_are_400(client_as, uploader, query, field):
    job = UploadJob.objects.create(
        kind=UploadJob.Kind.ARCHIVE, source_name="a.zip", spool="/x", user=uploader
    )
    response = client_as(uploader).get(f"/api/uploads/{job.pk}?{query}")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and field in error["message"]


def test_ids_past_64_bits_are_400_not_a_database_error(client_as, uploader, app_admin):
    response = client_as(uploader).get(f"/api/uploads/{TOO_BIG}")
    assert response.status_code == 400 and "job_id" in response.json()["error"]["message"]
    response = client_as(app_admin).get(f"/api/sync/status?run={TOO_BIG}")
    assert response.status_code == 400 and "run" in response.json()["error"]["message"]
