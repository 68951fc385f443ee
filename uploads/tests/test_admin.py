"""Upload jobs and sync runs in the admin: readable by appadmin, never editable."""

import pytest
from django.urls import reverse

from uploads.models import SyncRun, UploadJob, UploadResult

pytestmark = pytest.mark.django_db


@pytest.fixture
def job():
    job = UploadJob.objects.create(
        kind=UploadJob.Kind.ARCHIVE, source_name="Зима.zip", spool="/tmp/x", total=2
    )
    UploadResult.objects.create(job=job, entry_index=0, name="Зима/Куртка/фото 1.jpg", outcome="added")
    UploadResult.objects.create(
        job=job, entry_index=1, name="Зима/evil.html", outcome="refused", reason="an HTML page, not a photo"
    )
    return job


def test_job_page_lists_per_file_results(client, app_admin, job):
    client.force_login(app_admin)
    content = client.get(reverse("admin:uploads_uploadjob_change", args=[job.pk])).content.decode()
    assert "Зима/Куртка/фото 1.jpg" in content
    assert "an HTML page, not a photo" in content
    assert (
        "<input"
        not in content.split('id="content-main"', 1)[1].split("</form>", 1)[0].replace('type="hidden"', "")
        or 'name="source_name"' not in content
    )


def test_jobs_and_sync_runs_cannot_be_changed(client, app_admin, job):
    client.force_login(app_admin)
    run = SyncRun.objects.create(trigger=SyncRun.Trigger.COMMAND, counts={"checked": 3}, in_sync=True)
    assert client.get(reverse("admin:uploads_uploadjob_add")).status_code == 403
    assert (
        client.post(reverse("admin:uploads_uploadjob_delete", args=[job.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert (
        client.post(reverse("admin:uploads_syncrun_delete", args=[run.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert "checked 3" in client.get(reverse("admin:uploads_syncrun_changelist")).content.decode()
    assert UploadJob.objects.filter(pk=job.pk).exists()


def test_appadmin_queues_a_sync_from_the_admin(
    client, app_admin, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.LOCK_DIR = tmp_path / "locks"
    client.force_login(app_admin)
    assert 'name="delete_missing"' in client.get(reverse("admin:uploads_syncrun_changelist")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:uploads_syncrun_start"), {"dry_run": "on", "thumbnails": "on"})
    assert response.status_code == 302
    run = SyncRun.objects.get()
    assert (run.status, run.trigger, run.user, run.options["dry_run"]) == ("done", "api", app_admin, True)
    assert client.get(reverse("admin:uploads_syncrun_start")).status_code == 302  # GET starts nothing
    assert SyncRun.objects.count() == 1
