"""`POST /api/sync` and `GET /api/sync/status`: appadmin only, queued as a task, status and agreement."""

import pytest

from accounts.models import ActionLog
from gallery.locks import named_lock
from gallery.tests.factories import album_make, article_make, image_make
from uploads.models import SyncRun
from uploads.sync import SYNC_LOCK

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_locks")]


@pytest.fixture
def photo():
    return image_make(article_make(album_make("Весна 2026"), "АРТ-001"))


def test_admin_queues_a_sync_and_reads_its_status(
    client, app_admin, photo, media_root, django_capture_on_commit_callbacks
):
    client.force_login(app_admin)
    (media_root / photo.file.name).unlink()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/sync", {"delete_missing": False}, content_type="application/json")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued"
    status = client.get(body["status_url"]).json()
    assert status["run"]["id"] == body["run"]
    assert status["run"]["status"] == "done"
    assert status["run"]["user"] == "appadmin"
    assert status["run"]["counts"]["missing"] == 1
    assert status["in_sync"] is False
    assert status["run"]["problems"][0]["path"] == photo.file.name

    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/sync", {"delete_missing": True}, content_type="application/json")
    status = client.get("/api/sync/status").json()
    assert status["in_sync"] is True
    assert status["last_finished"]["options"]["delete_missing"] is True
    assert ActionLog.objects.filter(action="storage_sync", username="appadmin").count() == 2


def test_status_before_any_run(client, app_admin):
    client.force_login(app_admin)
    assert client.get("/api/sync/status").json() == {"in_sync": None, "last_finished": None, "run": None}


def test_unknown_run_is_404_json(client, app_admin):
    client.force_login(app_admin)
    response = client.get("/api/sync/status", {"run": 999})
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize(
    ("body", "field"), [({"dry_run": "perhaps"}, "dry_run"), ({"dryrun": True}, "dryrun")]
)
def test_bad_options_are_400_naming_the_field(client, app_admin, body, field):
    client.force_login(app_admin)
    response = client.post("/api/sync", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(f"{field}:")
    assert not SyncRun.objects.exists()


def test_a_run_that_meets_another_sync_is_recorded_as_failed(
    client, app_admin, django_capture_on_commit_callbacks
):
    client.force_login(app_admin)
    with named_lock(SYNC_LOCK), django_capture_on_commit_callbacks(execute=True):
        run_id = client.post("/api/sync", {}, content_type="application/json").json()["run"]
    run = SyncRun.objects.get(pk=run_id)
    assert run.status == SyncRun.Status.FAILED
    assert "another sync is running" in run.error


@pytest.mark.parametrize("role_user", ["viewer", "uploader", "no_role_user"])
def test_everyone_else_is_refused_and_logged(client, request, role_user):
    user = request.getfixturevalue(role_user)
    client.force_login(user)
    assert client.post("/api/sync", {}, content_type="application/json").status_code == 403
    assert client.get("/api/sync/status").status_code == 403
    assert not SyncRun.objects.exists()
    assert ActionLog.objects.filter(action=ActionLog.ACCESS_DENIED, username=user.username).count() == 2


def test_anonymous_gets_401(client):
    assert client.post("/api/sync", {}, content_type="application/json").status_code == 401
    assert client.get("/api/sync/status").status_code == 401


def test_both_endpoints_are_in_the_openapi_document(viewer, client):
    client.force_login(viewer)
    paths = client.get("/api/openapi.json").json()["paths"]
    assert "post" in paths["/api/sync"]
    assert "get" in paths["/api/sync/status"]
