"""Debian's nginx with the shipped configuration, rendered by deploy/nginx/render.sh as the container does."""

import getpass
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.programs import require_program

RENDER = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "render.sh"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the program listening on {port} exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {port}")


@dataclass
class Nginx:
    process: subprocess.Popen
    url: str
    access_log: Path
    error_log: Path

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def nginx_start(
    prefix: Path,
    *,
    upstream: str,
    media_root: Path,
    static_root: Path,
    upload_max_bytes: int,
    media_auth_cache_seconds: int = 1,
    fast_file_path: bool = True,
    port: int | None = None,
    s3_endpoint_url: str = "http://127.0.0.1:9",
) -> Nginx:
    """nginx on 127.0.0.1 (`port`, or a free one) in front of `upstream` (host:port), from deploy/nginx.

    File answers are kept `media_auth_cache_seconds` (short, so tests see revocations soon); without
    `fast_file_path`, media-auth.conf is left out and every file request reaches the app (the plain path).
    `s3_endpoint_url` is the object store nginx fetches presigned URLs from (STORAGE_BACKEND=s3).
    """
    binary = require_program("nginx", hint="apt-get install -y nginx")
    run_dir, conf_dir = prefix / "run", prefix / "conf"
    run_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    values = {
        "NGINX_CONF_DIR": str(conf_dir),
        "NGINX_RUN_DIR": str(run_dir),
        "NGINX_USER": getpass.getuser(),  # tmp folders are private to the user running the tests
        "NGINX_LISTEN": f"127.0.0.1:{port}",
        "NGINX_ACCESS_LOG": str(prefix / "access.log"),
        "NGINX_ERROR_LOG": str(prefix / "error.log"),
        "NGINX_RESOLVER": "127.0.0.1",
        "APP_UPSTREAM": upstream,
        "KEYCLOAK_UPSTREAM": "http://127.0.0.1:9",
        "UPLOAD_MAX_BYTES": str(upload_max_bytes),
        "MEDIA_AUTH_CACHE_SECONDS": str(media_auth_cache_seconds),
        "MEDIA_ROOT": str(media_root).rstrip("/"),
        "STATIC_ROOT": str(static_root).rstrip("/"),
        "S3_ENDPOINT_URL": s3_endpoint_url.rstrip("/"),
    }
    subprocess.run([str(RENDER)], env={"PATH": os.environ["PATH"], **values}, check=True, timeout=30)
    if not fast_file_path:
        (conf_dir / "media-auth.conf").unlink()
    process = subprocess.Popen(
        [binary, "-p", str(prefix), "-c", str(conf_dir / "nginx.conf")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, process)
    except Exception:
        process.kill()
        log = prefix / "error.log"
        raise RuntimeError(log.read_text() if log.exists() else "nginx did not start") from None
    return Nginx(process, f"http://127.0.0.1:{port}", prefix / "access.log", prefix / "error.log")
