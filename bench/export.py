"""Benchmark link-sheet exports on PostgreSQL: 100 000 photos across 20 000 articles.

    .venv/bin/python bench/export.py [--database-url postgres://postgres@127.0.0.1:5432/pichosting_bench_export]

Fills the database once with bulk inserts (albums, articles, photos and their thumbnail rows; no files: an
export never opens one), then runs each export in a fresh process and prints a table of time, rows and peak
RSS. In the same run it times, for each case, raw openpyxl write-only (and for CSV also csv.writer; for XLSX
also XlsxWriter `constant_memory` and rustpy-xlsxwriter, the fastest writer, bench-only installs) writing the
same rows from a Python list: the floor no exporter built on them can beat. Runs alternate so
every side sees the same machine load. The table gives the ratio of the fastest runs, the median ratio of the
rounds (one run of each side after the other), how long the fastest export waited (wall minus CPU time:
mostly on PostgreSQL), and how long reading the rows into that list took at best (`read s`: the export's work
short of writing). Targets: at most 1.1× raw openpyxl, within 2× of rustpy-xlsxwriter, first byte over HTTP
under 1 s, peak RSS under 150 MB.

    .venv/bin/python bench/export.py --http [--only "xlsx per_image"] --repeat 5

starts gunicorn (deploy/gunicorn.conf.py, one worker, port 18601) on the same database and times, for a
signed-in `appviewer`, the first body byte and the whole file of the export's download (after one small
untimed request that warms the worker up).

    .venv/bin/python bench/export.py --instructions --only "xlsx in_row"

counts instructions instead (valgrind's callgrind, minutes per case): the same for the same code, however
noisy the machine. The export's count (its process minus the same process stopped before exporting) is
divided by raw openpyxl's (its process minus the same process stopped after building the rows list).
"""

import argparse
import csv
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pichosting_bench_export"
ALBUMS, ARTICLES, PHOTOS = 5, 20_000, 100_000
CASES = {
    "xlsx per_image": {"fmt": "xlsx", "layout": "per_image"},
    "xlsx in_row": {"fmt": "xlsx", "layout": "in_row"},
    "xlsx wildberries": {"fmt": "xlsx", "preset": "wildberries"},
    "csv per_image": {"fmt": "csv", "layout": "per_image"},
    "csv in_row": {"fmt": "csv", "layout": "in_row"},
}


def django_setup(database_url: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()


def database_ensure(database_url: str) -> None:
    """Create the benchmark database if it does not exist (connecting to the `postgres` database)."""
    import psycopg

    base, _, name = database_url.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def catalogue_fill() -> None:
    """Bulk-insert the catalogue unless it is there (bulk_create skips Image.save: album_id is set here)."""
    from django.core.management import call_command
    from django.db import transaction

    from gallery.models import Album, Article, Image, Thumbnail, name_key
    from gallery.services import album_counters_refresh, article_counts_refresh
    from gallery.specs import THUMBNAIL_SPECS, fit_within

    call_command("migrate", verbosity=0)
    if Image.objects.count() == PHOTOS and Article.objects.count() == ARTICLES:
        return
    print(f"filling: {ALBUMS} albums, {ARTICLES} articles, {PHOTOS} photos …", file=sys.stderr)
    started = time.perf_counter()
    with transaction.atomic():
        Album.objects.all().delete()
        albums = Album.objects.bulk_create(
            Album(
                name=f"Сезон {n}",
                name_key=name_key(f"Сезон {n}"),
                slug=f"sezon-{n}",
                public_links_enabled=True,
            )
            for n in range(ALBUMS)
        )
        articles = Article.objects.bulk_create(
            (
                Article(
                    album=albums[n % ALBUMS],
                    sku=f"{n:06d}",
                    sku_key=f"{n:06d}",
                    slug=f"{n:06d}",
                )
                for n in range(ARTICLES)
            ),
            batch_size=5000,
        )
        formats = ("JPEG", "JPEG", "JPEG", "PNG", "WEBP")
        images = []
        for n in range(PHOTOS):
            article = articles[n % ARTICLES]
            position = n // ARTICLES
            sha = f"{n:064x}"[::-1]
            images.append(
                Image(
                    album_id=article.album_id,
                    article=article,
                    file=f"originals/{article.album.slug}/{article.slug}/{sha[:16]}.jpg",
                    original_name=f"{article.sku}_{position}.jpg",
                    position=position,
                    sha256=sha,
                    bytes=1_500_000 + n,
                    width=1200,
                    height=1600,
                    format=formats[n % len(formats)],
                )
            )
        images = Image.objects.bulk_create(images, batch_size=5000)
        thumbnails = (
            Thumbnail(
                image_id=image.pk,
                size=spec.size,
                format=spec.format,
                file=f"thumbnails/{image.sha256[:16]}-{spec.size}.{spec.extension}",
                width=fit_within(1200, 1600, spec.size)[0],
                height=fit_within(1200, 1600, spec.size)[1],
                bytes=10_000,
            )
            for image in images
            for spec in THUMBNAIL_SPECS
        )
        Thumbnail.objects.bulk_create(thumbnails, batch_size=10_000)
        article_counts_refresh(articles=Article.objects.all())
        for album in albums:
            album_counters_refresh(album_id=album.pk)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"filled in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss it is not inherited across fork + exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def _raw_write(fmt: str, header: list[str], rows: list[list], target) -> None:
    """The baseline: plain openpyxl write-only (or csv.writer) over rows already in a Python list."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        worksheet = workbook.create_sheet("Links")
        worksheet.append(header)
        for row in rows:
            worksheet.append(row)
        workbook.save(target)
    elif fmt == "xlsxwriter":  # the fastest pure-Python writer, in its streaming mode
        import xlsxwriter

        workbook = xlsxwriter.Workbook(target, {"constant_memory": True})
        worksheet = workbook.add_worksheet("Links")
        worksheet.write_row(0, 0, header)
        for number, row in enumerate(rows, start=1):
            worksheet.write_row(number, 0, row)
        workbook.close()
    elif fmt == "rustpy":  # the fastest writer there is (Rust); rows arrive as the dicts it takes
        from rustpy_xlsxwriter import FastExcel

        FastExcel(target).sheet("Links", rows).save()
    else:
        text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
        writer = csv.writer(text, delimiter=";")
        writer.writerow(header)
        writer.writerows(rows)
        text.flush()
        text.detach()


def run_case(name: str, *, raw: str) -> dict:
    """One export, or (`raw` = xlsx|csv) that raw writer over the same rows, in this process; measurements.

    `raw` = setup stops before exporting, `raw` = build after building the rows list: the baselines that
    `--instructions` subtracts.
    """
    from exports.rows import sheet_build
    from exports.services import export_create
    from exports.sheets import ExportFormat
    from exports.spec import export_spec_clean
    from gallery.models import Album

    albums = list(Album.objects.order_by("name_key").values_list("name", flat=True))
    params = dict(CASES[name])
    fmt = ExportFormat(params.pop("fmt"))
    spec = export_spec_clean(albums=albums, **params)
    rss_before = peak_rss_mb()
    if raw == "setup":
        return {}
    with tempfile.TemporaryFile() as target:
        if raw:
            started = time.perf_counter()
            sheet = sheet_build(spec)
            rows = list(sheet.rows)
            read_seconds = time.perf_counter() - started
            if raw == "build":
                return {}
            if raw == "rustpy":
                header = [column.title for column in sheet.columns]
                rows = [dict(zip(header, row, strict=True)) for row in rows]
            started, cpu_started = time.perf_counter(), time.process_time()
            _raw_write(raw, [column.title for column in sheet.columns], rows, target)
            count = len(rows)
            first_byte = None
        else:
            read_seconds = None
            started, cpu_started = time.perf_counter(), time.process_time()
            export = export_create(spec=export_spec_clean(albums=albums, **params), fmt=fmt)
            first_byte = None
            for chunk in export.content:
                first_byte = first_byte or time.perf_counter() - started
                target.write(chunk)
            count = export.row_count
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        target.seek(0, os.SEEK_END)
        size = target.tell()
    return {
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "read_seconds": read_seconds,
        "first_byte_seconds": first_byte,
        "rows": count,
        "bytes": size,
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak_rss_mb(),
    }


def _case_command(database_url: str, name: str, raw: str) -> list[str]:
    return [sys.executable, __file__, "--database-url", database_url, "--case", name, "--raw", raw]


def measure(database_url: str, name: str, *, raw: str) -> dict:
    """Run one case in a fresh process: the export itself (`raw` empty) or a raw writer (`xlsx`, `csv`)."""
    command = _case_command(database_url, name, raw)
    output = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(output.stdout.strip().splitlines()[-1])


def _callgrind(database_url: str, name: str, side: str, out: Path) -> subprocess.Popen:
    command = [
        "valgrind",
        "--tool=callgrind",
        f"--callgrind-out-file={out}",
        *_case_command(database_url, name, side),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def instructions(database_url: str, name: str) -> dict[str, int]:
    """Instructions (callgrind) of the four processes `--instructions` compares, two at a time."""
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for pair in (("setup", ""), ("build", "xlsx")):
            outs = {side: Path(folder, f"callgrind.{side or 'export'}") for side in pair}
            running = {side: _callgrind(database_url, name, side, out) for side, out in outs.items()}
            for side, process in running.items():
                _, errors = process.communicate()
                if process.returncode:
                    raise SystemExit(f"{name} ({side or 'export'}), valgrind:\n{errors.decode()[-2000:]}")
                summary = re.search(r"^summary: (\d+)", outs[side].read_text(), re.MULTILINE)
                counts[side] = int(summary.group(1))
    return counts


def instructions_table(database_url: str, names: list[str]) -> None:
    if not shutil.which("valgrind"):
        raise SystemExit("--instructions needs valgrind: apt-get install -y valgrind")
    print("| case | export instructions | raw openpyxl instructions | × openpyxl |")
    print("|---|---:|---:|---:|")
    for name in names:
        counts = instructions(database_url, name)
        ours, raw = counts[""] - counts["setup"], counts["xlsx"] - counts["build"]
        print(f"| {name} | {ours / 1e9:.2f} G | {raw / 1e9:.2f} G | {ours / raw:.2f} |")


HTTP_PORT = 18601


def _http_session() -> str:
    """A signed-in `appviewer` session in the benchmark database: its cookie value."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.roles import Role

    user, _ = get_user_model().objects.get_or_create(username="bench-export")
    user.groups.add(Group.objects.get(name=Role.VIEWER.value))
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


def http_table(database_url: str, name: str, repeat: int) -> None:
    """Time to the first body byte and to the last of `name` as a signed-in download through gunicorn
    (deploy/gunicorn.conf.py, one worker) on PostgreSQL."""
    import http.client
    from urllib.parse import urlencode

    from gallery.models import Album

    params = dict(CASES[name])
    query = {
        "albums": [album.slug for album in Album.objects.all()],
        "file_format": params.pop("fmt"),
        **params,
    }
    path = "/exports/download?" + urlencode(query, doseq=True)
    cookie = _http_session()
    environment = os.environ | {
        "DATABASE_URL": database_url,
        "PORT": str(HTTP_PORT),
        "WEB_BIND": "127.0.0.1",
        "WEB_WORKERS": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "pichosting.wsgi", "-c", "deploy/gunicorn.conf.py"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    firsts, totals = [], []
    try:
        for _ in range(100):
            try:
                http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=1).request("HEAD", "/")
                break
            except OSError:
                time.sleep(0.2)
        warm = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=60)  # imports, connections: untimed
        warm.request("GET", path + "&skus=000000", headers={"Cookie": f"sessionid={cookie}"})
        warm.getresponse().read()
        for _ in range(repeat):
            connection = http.client.HTTPConnection("127.0.0.1", HTTP_PORT, timeout=600)
            started = time.perf_counter()
            connection.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
            response = connection.getresponse()
            if response.status != 200:
                raise SystemExit(f"{path}: {response.status} {response.read()[:300]!r}")
            response.read(1)
            firsts.append(time.perf_counter() - started)
            size = 1 + len(response.read())
            totals.append(time.perf_counter() - started)
            connection.close()
    finally:
        server.terminate()
        server.wait()
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"\n{name} over HTTP (gunicorn, 1 worker, PostgreSQL), {repeat} requests, load average {load}\n")
    print("| case | file MB | first body byte s (median) | first byte s (max) | whole file s (median) |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| {name} | {size / 1e6:.1f} | {statistics.median(firsts):.2f} | {max(firsts):.2f} "
        f"| {statistics.median(totals):.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=3, help="runs per case; the fastest counts")
    parser.add_argument("--only", nargs="+", choices=CASES, metavar="CASE", help="run only these cases")
    parser.add_argument("--instructions", action="store_true", help="count instructions, not seconds")
    parser.add_argument("--http", action="store_true", help="time first byte over HTTP through gunicorn")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--raw", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        django_setup(args.database_url)
        print(json.dumps(run_case(args.case, raw=args.raw)))
        return
    database_ensure(args.database_url)
    django_setup(args.database_url)
    catalogue_fill()
    if args.http:
        for name in args.only or ["xlsx per_image"]:
            http_table(args.database_url, name, args.repeat)
        return
    if args.instructions:
        instructions_table(args.database_url, [name for name in CASES if not args.only or name in args.only])
        return
    table = []
    for name, params in CASES.items():
        if args.only and name not in args.only:
            continue
        sides = ["", "xlsx", *(["csv"] if params["fmt"] == "csv" else ["xlsxwriter", "rustpy"])]
        runs: dict[str, list[dict]] = {side: [] for side in sides}
        for _ in range(args.repeat):  # alternate, so every side sees the same machine load
            for side in sides:
                runs[side].append(measure(args.database_url, name, raw=side))
        best = {side: min(runs[side], key=lambda run: run["seconds"]) for side in sides}
        rounds = [ours["seconds"] / raw["seconds"] for ours, raw in zip(runs[""], runs["xlsx"], strict=True)]
        peak = max(run["peak_rss_mb"] for run in runs[""])
        reads = [run["read_seconds"] for run in runs["xlsx"]]
        writer_rounds = [
            ours["seconds"] / fast["seconds"]
            for ours, fast in zip(runs[""], runs.get("xlsxwriter", runs["xlsx"]), strict=True)
        ]
        first_byte = statistics.median(run["first_byte_seconds"] for run in runs[""])
        rust_rounds = [
            ours["seconds"] / fast["seconds"]
            for ours, fast in zip(runs[""], runs.get("rustpy", runs["xlsx"]), strict=True)
        ]
        rust = f"{statistics.median(rust_rounds):.2f}" if "rustpy" in runs else "—"
        table.append(
            (
                name,
                best,
                statistics.median(rounds),
                reads,
                peak,
                statistics.median(writer_rounds),
                first_byte,
                rust,
            )
        )
        print(
            f"  {name}: " + ", ".join(f"{side or 'ours'} {best[side]['seconds']:.2f} s" for side in sides),
            file=sys.stderr,
        )
    load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"\nExports of {PHOTOS:,} photos / {ARTICLES:,} articles on PostgreSQL, {args.repeat} rounds, "
        f"load average {load}\n"
    )
    columns = [
        "case",
        "rows",
        "file MB",
        "time s",
        "waited s",
        "read s",
        "raw openpyxl s",
        "× openpyxl",
        "× median of rounds",
        "first byte s (median)",
        "× XlsxWriter constant_memory (median)",
        "× rustpy-xlsxwriter (median)",
        "raw csv s",
        "peak RSS MB",
        "start RSS MB",
    ]
    print("| " + " | ".join(columns) + " |")
    print("|---|" + "---:|" * (len(columns) - 1))
    for name, best, median, reads, peak, writer_median, first_byte, rust in table:
        ours, xlsx, read = best[""], best["xlsx"], min(reads)
        raw_csv = f"{best['csv']['seconds']:.2f}" if "csv" in best else "—"
        print(
            f"| {name} | {ours['rows']:,} | {ours['bytes'] / 1e6:.1f} | {ours['seconds']:.2f} "
            f"| {ours['seconds'] - ours['cpu_seconds']:.2f} | {read:.2f} | {xlsx['seconds']:.2f} "
            f"| {ours['seconds'] / xlsx['seconds']:.2f} | {median:.2f} | {first_byte:.2f} "
            f"| {writer_median:.2f} | {rust} "
            f"| {raw_csv} | {peak:.0f} "
            f"| {ours['rss_before_mb']:.0f} |"
        )


if __name__ == "__main__":
    main()
