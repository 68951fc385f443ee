"""`sync_storage` and `/healthz` against a real S3-compatible server (SeaweedFS, started on 127.0.0.1)
through django-storages' S3 backend: the same code that runs on the filesystem, with no special cases."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from storages.backends.s3 import S3Storage

from gallery import files
from gallery.models import Album, Image
from gallery.specs import THUMBNAIL_SPECS
from gallery.tests.factories import album_make, article_make, image_make, picture_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_storage(s3_media):
    server, bucket = s3_media
    assert isinstance(files.storage(), S3Storage)
    return server.client(), bucket


def keys(client, bucket) -> set[str]:
    return {item["Key"] for item in client.list_objects_v2(Bucket=bucket).get("Contents", [])}


def run_sync(capture, *args) -> tuple[int, str]:
    out = io.StringIO()
    with capture(execute=True):
        try:
            call_command("sync_storage", *args, stdout=out, stderr=io.StringIO())
        except CommandError:
            return 1, out.getvalue()
    return 0, out.getvalue()


def test_sync_reconciles_an_s3_bucket(s3_storage, django_capture_on_commit_callbacks, settings, tmp_path):
    settings.LOCK_DIR = tmp_path / "locks"
    client, bucket = s3_storage
    kept = image_make(article_make(album_make("Весна 2026"), "АРТ-001"), color=(1, 2, 3))
    lost = image_make(kept.article, color=(200, 2, 3))
    assert kept.file.name in keys(client, bucket)
    client.delete_object(Bucket=bucket, Key=lost.file.name)
    files.store("incoming/Зима/Куртка-01/фото 1.jpg", ContentFile(picture_bytes(color=(9, 200, 9))))
    files.store("thumbnails/gone/x/0123456789abcdef-160.jpg", ContentFile(b"orphan"))

    status, out = run_sync(django_capture_on_commit_callbacks, "--delete-missing", "--thumbnails")
    assert status == 0, out
    winter = Album.objects.get(name="Зима")
    added = Image.objects.get(album=winter)
    assert added.original_name == "фото 1.jpg"
    stored = keys(client, bucket)
    assert added.file.name in stored
    assert {thumb.file.name for thumb in added.thumbnails.all()} <= stored
    assert added.thumbnails.count() == len(THUMBNAIL_SPECS)
    assert not Image.objects.filter(pk=lost.pk).exists()
    assert not [key for key in stored if key.startswith(("incoming/", "thumbnails/gone/"))]

    status, out = run_sync(django_capture_on_commit_callbacks, "--delete-missing", "--thumbnails")
    assert status == 0
    assert "storage and database agree" in out
    assert keys(client, bucket) == stored


def test_healthz_checks_s3(s3_storage, client):
    response = client.get("/healthz?deep=1")
    assert response.status_code == 200
    assert response.json()["checks"]["storage"] == "ok"
