"""The upload body streams straight into the spool in storage (a multipart upload on S3) while it arrives:
the web node writes nothing to its temporary folder, and a body cut off half-way leaves no object, no
uploaded part, no file and no job. On the filesystem and on a real S3 (SeaweedFS), in process and through
a real gunicorn."""

import hashlib
import io
import os
import socket
import struct
import subprocess
import sys
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import requests
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.test import Client

from gallery import file_streams, files
from uploads import spool
from uploads.api import uploaded_files
from uploads.intake import UploadRejected, upload_job_create
from uploads.jobs import upload_job_run
from uploads.models import UploadJob
from uploads.tests.builders import noise_jpeg, zip_bytes

REPO = Path(__file__).resolve().parents[2]
BOUNDARY = "pichosting-test-boundary"
CSRF_TOKEN = "c" * 32
PART_BYTES = 5 * 1024**2


@pytest.fixture(params=["filesystem", "s3"])
def storage(request, settings, tmp_path):
    """The media storage; the web node's temporary folder does not exist, so any write there fails."""
    if request.param == "s3":
        request.getfixturevalue("s3_media")
    settings.LOCK_DIR = tmp_path / "locks"
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "no-such-folder")
    return request.param


def archive_of(photos: int) -> bytes:
    """A ZIP of incompressible photos (about 150 KB each), stored as they are."""
    members = {f"Зима/Куртка/{n}.jpg": noise_jpeg(n) for n in range(photos)}
    return zip_bytes(members, compression=zipfile.ZIP_STORED)


def multipart(name: str, content: bytes) -> bytes:
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{BOUNDARY}--\r\n".encode()


def spooled() -> list[str]:
    return [name for name, _size in files.walk(spool.SPOOL_PREFIX)]


def pending_uploads(storage_name: str) -> list[str]:
    """The multipart uploads begun and neither completed nor aborted (S3), or the files being written."""
    if storage_name == "filesystem":
        return spooled()
    return [upload.object_key for upload in files.storage().bucket.multipart_uploads.all()]


def on_the_worker(settings, tmp_path) -> None:
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "worker")
    os.mkdir(settings.FILE_UPLOAD_TEMP_DIR)


@pytest.mark.django_db
def test_an_upload_streams_into_the_spool_and_nothing_into_the_temporary_folder(
    storage, settings, tmp_path, client_as, uploader, django_capture_on_commit_callbacks
):
    archive = archive_of(24)  # about 3.6 MB: Django's own handlers would write it to a temporary file
    with django_capture_on_commit_callbacks(execute=False):
        response = client_as(uploader).post("/api/upload", {"file": io.BytesIO(archive)})

    assert response.status_code == 202, response.content
    job = UploadJob.objects.get()
    assert list(files.walk(job.spool)) == [(f"{job.spool}00000", len(archive))]
    assert files.stored_sha256(files.storage(), f"{job.spool}00000") == hashlib.sha256(archive).hexdigest()
    on_the_worker(settings, tmp_path)
    upload_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.added) == (UploadJob.Status.DONE, 24), job.error
    assert spooled() == []


class CutOffBody(io.RawIOBase):
    """A request body that ends early, noting what the storage holds just before it stops (`seen`)."""

    def __init__(self, body: bytes, *, look_at: int, look) -> None:
        self.stream, self.look_at, self.look, self.seen = io.BytesIO(body), look_at, look, None

    def read(self, size: int = -1) -> bytes:
        if self.seen is None and self.stream.tell() >= self.look_at:
            self.seen = self.look()
        return self.stream.read(size)


@pytest.mark.django_db
def test_a_body_cut_off_in_a_file_leaves_no_object_no_parts_and_no_job(storage, uploader):
    body = multipart("Зима.zip", os.urandom(3 * PART_BYTES))
    cut = len(body) - PART_BYTES // 2
    stream = CutOffBody(body[:cut], look_at=cut - 64 * 1024, look=lambda: pending_uploads(storage))
    request = WSGIRequest(
        {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/api/upload",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "wsgi.url_scheme": "http",
            "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
            "CONTENT_LENGTH": str(len(body)),  # more than will come: the client went away
            "wsgi.input": stream,
        }
    )

    with pytest.raises(UploadRejected) as refused:
        upload_job_create(user=uploader, files=uploaded_files(request))
    request.close()

    assert len(stream.seen) == 1  # the body was being written into the spool while it arrived
    assert refused.value.code == "no_file"
    assert (pending_uploads(storage), spooled(), UploadJob.objects.count()) == ([], [], 0)
    if storage == "filesystem":
        assert list(Path(files.storage().path(spool.SPOOL_PREFIX)).iterdir()) == []


class Gunicorn:
    """`gunicorn pichosting.wsgi` on a free port, on the test database and the test's S3 bucket."""

    def __init__(self, s3_media, tmp_path: Path) -> None:
        server, bucket = s3_media
        database = connection.settings_dict
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.temporary = tmp_path / "web-temporary"
        self.temporary.mkdir()
        environment = {
            **os.environ,
            "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
            "SECRET_KEY": "test-upload-streaming-" + uuid.uuid4().hex,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "MEDIA_ROOT": str(tmp_path / "web-media"),
            "FILE_UPLOAD_TEMP_DIR": str(self.temporary),
            **server.environment(bucket),
        }
        self.secret_key = environment["SECRET_KEY"]
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "pichosting.wsgi", "--bind", f"127.0.0.1:{self.port}", "--workers", "1"]
        self.log = tmp_path / "gunicorn.log"
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(command, env=environment, cwd=REPO, stderr=log)
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(self.url("/healthz"), timeout=10)
                return
            except requests.RequestException:
                assert self.process.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)


@pytest.fixture
def gunicorn(s3_media, tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the server process needs a database it can reach: runs in the PostgreSQL pass")
    server = Gunicorn(s3_media, tmp_path)
    yield server
    server.stop()


def signed_in_cookie(gunicorn: Gunicorn, user, settings) -> str:
    """A session of `user` that the server accepts (signed with its SECRET_KEY), with a CSRF cookie."""
    settings.SECRET_KEY = gunicorn.secret_key
    client = Client()
    client.force_login(user)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}"


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


@pytest.mark.parametrize("cut", ["closed", "reset"])  # the client's FIN (the body ends) or RST (read fails)
@pytest.mark.django_db(transaction=True)
def test_a_body_cut_off_at_a_real_server_aborts_its_multipart_upload_and_the_next_upload_ingests(
    cut, gunicorn, s3_media, settings, tmp_path, uploader
):
    server, bucket = s3_media
    cookie = signed_in_cookie(gunicorn, uploader, settings)
    body = multipart("Зима.zip", os.urandom(3 * PART_BYTES))
    head = (
        f"POST /api/upload HTTP/1.1\r\nHost: 127.0.0.1:{gunicorn.port}\r\nCookie: {cookie}\r\n"
        f"X-CSRFToken: {CSRF_TOKEN}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    client = server.client()

    def parts_stored() -> int:
        uploads = client.list_multipart_uploads(Bucket=bucket).get("Uploads", [])
        return sum(
            len(client.list_parts(Bucket=bucket, Key=up["Key"], UploadId=up["UploadId"]).get("Parts", []))
            for up in uploads
        )

    with socket.create_connection(("127.0.0.1", gunicorn.port)) as sock:
        sock.sendall(head + body[: len(body) - PART_BYTES // 2])
        wait_until(lambda: parts_stored() >= 2)  # the parts reach the store while the body arrives
        if cut == "reset":
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    wait_until(lambda: client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == [])

    assert client.list_objects_v2(Bucket=bucket).get("KeyCount") == 0
    assert UploadJob.objects.count() == 0
    archive = archive_of(4)
    answer = requests.post(
        gunicorn.url("/api/upload"),
        data=multipart("Зима.zip", archive),
        headers={
            "Cookie": cookie,
            "X-CSRFToken": CSRF_TOKEN,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        },
        timeout=60,
    )
    assert answer.status_code == 202, answer.text
    assert list(gunicorn.temporary.iterdir()) == []
    on_the_worker(settings, tmp_path)
    upload_job_run(job_id=answer.json()["job"])
    job = UploadJob.objects.get()
    assert (job.status, job.added) == (UploadJob.Status.DONE, 4), job.error
    assert client.list_objects_v2(Bucket=bucket, Prefix=spool.SPOOL_PREFIX).get("KeyCount") == 0


@pytest.mark.django_db
def test_a_refused_upload_leaves_nothing_of_its_streamed_body(storage, client_as, uploader):
    response = client_as(uploader).post("/api/upload", {"file": io.BytesIO(os.urandom(3 * 1024**2))})

    assert response.status_code == 400, response.content  # not a ZIP, and no album and article given
    assert response.json()["error"]["code"] == "not_a_zip"
    assert (pending_uploads(storage), spooled(), UploadJob.objects.count()) == ([], [], 0)


@pytest.mark.django_db
def test_the_spool_sweep_aborts_multipart_uploads_a_killed_web_node_left(s3_media, monkeypatch):
    left = spool.spool_file_name(spool.spool_key_new(), 0)
    writer = file_streams.Writer(left)  # never committed nor aborted: its process died mid-body
    writer.write(os.urandom(PART_BYTES + 1))
    writer.write(b"x")  # the first part is uploaded now
    time.sleep(1.1)  # the store keeps the start time to the second

    assert spool.spool_orphans_sweep() == []  # younger than a day: the body may still be arriving
    monkeypatch.setattr(spool, "SPOOL_ORPHAN_SECONDS", 0)
    assert spool.spool_orphans_sweep() == [left]
    assert pending_uploads("s3") == []
