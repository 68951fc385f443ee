"""Loopback load while an upload runs: wrk on four URLs of a real gunicorn + db_worker, bounded in time.

    .venv/bin/python bench/load.py                    # 100-photo upload, 4 × wrk for 20 s in parallel
    .venv/bin/python bench/load.py --photos 100 --seconds 30 --connections 4
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/name .venv/bin/python bench/load.py

It recreates the PostgreSQL database `pichosting_load` (never another one), starts gunicorn as the deployment
does (`deploy/gunicorn.conf.py`, 2 processes × 4 threads, `MEDIA_SERVE=django`) and one `db_worker`, all on
127.0.0.1 with files in a temporary folder, and signs in an appadmin session. It uploads a seed ZIP (the
album to browse), then a ZIP of `--photos` photos into the same album, and while that job runs it points one
wrk per URL at `/`, the album page, `/api/files/<album>?limit=100` and one thumbnail. A wrk Lua hook counts
every answer outside 2xx (redirects included, so a lost session counts too). The table shows requests, rate,
p50/p99 latency and that count per URL, and whether the upload was still running when wrk stopped.
"""

import argparse
import io
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pichosting_load"
LUA = """
non2xx = 0  -- a global: done() reads it from each thread with thread:get
local threads = {}
function setup(thread) table.insert(threads, thread) end
function response(status, headers, body)
  if status < 200 or status > 299 then non2xx = non2xx + 1 end
end
function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("non2xx") end
  io.write(string.format("NON2XX %d\\n", total))
end
"""


def database_recreate(url: str) -> None:
    import psycopg
    from environ import Env

    config = Env.db_url_config(url)
    if not config["NAME"].startswith("pichosting_load"):
        raise SystemExit(
            f"refusing to recreate {config['NAME']}: the database name must start with pichosting_load"
        )
    admin = psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )
    admin.execute(f'DROP DATABASE IF EXISTS "{config["NAME"]}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
    admin.close()


def photo_zip(album: str, count: int, *, first: int = 0) -> bytes:
    """A ZIP of `count` distinct 1600×1200 photos, 5 per article, under `album/`."""
    from PIL import Image, ImageDraw

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for number in range(first, first + count):
            picture = Image.effect_noise((1600, 1200), 40).convert("RGB")
            ImageDraw.Draw(picture).rectangle((0, 0, 400 + number, 300), fill=(number % 256, 90, 160))
            data = io.BytesIO()
            picture.save(data, format="JPEG", quality=85)
            archive.writestr(f"{album}/LOAD-{number // 5:03d}/{number % 5}.jpg", data.getvalue())
    return buffer.getvalue()


class Site:
    """gunicorn + db_worker on loopback, and an appadmin session to call them with."""

    def __init__(self, port: int, database_url: str, folder: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.folder = folder
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": database_url,
            "ALLOWED_HOSTS": "127.0.0.1",
            "PUBLIC_BASE_URL": self.base,
            "MEDIA_ROOT": str(folder / "media"),
            "UPLOAD_SPOOL_DIR": str(folder / "spool"),
            "LOCK_DIR": str(folder / "locks"),
            "STATIC_ROOT": str(folder / "static"),
            "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "LANGUAGE_CODE": "en",
            "PORT": str(port),
            "WEB_BIND": "127.0.0.1",
            "WEB_WORKERS": "2",
            "WEB_THREADS": "4",
            "LOG_LEVEL": "WARNING",
        }
        self.processes: list[subprocess.Popen] = []
        self.csrf = secrets.token_hex(16)
        self.cookie = ""

    def manage(self, *arguments: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [PYTHON, "manage.py", *arguments],
            cwd=BASE_DIR,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
        )
        if result.returncode != 0:
            raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{result.stderr}")
        return result.stdout

    def start(self) -> None:
        self.manage("migrate", "--noinput", "-v", "0")
        session = self.manage(
            "shell",
            stdin=(
                "from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY\n"
                "from django.contrib.auth import get_user_model\n"
                "from django.contrib.sessions.backends.db import SessionStore\n"
                "from django.contrib.auth.models import Group\n"
                "from accounts.roles import Role\n"
                "user = get_user_model().objects.create_user('loadadmin', password='x')\n"
                "user.groups.add(Group.objects.get(name=Role.ADMIN.value))\n"
                "s = SessionStore(); s[SESSION_KEY] = str(user.pk)\n"
                "s[BACKEND_SESSION_KEY] = 'accounts.backends.RoleBackend'\n"
                "s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()\n"
                "print('SESSION', s.session_key)\n"
            ),
        )
        key = re.search(r"SESSION (\w+)", session)[1]
        self.cookie = f"sessionid={key}; csrftoken={self.csrf}"
        log = (self.folder / "server.log").open("w")
        self.processes.append(
            subprocess.Popen(
                [PYTHON, "-m", "gunicorn", "pichosting.wsgi", "-c", "deploy/gunicorn.conf.py"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        self.processes.append(
            subprocess.Popen(
                [PYTHON, "manage.py", "db_worker"],
                cwd=BASE_DIR,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        raise SystemExit(f"gunicorn did not answer; see {self.folder / 'server.log'}")

    def stop(self) -> None:
        for process in self.processes:
            process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def request(self, path: str, *, data: bytes | None = None, headers: dict | None = None) -> dict:
        request = urllib.request.Request(
            self.base + path,
            data=data,
            headers={
                "Cookie": self.cookie,
                "X-CSRFToken": self.csrf,
                "Accept": "application/json",
                **(headers or {}),
            },
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.loads(response.read())

    def upload(self, name: str, content: bytes) -> int:
        boundary = secrets.token_hex(8)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: application/zip\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        answer = self.request(
            "/api/upload", data=body, headers={"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        return answer["job"]

    def job(self, job_id: int) -> dict:
        return self.request(f"/api/uploads/{job_id}?limit=1")

    def wait(self, job_id: int, timeout: float = 600) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            job = self.job(job_id)
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.5)
        raise SystemExit(f"upload job {job_id} did not finish in {timeout:g} s")


def wrk(site: Site, path: str, *, seconds: int, connections: int, script: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            str(script),
            "-H",
            f"Cookie: {site.cookie}",
            site.base + path,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wrk_figures(output: str) -> dict:
    def latency(label: str) -> str:
        found = re.search(rf"^\s+{label}%\s+(\S+)", output, re.MULTILINE)
        return found[1] if found else "?"

    requests = re.search(r"(\d+) requests in", output)
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    non2xx = re.search(r"NON2XX (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "requests": int(requests[1]) if requests else 0,
        "rate": float(rate[1]) if rate else 0.0,
        "p50": latency("50"),
        "p99": latency("99"),
        "non2xx": int(non2xx[1]) if non2xx else -1,
        "socket_errors": errors[1] if errors else "0",
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=100, help="photos in the upload that runs meanwhile")
    parser.add_argument("--seed-photos", type=int, default=20, help="photos already in the album")
    parser.add_argument(
        "--seconds", type=int, default=20, help="wrk duration (the four run in parallel; ≤ 60)"
    )
    parser.add_argument("--connections", type=int, default=2, help="connections per wrk")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "22080")))
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, media)")
    args = parser.parse_args()
    if not 1 <= args.seconds <= 60:
        parser.error("--seconds must be between 1 and 60")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    database_recreate(database_url)
    folder = Path(tempfile.mkdtemp(prefix="pichosting-load-"))
    script = folder / "count.lua"
    script.write_text(LUA)
    site = Site(args.port, database_url, folder)
    try:
        site.start()
        album = "Load"
        seed = site.wait(site.upload("seed.zip", photo_zip(album, args.seed_photos)))
        files = site.request(f"/api/files/{album}?limit=1")
        slug = seed["album_url"]
        thumbnail = files["items"][0]["thumbnails"][0]["url"].removeprefix(site.base)
        paths = ["/", slug, f"/api/files/{album}?limit=100", thumbnail]
        upload_zip = photo_zip(album, args.photos, first=args.seed_photos)
        job_id = site.upload("load.zip", upload_zip)
        while site.job(job_id)["status"] == "queued":
            time.sleep(0.2)
        started = time.monotonic()
        runs = [
            wrk(site, path, seconds=args.seconds, connections=args.connections, script=script)
            for path in paths
        ]
        outputs = [run.communicate()[0] for run in runs]
        during = site.job(job_id)
        job = site.wait(job_id)
        job_seconds = time.monotonic() - started
    finally:
        site.stop()
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    print(
        f"\nwrk -t1 -c{args.connections} -d{args.seconds}s on each URL at once, "
        f"while a {args.photos}-photo upload ran"
    )
    print(f"{'URL':<58} {'requests':>9} {'req/s':>8} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
    total_non2xx = 0
    for path, output in zip(paths, outputs, strict=True):
        figures = wrk_figures(output)
        total_non2xx += figures["non2xx"] if figures["non2xx"] >= 0 else 1  # not counted: not proven 0
        shown = path if len(path) <= 58 else path[:55] + "..."
        print(
            f"{shown:<58} {figures['requests']:>9} {figures['rate']:>8.1f} {figures['p50']:>9} "
            f"{figures['p99']:>9} {figures['non2xx']:>8}"
            + (f"  socket errors: {figures['socket_errors']}" if figures["socket_errors"] != "0" else "")
        )
    print(
        f"\nupload: {during['status']} when wrk stopped ({during['processed']}/{during['total']} files); "
        f"finished {job['status']} with {job['added']} added, {job_seconds:.0f} s after wrk started"
    )
    print(f"non-2xx answers in all: {total_non2xx}")
    return 0 if total_non2xx == 0 and job["status"] == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
