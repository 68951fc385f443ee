"""The task worker's periodic duties: here, purging what has been in the trash longer than TRASH_DAYS."""

import datetime

import pytest
from django.utils import timezone

from gallery import files
from gallery.models import Image
from gallery.services import images_delete
from gallery.tests.factories import image_make
from uploads import worker

pytestmark = pytest.mark.django_db


def test_the_duties_purge_the_expired_trash_and_keep_the_rest(
    settings, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(worker, "close_old_connections", lambda: None)  # the test's transaction stays open
    monkeypatch.setattr(worker, "connections_close", lambda: None)
    settings.TRASH_DAYS = 30
    expired, recent = image_make(color=(1, 1, 1)), image_make(color=(9, 9, 9))
    images_delete(images=[expired, recent])
    Image.all_objects.filter(pk=expired.pk).update(deleted_at=timezone.now() - datetime.timedelta(days=31))
    with django_capture_on_commit_callbacks(execute=True):
        worker.Duties(worker.Outage()).run_once()
    assert list(Image.all_objects.values_list("pk", flat=True)) == [recent.pk]
    assert not files.exists(expired.file.name) and files.exists(recent.file.name)
