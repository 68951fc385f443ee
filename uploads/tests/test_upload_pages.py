import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gallery.specs import FORMATS_DESCRIPTION, PICTURE_FORMATS
from gallery.tests.factories import picture_bytes
from uploads.models import UploadJob
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db


def test_the_upload_page_is_for_uploaders_only(client_as, uploader, viewer):
    page = client_as(uploader).get("/upload/")
    assert page.status_code == 200
    assert b'name="file"' in page.content
    assert b"uploads/upload.js" in page.content
    assert client_as(viewer).get("/upload/").status_code == 403


def test_the_upload_page_names_the_formats_the_validator_accepts(client_as, uploader):
    text = client_as(uploader).get("/upload/").content.decode()
    assert FORMATS_DESCRIPTION in text
    assert all(fmt.label in text for fmt in PICTURE_FORMATS)


def test_the_form_without_javascript_leads_to_the_job_page(
    client_as, uploader, django_capture_on_commit_callbacks
):
    client = client_as(uploader)
    archive = SimpleUploadedFile(
        "Зима.zip", zip_bytes({"Зима/SKU-1/фото.jpg": picture_bytes(), "Зима/SKU-1/x.pdf": b"%PDF"})
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/upload/", {"file": archive, "mode": "add"})
    job = UploadJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/uploads/{job.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Зима/SKU-1/фото.jpg" in text
    assert "a PDF document, not a photo" in text
    assert 'id="job-progress"' in text
    assert f"/api/uploads/{job.pk}" in text


def test_a_refused_upload_shows_the_reason_on_the_form(client_as, uploader):
    response = client_as(uploader).post("/upload/", {"file": SimpleUploadedFile("a.jpg", picture_bytes())})
    assert response.status_code == 400
    assert "give the album and the article" in response.content.decode()


def test_someone_elses_job_page_is_not_found(
    client_as, make_user, uploader, django_capture_on_commit_callbacks
):
    from accounts.roles import Role
    from uploads.intake import upload_job_create

    with django_capture_on_commit_callbacks(execute=True):
        job = upload_job_create(
            user=uploader, files=[SimpleUploadedFile("a.zip", zip_bytes({"a.jpg": picture_bytes()}))]
        )
    assert client_as(make_user("other", Role.USER)).get(f"/uploads/{job.pk}/").status_code == 404


def test_the_admin_lists_jobs_read_only(client_as, app_admin, uploader, django_capture_on_commit_callbacks):
    from uploads.intake import upload_job_create

    with django_capture_on_commit_callbacks(execute=True):
        job = upload_job_create(
            user=uploader, files=[SimpleUploadedFile("a.zip", zip_bytes({"a.jpg": picture_bytes()}))]
        )
    client = client_as(app_admin)
    assert client.get("/admin/uploads/uploadjob/").status_code == 200
    detail = client.get(f"/admin/uploads/uploadjob/{job.pk}/change/")
    assert detail.status_code == 200
    assert b"a.jpg" in detail.content
    assert b'name="_save"' not in detail.content


def test_refusal_reasons_follow_the_readers_language_on_the_page_and_in_the_api(client_as, uploader, ingest):
    job = ingest(
        {"Зима.zip": zip_bytes({"Зима/SKU-1/фото.jpg": picture_bytes(), "Зима/SKU-1/x.html": b"<html>"})}
    )
    client = client_as(uploader)
    russian = client.get(f"/uploads/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    english = client.get(f"/uploads/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "HTML-страница, а не фото" in russian and "an HTML page" not in russian
    assert "an HTML page, not a photo" in english
    results = client.get(f"/api/uploads/{job.pk}", HTTP_ACCEPT_LANGUAGE="ru").json()["results"]
    refused = next(result for result in results if result["outcome"] == "refused")
    assert (refused["code"], refused["reason"]) == ("not_a_picture", "HTML-страница, а не фото")


def test_a_failed_jobs_error_is_shown_in_russian_with_its_values(client_as, uploader, ingest, settings):
    settings.UPLOAD_MAX_ENTRIES = 1
    job = ingest({"a.zip": zip_bytes({"SKU/1.jpg": picture_bytes(), "SKU/2.jpg": picture_bytes()})})
    client = client_as(uploader)
    page = client.get(f"/uploads/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "файлов в архиве: 2; предел — 1" in page
    body = client.get(f"/api/uploads/{job.pk}", HTTP_ACCEPT_LANGUAGE="en").json()
    assert (body["error_code"], body["error"]) == ("too_many_entries", "2 entries; the limit is 1")


def test_an_upload_refused_at_the_door_says_why_in_russian(client_as, uploader):
    response = client_as(uploader).post(
        "/upload/", {"file": SimpleUploadedFile("a.jpg", picture_bytes())}, HTTP_ACCEPT_LANGUAGE="ru"
    )
    assert response.status_code == 400
    assert (
        "Это не ZIP-архив. Чтобы загрузить отдельные фото, укажите альбом и артикул."
        in response.content.decode()
    )
