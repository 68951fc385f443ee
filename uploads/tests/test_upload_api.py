import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import ActionLog
from gallery.tests.factories import picture_bytes
from uploads.models import UploadJob
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def post_upload(client_as, uploader, django_capture_on_commit_callbacks):
    def post(files: dict[str, bytes], *, user=uploader, client=None, **form):
        client = client or client_as(user)
        data = {"file": [SimpleUploadedFile(name, content) for name, content in files.items()], **form}
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/upload", data)

    return post


def test_an_upload_answers_202_with_the_job_and_its_status_url(post_upload, client):
    response = post_upload(
        {"Зима.zip": zip_bytes({"Зима/SKU/a.jpg": picture_bytes(), "Зима/SKU/b.txt": b"x"})}
    )
    assert response.status_code == 202
    body = response.json()
    assert body["status_url"] == f"/api/uploads/{body['job']}"
    assert body["page_url"] == f"/uploads/{body['job']}/"

    status = client.get(body["status_url"]).json()
    assert (status["status"], status["album"], status["total"], status["added"], status["refused"]) == (
        "done",
        "Зима",
        2,
        1,
        1,
    )
    assert [(r["name"], r["outcome"], r["article"]) for r in status["results"]] == [
        ("Зима/SKU/b.txt", "refused", None),
        ("Зима/SKU/a.jpg", "added", "SKU"),
    ]
    assert status["results"][1]["image"] is not None
    again = client.get(body["status_url"], {"after": status["results_cursor"]}).json()
    assert again["results"] == []
    assert again["results_cursor"] == status["results_cursor"]


def test_single_photos_need_album_and_article(post_upload):
    refused = post_upload({"a.jpg": picture_bytes()})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "not_a_zip"
    accepted = post_upload(
        {"a.jpg": picture_bytes(), "b.jpg": picture_bytes(color=(1, 2, 3))}, album="Лето", article="A-1"
    )
    assert accepted.status_code == 202
    assert UploadJob.objects.get(pk=accepted.json()["job"]).added == 2


def test_a_file_that_is_not_a_zip_is_400(post_upload):
    response = post_upload({"archive.zip": b"this is not a zip at all"})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_a_zip"


def test_a_body_over_the_limit_is_413_before_it_is_read(post_upload, settings, upload_dirs):
    settings.UPLOAD_MAX_BYTES = 0  # the limit plus the 1 MiB multipart envelope
    response = post_upload({"big.zip": zip_bytes({"a.bin": bytes(2 * 1024**2)}, compression=0)})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"
    assert not UploadJob.objects.exists()


def test_viewers_and_anonymous_callers_may_not_upload(post_upload, viewer, client):
    files = {"a.zip": zip_bytes({"a.jpg": picture_bytes()})}
    assert post_upload(files, user=viewer).status_code == 403
    anonymous = post_upload(files, user=None, client=Client())
    assert anonymous.status_code == 401
    assert not UploadJob.objects.exists()


def test_jobs_are_visible_to_their_owner_and_to_administrators(post_upload, make_user, client_as, app_admin):
    from accounts.roles import Role

    job = post_upload({"a.zip": zip_bytes({"a.jpg": picture_bytes()})}).json()["job"]
    other = make_user("other", Role.USER)
    assert Client().get(f"/api/uploads/{job}").status_code == 401
    other_client = Client()
    other_client.force_login(other)
    assert other_client.get(f"/api/uploads/{job}").status_code == 404
    assert client_as(app_admin).get(f"/api/uploads/{job}").status_code == 200


def test_the_status_endpoint_costs_the_same_queries_whatever_the_results(
    post_upload, client, django_assert_max_num_queries
):
    many = {f"SKU/{index}.jpg": picture_bytes(color=(index, 0, 0)) for index in range(12)}
    job = post_upload({"a.zip": zip_bytes(many)}).json()["job"]
    with django_assert_max_num_queries(6):
        body = client.get(f"/api/uploads/{job}").json()
    assert len(body["results"]) == 12


def test_the_upload_is_in_the_action_log(post_upload, uploader):
    post_upload({"a.zip": zip_bytes({"a.jpg": picture_bytes()})})
    entry = ActionLog.objects.get(action="upload")
    assert (entry.username, entry.details["added"]) == ("uploader", 1)


def test_the_upload_appears_in_the_openapi_document(viewer, client):
    client.force_login(viewer)
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "multipart/form-data" in paths["/api/upload"]["post"]["requestBody"]["content"]
    assert "/api/uploads/{job_id}" in paths
