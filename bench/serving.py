"""Serving benchmark: a 640 px WebP thumbnail through real nginx (the shipped deploy/nginx configuration).

    .venv/bin/python bench/serving.py                  # 3 interleaved rounds of 5 s per case
    .venv/bin/python bench/serving.py --seconds 10 --rounds 5 --connections 16
    .venv/bin/python bench/serving.py --storage s3     # files in a SeaweedFS bucket (tests/seaweedfs.py)
    BENCH_DATABASE_URL=postgres://user:pw@host:5432/name .venv/bin/python bench/serving.py

It starts, on 127.0.0.1 (gunicorn on `--port` and the next, nginx on free ports), two gunicorns with
deploy/gunicorn.conf.py on PostgreSQL (`pichosting_serve_bench`, created and migrated here; one photo): one
with `MEDIA_SERVE=nginx`, one with `MEDIA_SERVE=django`; and three nginx instances rendered by
deploy/nginx/render.sh (via tests/system/nginx.py): the shipped configuration (fast path, media-auth.conf) and
the plain one without media-auth.conf in front of each gunicorn. wrk (Debian) then loads each case in turn,
interleaved over rounds; the table shows the median requests/s and p99 of the rounds, and each case as a share
of nginx serving the same file statically. Private cases send a signed-in viewer's session cookie, public ones
use the album's public link. Every case is checked first to answer 200 with the file's exact bytes. With
`--storage s3` the photo lives in a bucket of a SeaweedFS started here; nginx fetches presigned URLs from it.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench.api import database_ensure  # noqa: E402
from tests.seaweedfs import seaweedfs_start, seaweedfs_stop  # noqa: E402
from tests.system.nginx import nginx_start, wait_for_port  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pichosting_serve_bench"
SEED = """
import io
import json
import PIL.Image
from django.test import Client
from gallery import files
from accounts.roles import Role
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from exports.links import public_link
from gallery.links import thumbnail_url
from gallery.models import Album
from gallery.tests.factories import album_make, article_make, image_make

Album.all_objects.all().delete()
get_user_model().objects.filter(username="bench-viewer").delete()
album = album_make("Bench", public_links_enabled=True)
image = image_make(article_make(album, "BENCH-1"), width=1600, height=1200)
thumbnail = image.thumbnails.get(size=640, format="webp")
# A flat test picture compresses to almost nothing: store a detailed 640 px WebP of a usual size instead.
picture = io.BytesIO()
PIL.Image.effect_mandelbrot((640, 480), (-2.0, -1.2, 1.0, 1.2), 256).convert("RGB").save(picture, "WEBP")
files.store(thumbnail.file.name, picture.getvalue())
user = get_user_model().objects.create_user("bench-viewer")
user.groups.add(Group.objects.get(name=Role.VIEWER.value))
client = Client()
client.force_login(user)
print(json.dumps({
    "private": thumbnail_url(image, thumbnail),
    "public": public_link(token=album.link_token, article_slug=image.article.slug, sha256=image.sha256,
                          extension="webp", size=640, base_url=""),
    "name": thumbnail.file.name,
    "cookie": "sessionid=" + client.cookies["sessionid"].value,
}))
"""


def app_env(work: Path, database_url: str, media_serve: str, storage: dict[str, str]) -> dict[str, str]:
    """The production settings that matter here: no DEBUG, nginx mode or Django streaming, loopback hosts;
    `storage` holds the STORAGE_BACKEND/S3_* settings (none: the filesystem)."""
    # No PROMETHEUS_MULTIPROC_DIR at all: prometheus_client takes an empty one for the current folder.
    inherited = {name: value for name, value in os.environ.items() if name != "PROMETHEUS_MULTIPROC_DIR"}
    return {
        **inherited,
        **storage,
        "DEBUG": "false",
        "SECRET_KEY": "serving-bench-" + "k" * 50,
        "DATABASE_URL": database_url,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "MEDIA_ROOT": str(work / "media"),
        "STATIC_ROOT": str(work / "static"),
        "STATICFILES_BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage",
        "MEDIA_SERVE": media_serve,
        "MEDIA_ACCEL_PREFIX": "/_protected/",
    }


def gunicorn_start(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    env = {**env, "WEB_BIND": "127.0.0.1", "PORT": str(port), "WEB_WORKERS": str(workers)}
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pichosting.wsgi", "--config", "deploy/gunicorn.conf.py"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,  # the access log
        stderr=log.open("wb"),
    )
    wait_for_port(port, process, timeout=60)
    return process


def fetch(url: str, cookie: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.status, response.read()


_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(url: str, cookie: str, *, seconds: int, connections: int, threads: int) -> tuple[float, float]:
    """(requests/s, p99 ms) of one bounded wrk run; refuses a run with non-2xx answers or errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout=10s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise RuntimeError(f"wrk saw failures on {url}:\n{output}")
    p99 = _P99.search(output)
    return float(_RPS.search(output).group(1)), float(p99.group(1)) * _UNIT_MS[p99.group(2)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app")
    parser.add_argument("--port", type=int, default=26010, help="first of the two gunicorn ports")
    parser.add_argument("--storage", choices=("filesystem", "s3"), default="filesystem")
    args = parser.parse_args()
    shutil.which("wrk") or sys.exit("bench/serving.py needs wrk: apt-get install -y wrk")
    database_url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    database_ensure(database_url)
    work = Path(tempfile.mkdtemp(prefix="serving-bench-"))
    processes: list = []
    weed = None
    try:
        storage, s3_endpoint_url = {}, "http://127.0.0.1:9"
        if args.storage == "s3":
            weed, server = seaweedfs_start(work / "seaweedfs")
            s3_endpoint_url = server.endpoint_url
            storage = server.environment(server.bucket_create())
        env = app_env(work, database_url, "nginx", storage)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=BASE_DIR, env=env, check=True)
        seeded = subprocess.run(
            [*manage, "shell", "-c", SEED], cwd=BASE_DIR, env=env, check=True, capture_output=True, text=True
        )
        photo = json.loads(seeded.stdout.strip().splitlines()[-1])
        if args.storage == "s3":
            answer = server.client().get_object(Bucket=storage["S3_BUCKET"], Key=photo["name"])
            data = answer["Body"].read()
        else:
            data = (work / "media" / photo["name"]).read_bytes()
        (work / "static").mkdir()
        (work / "static" / "thumbnail.webp").write_bytes(data)

        apps = {}
        for offset, mode in enumerate(("nginx", "django")):
            process = gunicorn_start(
                app_env(work, database_url, mode, storage),
                args.port + offset,
                args.workers,
                work / f"gunicorn-{mode}.log",
            )
            processes.append(process)
            apps[mode] = f"127.0.0.1:{args.port + offset}"

        def nginx_for(label: str, mode: str, fast: bool):
            server = nginx_start(
                work / f"nginx-{label}",
                upstream=apps[mode],
                media_root=work / "media",
                static_root=work / "static",
                upload_max_bytes=1024**2,
                media_auth_cache_seconds=30,
                fast_file_path=fast,
                s3_endpoint_url=s3_endpoint_url,
            )
            processes.append(server)
            return server.url

        fast, accel = nginx_for("fast", "nginx", True), nginx_for("accel", "nginx", False)
        streamed = nginx_for("django", "django", False)
        cases = {"nginx static": (f"{fast}/static/thumbnail.webp", "")}
        if args.storage == "s3":  # what the store alone answers: the ceiling of every s3 case
            direct = server.client().generate_presigned_url(
                "get_object", Params={"Bucket": storage["S3_BUCKET"], "Key": photo["name"]}, ExpiresIn=3600
            )
            cases["the store itself (presigned GET, no nginx)"] = (direct, "")
        for kind in ("private", "public"):
            cookie = photo["cookie"] if kind == "private" else ""
            cases[f"fast path (auth_request + cache), {kind}"] = (fast + photo[kind], cookie)
            cases[f"X-Accel-Redirect, {kind}"] = (accel + photo[kind], cookie)
            cases[f"Django streams it, {kind}"] = (streamed + photo[kind], cookie)
        # Each gunicorn worker's first request loads the URLconf and more (seconds on a busy machine): warm
        # them all up, with a long timeout, before anything is timed.
        for _ in range(4 * args.workers):
            for name, (url, cookie) in cases.items():
                status, body = fetch(url, cookie)
                if (status, body) != (200, data):
                    sys.exit(f"{name}: {url} answered {status} with {len(body)} bytes, not the thumbnail")

        load_before = os.getloadavg()
        results: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
        for round_number in range(args.rounds):
            for name, (url, cookie) in cases.items():
                results[name].append(
                    wrk(url, cookie, seconds=args.seconds, connections=args.connections, threads=args.threads)
                )
            print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
        load_after = os.getloadavg()

        static_rps = statistics.median(rps for rps, _ in results["nginx static"])
        print(
            f"\n640 px WebP ({len(data)} bytes, {args.storage}), "
            f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s "
            f"x {args.rounds} interleaved rounds, gunicorn {args.workers} workers x 4 threads, PostgreSQL; "
            f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; {os.cpu_count()} CPUs\n"
        )
        print(f"| {'case':<42} | {'req/s (median)':>14} | {'p99 ms':>8} | {'vs static':>9} |")
        print(f"|{'-' * 44}|{'-' * 15}:|{'-' * 9}:|{'-' * 10}:|")
        for name, runs in results.items():
            rps = statistics.median(r for r, _ in runs)
            p99 = statistics.median(p for _, p in runs)
            print(f"| {name:<42} | {rps:>14,.0f} | {p99:>8.2f} | {100 * rps / static_rps:>8.1f}% |")
    finally:
        for process in reversed(processes):
            if isinstance(process, subprocess.Popen):
                process.terminate()
                process.wait(timeout=30)
            else:
                process.stop()
        if weed is not None:
            seaweedfs_stop(weed)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
