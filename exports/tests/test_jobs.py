"""Background exports: over EXPORT_BACKGROUND_ROWS the task worker writes the file; only its requester (or an
appadmin) sees and downloads it; it says how far it got, why it failed, and goes after the retention."""

import datetime
import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from exports.files import EXPORTS_PREFIX
from exports.jobs import export_job_run, export_jobs_expire
from exports.models import ExportJob
from exports.tasks import export_job_process
from exports.tests.conftest import xlsx_rows
from gallery import files
from uploads.worker import DUTIES, LEASED_TASKS

pytestmark = pytest.mark.django_db

QUERY = {"albums": "vesna-2026", "file_format": "xlsx"}


@pytest.fixture(autouse=True)
def small_threshold(settings):
    settings.EXPORT_BACKGROUND_ROWS = 1  # the catalogue's two in_row rows go to the background


def stored_exports(media_root) -> list:
    folder = media_root / EXPORTS_PREFIX
    return sorted(folder.iterdir()) if folder.exists() else []


def test_a_large_download_becomes_a_job_whose_page_links_the_file(
    viewer_client, catalogue, media_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer_client.get("/exports/download", QUERY)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/exports/jobs/{job.pk}/"
    page = viewer_client.get(response["Location"]).content.decode()
    assert f"/exports/jobs/{job.pk}/file" in page and 'http-equiv="refresh"' not in page
    download = viewer_client.get(f"/exports/jobs/{job.pk}/file")
    assert download["Content-Disposition"].startswith('attachment; filename="links_')
    rows = xlsx_rows(b"".join(download.streaming_content))
    assert [row[0] for row in rows[1:]] == ["00123", "АРТ-001 (синий)"]
    assert len(stored_exports(media_root)) == 1


def test_below_the_threshold_the_sheet_still_streams(viewer_client, catalogue, settings):
    settings.EXPORT_BACKGROUND_ROWS = 2
    response = viewer_client.get("/exports/download", QUERY)
    assert response.status_code == 200 and response.streaming and not ExportJob.objects.exists()


def test_a_queued_job_shows_its_progress_and_reloads(viewer_client, catalogue):
    viewer_client.get("/exports/download", QUERY)  # on_commit never runs: the job stays queued
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(rows_done=1)
    with translation.override("ru"):
        page = viewer_client.get(f"/exports/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert 'http-equiv="refresh"' in page and '<progress max="100" value="50">' in page
    assert viewer_client.get(f"/exports/jobs/{job.pk}/file").status_code == 404


def test_api_answers_202_with_the_job_then_its_file(
    viewer_client, catalogue, django_capture_on_commit_callbacks
):
    payload = json.dumps({"albums": ["Весна 2026"], "layout": "per_image"})
    with django_capture_on_commit_callbacks(execute=True):
        response = viewer_client.post("/api/export-csv", data=payload, content_type="application/json")
    assert response.status_code == 202
    status = viewer_client.get(response["Location"]).json()
    assert status["status"] == "done" and status["rows_total"] == status["rows_done"] == 5
    assert status["download_url"].endswith(f"/api/export-jobs/{status['id']}/file")
    content = b"".join(viewer_client.get(status["download_url"]).streaming_content).decode("utf-8-sig")
    assert len(content.splitlines()) == 6


def test_api_file_of_an_unfinished_job_is_409(viewer_client, catalogue):
    response = viewer_client.post(
        "/api/export-xlsx", data={"albums": ["Весна 2026"]}, content_type="application/json"
    )
    job_id = response.json()["id"]
    assert viewer_client.get(f"/api/export-jobs/{job_id}").json()["status"] == "queued"
    answer = viewer_client.get(f"/api/export-jobs/{job_id}/file")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "not_ready"


def test_only_the_requester_or_an_appadmin_sees_the_job(
    client, make_user, viewer, app_admin, catalogue, django_capture_on_commit_callbacks
):
    client.force_login(viewer)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/exports/download", QUERY)
    job = ExportJob.objects.get()
    paths = [f"/exports/jobs/{job.pk}/", f"/exports/jobs/{job.pk}/file", f"/api/export-jobs/{job.pk}/file"]
    from accounts.roles import Role

    client.force_login(make_user("other", Role.VIEWER))
    assert [client.get(path).status_code for path in paths] == [404, 404, 404]
    assert client.get(f"/api/export-jobs/{job.pk}").status_code == 404
    client.force_login(app_admin)
    assert [client.get(path).status_code for path in paths] == [200, 200, 200]


def test_a_job_whose_album_went_away_fails_with_a_translated_reason_and_no_file(
    viewer_client, catalogue, media_root
):
    viewer_client.get("/exports/download", QUERY)
    job = ExportJob.objects.get()
    catalogue["spring"].delete()
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "scope_gone" and not job.file
    with translation.override("ru"):
        page = viewer_client.get(f"/exports/jobs/{job.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Не удалось выгрузить:" in page and "альбом" in page
    assert viewer_client.get(f"/api/export-jobs/{job.pk}").json()["error"] == "scope_gone"
    assert stored_exports(media_root) == []


def test_a_job_that_breaks_while_writing_fails_and_leaves_no_file(
    viewer_client, catalogue, media_root, monkeypatch
):
    viewer_client.get("/exports/download", QUERY)
    job = ExportJob.objects.get()

    def broken(chunks, **_):
        yield next(chunks)
        raise OSError("disk full")

    monkeypatch.setattr("exports.writing._timed", lambda chunks, **kw: broken(chunks))
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == "failed" and job.error_code == "write_failed" and not job.file
    assert stored_exports(media_root) == []


def test_files_go_after_the_retention_through_the_worker_duties(
    viewer_client, catalogue, media_root, settings, django_capture_on_commit_callbacks
):
    settings.EXPORT_RETENTION_HOURS = 2
    with django_capture_on_commit_callbacks(execute=True):
        viewer_client.get("/exports/download", QUERY)
        viewer_client.get("/exports/download", QUERY)
    old, recent = ExportJob.objects.order_by("pk")
    ExportJob.objects.filter(pk=old.pk).update(finished_at=timezone.now() - datetime.timedelta(hours=3))
    assert "exports.jobs.export_jobs_expire" in DUTIES  # the task worker runs it periodically
    with django_capture_on_commit_callbacks(execute=True):  # the files go when the deletion commits
        assert export_jobs_expire() == [old.pk]
        assert len(stored_exports(media_root)) == 2  # not before
    assert list(ExportJob.objects.values_list("pk", flat=True)) == [recent.pk]
    assert [path.name for path in stored_exports(media_root)] == [recent.file.removeprefix(EXPORTS_PREFIX)]
    assert export_jobs_expire() == []
    assert ExportJob.objects.filter(pk=recent.pk).exists()


def test_an_export_cut_off_mid_write_is_written_again_from_the_start(viewer_client, catalogue, media_root):
    """Its worker died (or lost the database) while writing: the row says running, a file of that run may be
    stored; when the task runs again (its task lease put it back in the queue), the export starts over."""
    viewer_client.get("/exports/download", QUERY)  # on_commit never runs: queued
    job = ExportJob.objects.get()
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, rows_done=1)
    files.store(f"{EXPORTS_PREFIX}{job.pk}-0badc0de.xlsx", ContentFile(b"written before the worker died"))

    export_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert (job.status, job.rows_done) == (ExportJob.Status.DONE, 2)
    assert [path.name for path in stored_exports(media_root)] == [job.file.rsplit("/", 1)[-1]]


def test_the_export_task_runs_under_a_task_lease_so_a_dead_worker_does_not_keep_it():
    assert export_job_process.module_path in LEASED_TASKS
