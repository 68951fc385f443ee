"""Peak memory of a web process receiving a large upload into S3 (issue 15: the body streams into the spool).

Starts SeaweedFS and one gunicorn worker (sync) on the S3 storage, signs a user in, then POSTs ZIPs of the
given sizes to /api/upload and prints, per upload, the worker's peak RSS (VmHWM) before and after, the
answer, the seconds, and what was left in the web node's FILE_UPLOAD_TEMP_DIR.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pichosting_<name> \\
        .venv/bin/python bench/upload_memory.py --megabytes 20,200 --port 18210 --seaweedfs-ports-from 18220
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
BOUNDARY = "bench-upload-boundary"
CSRF_TOKEN = "b" * 32
CHUNK = 1024**2
ROW = "{:>8} {:>20} {:>19} {:>7} {:>6} {:>11}"


def body_file(folder: Path, megabytes: int) -> Path:
    """A multipart body holding one ZIP of `megabytes` MiB of incompressible data, written to disk."""
    archive = folder / f"{megabytes}.zip"
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zip_file,
        zip_file.open("big.bin", "w") as entry,
    ):
        for _ in range(megabytes):
            entry.write(os.urandom(CHUNK))
    body = folder / f"{megabytes}.body"
    with body.open("wb") as out, archive.open("rb") as source:
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"\r\n'
            "Content-Type: application/zip\r\n\r\n".encode()
        )
        shutil.copyfileobj(source, out, CHUNK)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())
    archive.unlink()
    return body


def peak_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def worker_pid(master: int) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.2)
    raise RuntimeError("gunicorn started no worker")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", default="200", help="comma-separated ZIP sizes in MiB")
    parser.add_argument("--port", type=int, default=18210, help="gunicorn's port")
    parser.add_argument(
        "--seaweedfs-ports-from", type=int, default=0, help="first of SeaweedFS's ports (0: free)"
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or DATABASE_URL (a database of your own: it is migrated)")

    from tests import seaweedfs

    if args.seaweedfs_ports_from:
        seaweedfs._free_ports = lambda count: list(
            range(args.seaweedfs_ports_from, args.seaweedfs_ports_from + count)
        )
    work = Path(tempfile.mkdtemp(prefix="bench-upload-memory-"))
    weed, server = seaweedfs.seaweedfs_start(work / "seaweedfs")
    gunicorn = None
    try:
        bucket = server.bucket_create()
        temporary = work / "web-temporary"
        temporary.mkdir()
        environment = {
            "DATABASE_URL": args.database_url,
            "SECRET_KEY": "bench-upload-memory-" + uuid.uuid4().hex,
            "DEBUG": "false",
            "ALLOWED_HOSTS": "127.0.0.1",
            "MEDIA_ROOT": str(work / "media"),
            "FILE_UPLOAD_TEMP_DIR": str(temporary),
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            **server.environment(bucket),
            "UPLOAD_MAX_BYTES": str(4 * 1024**3),
        }
        os.environ.update(environment)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")
        import django

        django.setup()
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.core.management import call_command
        from django.test import Client

        from accounts.roles import Role

        call_command("migrate", verbosity=0)
        user, _ = get_user_model().objects.get_or_create(username="bench-uploader")
        user.groups.add(Group.objects.get(name=Role.USER.value))
        client = Client()
        client.force_login(user)
        cookie = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}; "
            f"{settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}"
        )
        command = [str(Path(sys.executable).with_name("gunicorn")), "pichosting.wsgi", "--workers", "1"]
        command += ["--bind", f"127.0.0.1:{args.port}", "--timeout", "600"]
        gunicorn = subprocess.Popen(command, env=os.environ.copy(), cwd=REPO, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{args.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/healthz", timeout=10)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        worker = worker_pid(gunicorn.pid)
        headers = {
            "Cookie": cookie,
            "X-CSRFToken": CSRF_TOKEN,
            "Content-Type": f"multipart/form-data; boundary={BOUNDARY}",
        }
        print(f"load average (1 min) before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(
            "\n"
            + ROW.format("ZIP MiB", "peak RSS before MiB", "peak RSS after MiB", "status", "s", "temp files")
        )
        for megabytes in (int(size) for size in args.megabytes.split(",")):
            body = body_file(work, megabytes)
            before = peak_rss_kib(worker)
            started = time.monotonic()
            with body.open("rb") as stream:
                answer = requests.post(f"{url}/api/upload", data=stream, headers=headers, timeout=600)
            seconds = time.monotonic() - started
            after = peak_rss_kib(worker)
            body.unlink()
            left = len(list(temporary.iterdir()))
            row = (
                megabytes,
                f"{before / 1024:.1f}",
                f"{after / 1024:.1f}",
                answer.status_code,
                f"{seconds:.1f}",
                left,
            )
            print(ROW.format(*row))
        print(
            "\npeak RSS is the gunicorn worker's VmHWM (/proc/<pid>/status); the ZIP is one stored 'big.bin'"
        )
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait(30)
        seaweedfs.seaweedfs_stop(weed)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
