"""The action log gets an entry from each kind of work: uploads, exports, admin changes, syncs, denials."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from accounts.models import ActionLog
from exports.services import EXPORT_ACTION
from gallery.models import Album
from gallery.tests.factories import picture_bytes
from uploads.intake import upload_job_create
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db


def test_every_kind_of_work_reaches_the_action_log(
    settings, tmp_path, uploader, viewer, app_admin, django_capture_on_commit_callbacks
):
    settings.LOCK_DIR = tmp_path / "locks"
    archive = zip_bytes({"Зима/Куртка-01/фото 1.jpg": picture_bytes()})
    with django_capture_on_commit_callbacks(execute=True):
        upload_job_create(user=uploader, files=[SimpleUploadedFile("Зима.zip", archive, "application/zip")])
    album = Album.objects.get(name="Зима")

    viewer_client = Client()
    viewer_client.force_login(viewer)
    export = viewer_client.get("/api/export-csv", {"albums": "Зима"})
    assert export.status_code == 200
    assert "Артикул" in b"".join(export.streaming_content).decode("utf-8-sig")
    assert viewer_client.get(reverse("admin:index")).status_code == 403

    admin_client = Client()
    admin_client.force_login(app_admin)
    renamed = admin_client.post(
        reverse("admin:gallery_album_change", args=[album.pk]), {"name": "Зима 2026", "description": ""}
    )
    assert renamed.status_code == 302
    with django_capture_on_commit_callbacks(execute=True):
        call_command("sync_storage", stdout=io.StringIO(), stderr=io.StringIO())

    logged = set(ActionLog.objects.values_list("action", "username"))
    assert {
        ("upload", "uploader"),
        (EXPORT_ACTION, "viewer"),
        (ActionLog.ACCESS_DENIED, "viewer"),
        ("admin_change", "appadmin"),
        ("storage_sync", "manage.py sync_storage"),
    } <= logged
