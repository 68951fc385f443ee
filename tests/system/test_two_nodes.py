"""Two web nodes and two workers on one PostgreSQL database and one SeaweedFS bucket, behind nginx
(tests/system/cluster.py): the scale-out of docs/scale-out.md, proven end to end.

A ZIP uploaded on node A is ingested by whichever worker takes it, browsed and downloaded on node B, exported
on node A with public links that open anonymously through nginx (which spreads them over both nodes). "On node
A" is through an nginx with node A alone upstream; the web nodes check access and nginx sends the files from
the bucket (MEDIA_SERVE=nginx). Then a
100-photo job's worker is killed with SIGKILL half-way: the other worker takes the job over once its
heartbeat is older than UPLOAD_JOB_STALE_SECONDS and finishes it with every photo once. Afterwards the bucket
and the database agree exactly, by `manage.py sync_storage` and by a listing of the bucket.
"""

import hashlib
import io
import os
import re
import signal
import time
import zipfile
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import requests
from openpyxl import load_workbook
from PIL import Image

from gallery.specs import THUMBNAIL_SPECS
from tests.programs import require_program
from tests.system.cluster import WORKERS, Cluster, cluster_remove, cluster_start
from tests.system.stack import JOB_TASK_ENDED_SQL, zip_upload

STALE_SECONDS = 6
BIG_JOB_PHOTOS = 100
KILL_AFTER_PHOTOS = 10
FIRST_ALBUM = "Лето 2026"
BIG_ALBUM = "Осень 2026"


def noise_jpeg(size: tuple[int, int]) -> bytes:
    """A small photo of random pixels: never the same twice, so no two are duplicates."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def zip_write(path: Path, photos: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name, data in photos.items():
            archive.writestr(name, data)
    return path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    require_program("nginx", hint="apt-get install -y nginx")
    running = cluster_start(
        tmp_path_factory.mktemp("two-nodes"),
        UPLOAD_JOB_STALE_SECONDS=str(STALE_SECONDS),  # the worker duties run every STALE_SECONDS / 2
        UPLOAD_WORKERS="2",
    )
    yield running
    cluster_remove(running)


@pytest.fixture(scope="module")
def node_a(cluster: Cluster) -> str:
    return cluster.nodes["web-a"]


@pytest.fixture(scope="module")
def node_b(cluster: Cluster) -> str:
    return cluster.nodes["web-b"]


@pytest.fixture(scope="module")
def session(cluster: Cluster, node_a: str) -> requests.Session:
    """The local administrator, signed in with its password on node A."""
    http = requests.Session()
    http.get(f"{node_a}/accounts/login/", timeout=10)
    signed_in = http.post(
        f"{node_a}/accounts/login/",
        data={
            "username": "admin",
            "password": cluster.admin_password,
            "csrfmiddlewaretoken": http.cookies["csrftoken"],
        },
        headers={"Referer": f"{node_a}/accounts/login/"},
        timeout=10,
    )
    assert signed_in.status_code == 200 and "sessionid" in http.cookies, signed_in.text[:2000]
    return http


def csrf(http: requests.Session, node: str) -> dict:
    return {"X-CSRFToken": http.cookies["csrftoken"], "Referer": f"{node}/"}


def upload(http: requests.Session, node: str, archive: Path, *, album: str) -> int:
    return zip_upload(http, node, archive, album=album, headers=csrf(http, node))["job"]


def job_row(cluster: Cluster, job_id: int) -> dict:
    columns = ("status", "worker", "added", "duplicates", "refused", "attempts", "spool", "error")
    (row,) = cluster.sql(f"SELECT {', '.join(columns)} FROM uploads_uploadjob WHERE id = %s", job_id)
    return dict(zip(columns, row, strict=True))


def job_wait(cluster: Cluster, job_id: int, *, timeout: float = 120) -> dict:
    """The job's row once it has ended and its worker's task with it (`JOB_TASK_ENDED_SQL`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = job_row(cluster, job_id)
        if job["status"] in ("done", "failed") and cluster.sql(JOB_TASK_ENDED_SQL, job_id) == [(True,)]:
            return job
        time.sleep(0.3)
    logs = "\n".join(cluster.log(name)[-2000:] for name in WORKERS)
    raise AssertionError(f"job {job_id} did not finish: {job}\n{logs}")


@pytest.fixture(scope="module")
def first_upload(cluster: Cluster, session: requests.Session, node_a: str, tmp_path_factory) -> dict:
    """A 6-photo ZIP (two articles) uploaded on node A, and its finished job."""
    photos = {f"ЛТ-{n // 3 + 1}/{n % 3 + 1}.jpg": noise_jpeg((640, 480)) for n in range(6)}
    archive = zip_write(tmp_path_factory.mktemp("zip") / "лето.zip", photos)
    job_id = upload(session, node_a, archive, album=FIRST_ALBUM)
    return {"photos": photos, "job_id": job_id, "job": job_wait(cluster, job_id)}


def album_of(http: requests.Session, node: str, name: str) -> dict:
    (album,) = [album for album in http.get(f"{node}/api/albums").json()["items"] if album["name"] == name]
    return album


def test_the_session_of_node_a_is_valid_on_node_b(session, node_b):
    assert session.get(f"{node_b}/api/me").json()["username"] == "admin"


def test_a_zip_uploaded_on_node_a_is_ingested_by_a_worker_and_browsed_and_downloaded_on_node_b(
    cluster, session, node_b, first_upload
):
    job = first_upload["job"]
    assert (job["status"], job["added"], job["refused"]) == ("done", 6, 0), job
    assert job["worker"] in WORKERS
    album = album_of(session, node_b, FIRST_ALBUM)
    page = session.get(f"{node_b}/a/{album['slug']}/")
    assert page.status_code == 200 and "ЛТ-2" in page.text
    items = session.get(f"{node_b}/api/files/{quote(FIRST_ALBUM)}").json()["items"]
    assert len(items) == 6
    for item in items:
        original = session.get(f"{node_b}{urlsplit(item['url']).path}")
        assert original.status_code == 200
        assert not [header for header in original.headers if header.lower().startswith(("x-amz", "x-accel"))]
        assert original.content == first_upload["photos"][f"{item['sku']}/{item['original_name']}"]
        thumbnail = session.get(f"{node_b}{urlsplit(item['thumbnails'][0]['url']).path}")
        assert thumbnail.status_code == 200
        assert Image.open(io.BytesIO(thumbnail.content)).size[0] == item["thumbnails"][0]["size"]


@pytest.fixture(scope="module")
def exported(cluster: Cluster, session: requests.Session, node_a: str, first_upload: dict) -> dict:
    """Public links switched on and an XLSX export of the first album, both on node A."""
    album = album_of(session, node_a, FIRST_ALBUM)
    switched = session.post(
        f"{node_a}/a/{album['slug']}/links", data={"state": "on"}, headers=csrf(session, node_a)
    )
    assert switched.status_code in (200, 302), switched.text[:2000]
    query = {"albums": album["slug"], "preset": "in_row", "size": "original", "file_format": "xlsx"}
    export = session.get(f"{node_a}/exports/download", params=query)
    assert export.status_code == 200, export.text[:2000]
    rows = list(load_workbook(io.BytesIO(export.content)).worksheets[0].iter_rows(values_only=True))
    return {"links": [cell for row in rows[1:] for cell in row if str(cell).startswith("http")]}


def test_public_links_exported_on_node_a_open_anonymously_through_nginx_on_both_nodes(
    cluster, first_upload, exported
):
    links = exported["links"]
    assert len(links) == 6 and all(link.startswith(f"{cluster.base_url}/p/") for link in links), links
    fetched = [requests.get(link, timeout=10) for link in links]
    assert [response.status_code for response in fetched] == [200] * 6
    assert sorted(hashlib.sha256(response.content).hexdigest() for response in fetched) == sorted(
        hashlib.sha256(data).hexdigest() for data in first_upload["photos"].values()
    )
    for node in cluster.nodes:  # nginx spread the links over both web nodes
        assert re.search(r'"GET /p/\S+ HTTP', cluster.log(node)), f"{node} served no public link"


@pytest.fixture(scope="module")
def killed_job(cluster: Cluster, session: requests.Session, node_a: str, tmp_path_factory) -> dict:
    """A 100-photo ZIP uploaded on node A whose worker is killed with SIGKILL after some photos; the job as
    the other worker finished it, and when it was taken over."""
    photos = {f"ОС-{n // 10 + 1}/{n % 10 + 1}.jpg": noise_jpeg((800, 600)) for n in range(BIG_JOB_PHOTOS)}
    archive = zip_write(tmp_path_factory.mktemp("zip") / "осень.zip", photos)
    job_id = upload(session, node_a, archive, album=BIG_ALBUM)
    deadline = time.monotonic() + 60
    while (job := job_row(cluster, job_id))["added"] < KILL_AFTER_PHOTOS and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job["status"] == "running" and job["added"] < BIG_JOB_PHOTOS, job
    killed = job["worker"]
    cluster.processes[killed].send_signal(signal.SIGKILL)
    killed_at = time.monotonic()
    cluster.processes[killed].wait(timeout=10)
    while (job := job_row(cluster, job_id))["worker"] in ("", killed) and time.monotonic() < deadline:
        time.sleep(0.1)
    taken_over_after = time.monotonic() - killed_at
    return {
        "job_id": job_id,
        "killed": killed,
        "added_when_killed": job["added"],
        "taken_over_after": taken_over_after,
        "job": job_wait(cluster, job_id),
    }


def test_the_other_worker_takes_over_a_job_whose_worker_was_killed_and_stores_each_photo_once(
    cluster, killed_job
):
    job = killed_job["job"]
    (survivor,) = [name for name in WORKERS if name != killed_job["killed"]]
    assert (job["status"], job["worker"], job["attempts"]) == ("done", survivor, 2), job
    # Taken over by the worker already running, never while the heartbeat was fresh. The design bound is one
    # more period of the duties (STALE_SECONDS / 2) plus the queue's poll, about 8 s (8.3 s measured); the
    # upper limit here is generous so a loaded CI machine cannot fail it, and still far below a restart.
    assert STALE_SECONDS - 1 < killed_job["taken_over_after"] < STALE_SECONDS * 10, killed_job
    assert (job["added"], job["duplicates"], job["refused"]) == (BIG_JOB_PHOTOS, 0, 0), job
    ((photos, distinct),) = cluster.sql(
        "SELECT count(*), count(DISTINCT i.sha256) FROM gallery_image i JOIN gallery_album a "
        "ON a.id = i.album_id WHERE a.name = %s",
        BIG_ALBUM,
    )
    assert photos == distinct == BIG_JOB_PHOTOS
    assert cluster.sql(
        "SELECT outcome, count(*) FROM uploads_uploadresult WHERE job_id = %s GROUP BY outcome",
        killed_job["job_id"],
    ) == [("added", BIG_JOB_PHOTOS)]
    # The killed worker's task went back to the queue and ran to its end: no task stays running.
    assert cluster.sql("SELECT status, count(*) FROM django_tasks_database_dbtaskresult GROUP BY status") == [
        ("SUCCESSFUL", 2)
    ]


def stored_names(cluster: Cluster) -> set[str]:
    rows = cluster.sql("SELECT file FROM gallery_image UNION ALL SELECT file FROM gallery_thumbnail")
    return {name for (name,) in rows}


def test_afterwards_the_bucket_and_the_database_agree_exactly(cluster, first_upload, killed_job):
    names = stored_names(cluster)
    assert len(names) == (6 + BIG_JOB_PHOTOS) * (1 + len(THUMBNAIL_SPECS))
    assert cluster.keys() == names  # every row's file exists, no object without a row, no spool left
    assert cluster.keys("spool/") == set()
    report = cluster.manage("sync_storage", "--dry-run", "--thumbnails")
    assert report.returncode == 0, report.stdout + report.stderr
    summary = dict(re.findall(r"^([^\d\n]+?) +(\d+)$", report.stdout, flags=re.MULTILINE))
    assert summary.pop("photos checked") == str(6 + BIG_JOB_PHOTOS), report.stdout
    assert set(summary.values()) == {"0"}, report.stdout
    assert report.stdout.rstrip().endswith("storage and database agree"), report.stdout
    for worker in WORKERS:  # every job deleted its own spool: the workers' sweep never found one to delete
        assert "spool_orphans_sweep" not in cluster.log(worker), worker
    for node in cluster.nodes:  # the web nodes kept no file of their own (their metrics aside)
        kept = [
            path for folder in ("media", "tmp", "locks") for path in (cluster.var(node) / folder).rglob("*")
        ]
        assert kept == [], node
