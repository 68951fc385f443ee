"""PostgreSQL stops and starts again under a running site: the worker outlives it, pages answer 503.

A private cluster (`tests.postgres`, never the shared server), `manage.py db_worker` and gunicorn as real
processes. The database goes away twice: while the worker is idle, then in the middle of a 12-photo job.
Meanwhile the web pages and the API answer 503 (never 500); afterwards the worker, still the same process,
finishes the job from its journal: every photo once, no file without a row, no spool left, and the log
reports each outage once and never claims the job failed.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
import requests
from django.conf import settings

from gallery.specs import THUMBNAIL_SPECS
from tests.postgres import PostgresCluster, free_port, postgres_cluster  # noqa: F401 (fixture)
from tests.system.stack import JOB_TASK_ENDED_SQL
from uploads.tests.builders import photo_like_zip

BASE_DIR = Path(settings.BASE_DIR)
PHOTOS = 12


class Site:
    """migrate, then a worker and a web server on the cluster's database, with files under `root`."""

    def __init__(self, cluster: PostgresCluster, root: Path) -> None:
        cluster.create_database("outage")
        self.cluster = cluster
        self.media = root / "media"
        self.spool = self.media / "spool"
        self.worker_log = root / "worker.log"
        self.port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": cluster.url("outage"),
            "DATABASE_CONN_MAX_AGE": "60",
            "MEDIA_ROOT": str(self.media),
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "UPLOAD_WORKERS": "1",
            "DEBUG": "false",
            "LOG_LEVEL": "INFO",
            "ALLOWED_HOSTS": "127.0.0.1",
        }
        self.manage = [sys.executable, str(BASE_DIR / "manage.py")]
        subprocess.run([*self.manage, "migrate", "-v0"], env=self.env, check=True, cwd=BASE_DIR, timeout=300)
        self.processes: list[subprocess.Popen] = []

    def start(self) -> None:
        with self.worker_log.open("wb") as log:
            self.worker = subprocess.Popen(
                [*self.manage, "db_worker", "--no-startup-delay", "--interval", "0.2", "--no-reload"],
                env=self.env,
                cwd=BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.web = subprocess.Popen(
            [str(gunicorn), "pichosting.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"],
            env=self.env,
            cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes = [self.worker, self.web]
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url("/healthz"), timeout=10)
                break
            except requests.RequestException:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.1)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def query(self, sql: str, *params) -> tuple:
        with psycopg.connect(self.cluster.url("outage")) as connection:
            return connection.execute(sql, params).fetchone()

    def job_create(self, archive: Path) -> int:
        create = (
            "from django.core.files.uploadedfile import SimpleUploadedFile\n"
            "from uploads.intake import upload_job_create\n"
            f"data = open({str(archive)!r}, 'rb').read()\n"
            "print(upload_job_create(user=None, files=[SimpleUploadedFile('Зима.zip', data)]).pk)\n"
        )
        result = subprocess.run(
            [*self.manage, "shell", "-v0", "-c", create],
            env=self.env,
            check=True,
            capture_output=True,
            text=True,
            cwd=BASE_DIR,
        )
        return int(result.stdout)

    def log(self) -> str:
        return self.worker_log.read_text(errors="replace")


@pytest.fixture
def site(postgres_cluster, tmp_path):  # noqa: F811 (the fixture)
    site = Site(postgres_cluster, tmp_path)
    site.start()
    yield site
    site.stop()


def wait_until(condition, *, timeout: float, what: str, site: Site) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert site.worker.poll() is None, f"the worker exited:\n{site.log()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{site.log()}"
        time.sleep(0.1)


def assert_answers_unavailable(site: Site) -> None:
    """A signed-in-looking visitor (its session must be read from the database) gets 503s, not 500s."""
    cookies = {"sessionid": "a" * 32}
    page = requests.get(site.url("/"), cookies=cookies, timeout=30, allow_redirects=False)
    assert page.status_code == 503, page.text[:300]
    assert page.headers["Retry-After"].isdigit()
    assert "Temporarily unavailable" in page.text
    api = requests.get(site.url("/api/albums"), cookies=cookies, timeout=30)
    assert api.status_code == 503, api.text[:300]
    assert api.headers["Retry-After"].isdigit()
    assert api.json()["error"]["code"] == "unavailable"
    assert requests.get(site.url("/healthz"), timeout=30).status_code == 503


def test_the_worker_and_the_site_outlive_a_database_outage_idle_and_mid_job(site, tmp_path):
    # 1. idle: the worker is polling an empty queue when the database stops
    time.sleep(1)
    site.cluster.stop()
    time.sleep(4)
    assert site.worker.poll() is None, f"the idle worker exited on the outage:\n{site.log()}"
    assert_answers_unavailable(site)
    site.cluster.start()
    wait_until(lambda: "database available again" in site.log(), timeout=60, what="resumption", site=site)

    # 2. busy: the database stops while a job stores photos
    archive = tmp_path / "upload.zip"
    archive.write_bytes(photo_like_zip(PHOTOS))
    job_id = site.job_create(archive)
    added_sql = f"select count(*) from uploads_uploadresult where job_id={job_id} and outcome='added'"
    wait_until(lambda: site.query(added_sql)[0] >= 3, timeout=120, what="the job to start", site=site)
    site.cluster.stop()
    time.sleep(4)
    assert site.worker.poll() is None, f"the busy worker exited on the outage:\n{site.log()}"
    assert_answers_unavailable(site)
    site.cluster.start()
    status_sql = f"select status from uploads_uploadjob where id={job_id}"
    wait_until(
        lambda: site.query(status_sql)[0] == "done" and site.query(JOB_TASK_ENDED_SQL, job_id) == (True,),
        timeout=180,
        what="the job and its task to finish",
        site=site,
    )

    status, added, duplicates, refused, error = site.query(
        f"select status, added, duplicates, refused, error from uploads_uploadjob where id={job_id}"
    )
    assert (status, added, duplicates, refused, error) == ("done", PHOTOS, 0, 0, "")
    assert site.query(f"select count(*) from uploads_uploadresult where job_id={job_id}") == (PHOTOS,)
    assert site.query("select count(*) from gallery_image") == (PHOTOS,)
    with psycopg.connect(site.cluster.url("outage")) as connection:
        rows = {
            name
            for (name,) in connection.execute(
                "select file from gallery_image union select file from gallery_thumbnail"
            )
        }
    files = {str(path.relative_to(site.media)) for path in site.media.rglob("*") if path.is_file()}
    assert len(rows) == PHOTOS * (1 + len(THUMBNAIL_SPECS))
    assert files == rows  # no file without a row, no row without a file
    assert not any(site.spool.iterdir())

    log = site.log()
    assert log.count("database unavailable") == 2, log  # once per outage, however long it lasted
    assert log.count("database available again") == 2, log
    assert "state=FAILED" not in log, log  # no task was recorded as failed
    assert f"upload job {job_id} failed" not in log, log
    assert "cut off by the database outage, queued again" in log, log
    assert site.worker.poll() is None
