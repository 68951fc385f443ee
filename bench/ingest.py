"""Benchmark photo ingest, whole service included: 12 MP JPEGs into the ladder (3 sizes × JPEG + WebP).

    .venv/bin/python bench/ingest.py [--photos 8] [--rounds 5] [--workers 1,2] [--rss-zip-mb 100,300]
                                     [--rss-member-mb 0] [--storage filesystem,s3] [--resample-check]
                                     [--prefault-gb 4]

Builds photo-like 4000×3000 JPEGs (quality 90) and prints tables; every figure is the median over
`--rounds` interleaved rounds (each round runs every contender once, in a rotating order), never a best-of:

1. CPU ms per photo of the whole process (all threads), so other load on the machine counts little:
   a naive Pillow pipeline (full decode, every size resized from the original with LANCZOS, Pillow's default
   WebP method), our renderer alone (`gallery.thumbnails.thumbnails_render`), the whole ingest service
   (`upload_job_create` of a ZIP of the photos with `UPLOAD_WORKERS=1`: spool, hash, validate, render, store
   the original and six renditions, rows, journal, counters), and libvips (`pyvips`, on one thread:
   `VIPS_CONCURRENCY=1` is set before it is imported) at its default WebP effort and at ours.
2. Wall seconds and photos/s of the job (the worker's part, from the spool to the last row) on the same ZIP
   for each storage of `--storage` and each `--workers` count (`UPLOAD_WORKERS`: the ingest threads of the
   one worker process running the job; a job is one ZIP, so two worker processes never share one), with the
   speed-up over the first count and the ratio of each storage to the first one; beside them the intake (the
   web node's part: the ZIP into the spool, which a real upload streams while the body arrives) and the
   ratio of intake + job to the first storage's. Above them, in the same interleaved rounds, the machine's
   ceiling: our renderer alone on the same photos split over that many forked processes, and over that
   many threads of one process (what the GIL leaves of it).
3. Peak RSS of a fresh process ingesting ZIPs of each `--rss-zip-mb` size from each storage (photos repeated
   with distinct bytes after the JPEG end marker, so every one is a new photo; with `--rss-member-mb` each
   is padded with random bytes to that size, so a 1 GB archive needs few photos): memory must not grow
   with the archive.
4. With `--resample-check`: LANCZOS against BICUBIC on the cascade (CPU, PSNR, JPEG size), and side-by-side
   crops written to the work folder for looking at (how gallery/thumbnails.py's filter was chosen).

Before the tables it pre-touches `--prefault-gb` of memory and frees it, and prints what writing new files
cost per MB before and after. A freshly booted virtual machine pays its hypervisor on the first touch of each
page of its memory (about 4 µs a page measured here): until the page cache has grown over pages touched
before, every new file written costs several times its copy, charged to whichever contender wrote first
(7.6–10.3 ms of CPU per 3 MB written, against 1.4–1.6 ms once 2 GB had been touched). A server that has run
a while has touched its memory; the rounds should measure our code, not the machine's first hours.

`--storage` lists where the service stores files: `filesystem` (a folder) and `s3` (a SeaweedFS started for
the run on 127.0.0.1, ports from `--seaweedfs-ports-from`, a new bucket). The first one is set up in the
environment before Django starts (table 1 uses it); the others are switched to with `override_settings`, and
the RSS children get each one's environment. Targets: the whole service ≥ 3.5× naive per photo; 2 workers
≥ 1.8× one in wall time (issue 19; ≥ 1.7× in issue 15); S3 ingest ≥ 0.8× the filesystem's photos/s; peak RSS
< 300 MB at every ZIP size, 1 GB from S3 included (issue 15).
"""

import os

os.environ["VIPS_CONCURRENCY"] = "1"  # before anything imports pyvips: libvips reads it once, at start

import argparse
import contextlib
import io
import math
import mmap
import multiprocessing
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 4000, 3000
NAIVE = "naive Pillow (full decode, LANCZOS from the original, default WebP method)"
SERVICE = "whole ingest service, UPLOAD_WORKERS=1 (hash, validate, render, store, rows)"


STORAGES = ("filesystem", "s3")
S3_KEYS = (
    "STORAGE_BACKEND",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
)
S3_ENVIRONMENT: dict[str, str] = {}  # filled by `s3_start`: the bucket of this run and how to reach it
S3_SERVER: dict[str, int] = {}  # the SeaweedFS process ("pid"), whose CPU the workers table reports


def storage_environment(kind: str, workdir: Path) -> dict[str, str]:
    """The environment that makes the service store its files in `kind` of storage under `workdir`."""
    if kind == "filesystem":
        return {"MEDIA_ROOT": str(workdir / "media"), "STORAGE_BACKEND": "filesystem"}
    if kind == "s3":
        return {"MEDIA_ROOT": str(workdir / "media"), **S3_ENVIRONMENT}
    raise SystemExit(f"unknown storage {kind!r}")


def s3_start(workdir: Path, first_port: int):
    """Start SeaweedFS (tests/seaweedfs.py) on ports `first_port`…+7, make a bucket; returns its process."""
    sys.path.insert(0, str(ROOT))
    from tests import seaweedfs

    seaweedfs._free_ports = lambda count: list(range(first_port, first_port + count))
    process, server = seaweedfs.seaweedfs_start(workdir / "seaweedfs")
    S3_SERVER["pid"] = process.pid
    S3_ENVIRONMENT.update(server.environment(server.bucket_create()))
    return process


KEPT_STORAGES: dict = {}  # storage kind → the storage object `storage_switched` made for it


@contextlib.contextmanager
def storage_switched(kind: str, workdir: Path) -> Iterator[None]:
    """Django's default storage is `kind` inside, for timing storages side by side. Each kind's storage
    object is made once and kept, as a worker process keeps its one default storage (and with it its S3
    client and connections: a new client costs about 0.2 s of CPU, which no steady worker pays per job)."""
    from django.conf import settings
    from django.core.files.storage import storages
    from django.test import override_settings

    if kind == "filesystem":
        default = {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(workdir / "media")},
        }
    else:
        default = {
            "BACKEND": settings.STORAGE_BACKENDS["s3"],
            "OPTIONS": {
                "bucket_name": S3_ENVIRONMENT["S3_BUCKET"],
                "endpoint_url": S3_ENVIRONMENT["S3_ENDPOINT_URL"],
                "region_name": S3_ENVIRONMENT["S3_REGION"],
                "access_key": S3_ENVIRONMENT["AWS_ACCESS_KEY_ID"],
                "secret_key": S3_ENVIRONMENT["AWS_SECRET_ACCESS_KEY"],
            },
        }
    with override_settings(STORAGES={**settings.STORAGES, "default": default}):
        if kind in KEPT_STORAGES:
            storages._storages["default"] = KEPT_STORAGES[kind]
        else:
            KEPT_STORAGES[kind] = storages["default"]
        yield


def django_setup(workdir: Path, storage: str) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["LOCK_DIR"] = str(workdir / "locks")
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")
    os.environ.update(storage_environment(storage, workdir))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def new_file_write_ms_per_mb(folder: Path, megabytes: int = 64) -> float:
    """CPU ms per MB of writing a new file in 64 kB blocks (the page cache growing), then deleting it."""
    block, path = os.urandom(64 * 1024), folder / "write-probe"
    started = time.thread_time()
    with path.open("wb") as handle:
        for _ in range(megabytes * 16):
            handle.write(block)
    spent = time.thread_time() - started
    path.unlink()
    return spent * 1000 / megabytes


def memory_prefault(gigabytes: float) -> None:
    """Write zeros over `gigabytes` of fresh memory (every page of it) and give it back, so the page cache
    grows over pages the hypervisor has already backed (see the module's docstring)."""
    chunk = bytes(64 * 1024**2)
    region = mmap.mmap(-1, int(gigabytes * 1024**3))
    for offset in range(0, len(region), len(chunk)):
        region[offset : offset + len(chunk)] = chunk[: len(region) - offset]
    region.close()


def photo_like(seed: int) -> bytes:
    """A 12 MP JPEG with what photos have: smooth gradients, edges, shapes and fine sensor-like noise."""
    from PIL import Image, ImageDraw, ImageFilter

    rng = random.Random(seed)
    small = (WIDTH // 8, HEIGHT // 8)
    channels = [Image.linear_gradient("L").rotate(rng.randrange(360)).resize(small) for _ in range(3)]
    base = Image.merge("RGB", channels).resize((WIDTH, HEIGHT), Image.Resampling.BICUBIC)
    draw = ImageDraw.Draw(base)
    for _ in range(40):
        x, y, r = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.randrange(40, 700)
        colour = tuple(rng.randrange(256) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x, y, x + r, y + r * 0.7), fill=colour)
    base = base.filter(ImageFilter.GaussianBlur(1.5))
    # Texture at two scales (fabric, skin, foliage) plus per-pixel sensor noise: photos' JPEG sizes and
    # decode/encode costs come from this detail.
    coarse = Image.merge("RGB", [Image.effect_noise((WIDTH // 4, HEIGHT // 4), 70) for _ in range(3)])
    base = Image.blend(base, coarse.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR), 0.25)
    fine = Image.effect_noise((WIDTH, HEIGHT), 25).convert("RGB")
    base = Image.blend(base, fine, 0.12)
    buffer = io.BytesIO()
    base.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def naive_pillow(data: bytes) -> None:
    """Full decode; every size resized from the original with LANCZOS; Pillow's default encoder settings."""
    from PIL import Image, ImageOps

    from gallery.specs import THUMBNAIL_SIZES, fit_within

    with Image.open(io.BytesIO(data)) as opened:
        picture = ImageOps.exif_transpose(opened).convert("RGB")
    for size in THUMBNAIL_SIZES:
        resized = picture.resize(fit_within(*picture.size, size), Image.Resampling.LANCZOS)
        for fmt, options in (("JPEG", {"quality": 85, "progressive": True}), ("WEBP", {"quality": 80})):
            resized.save(io.BytesIO(), fmt, **options)


def ours(data: bytes) -> None:
    from gallery.thumbnails import thumbnails_render

    thumbnails_render(io.BytesIO(data))


def vips_cascade(path: str, *, webp_effort: int | None) -> None:
    """libvips: shrink-on-load `thumbnail` to the largest rung, each smaller one from the one above; the
    JPEG settings of our rungs; WebP at libvips' default effort (None) or at `webp_effort`."""
    import pyvips

    from gallery.specs import THUMBNAIL_SIZES, ThumbnailSpec

    webp = {} if webp_effort is None else {"effort": webp_effort}
    current = None
    for size in sorted(THUMBNAIL_SIZES, reverse=True):
        if current is None:
            current = pyvips.Image.thumbnail(path, size, size=pyvips.enums.Size.DOWN).copy_memory()
        else:
            current = current.thumbnail_image(size, size=pyvips.enums.Size.DOWN).copy_memory()
        progressive = ThumbnailSpec(size, "jpeg").encode_options.get("progressive", False)
        current.jpegsave_buffer(Q=85, interlace=progressive, keep=pyvips.enums.ForeignKeep.NONE)
        current.webpsave_buffer(Q=80, keep=pyvips.enums.ForeignKeep.NONE, **webp)


class Ingested(NamedTuple):
    intake: float  # wall s of the web node's part: the ZIP into the spool and the job row
    job: float  # wall s of the worker's part: the job, from the spool to the last row
    cpu: float  # CPU s of both
    added: int


def ingest_zip(zip_path: Path, workers: int, album: str) -> Ingested:
    """The whole service ingesting `zip_path` into a new `album`: intake, then the job (ImmediateBackend runs
    it when the intake's transaction commits, as a worker takes it once it is committed)."""
    from django.conf import settings
    from django.core.files import File
    from django.db import transaction

    from uploads.intake import upload_job_create
    from uploads.models import UploadJob

    settings.UPLOAD_WORKERS = workers
    started, cpu = time.perf_counter(), time.process_time()
    with zip_path.open("rb") as handle, transaction.atomic():
        job = upload_job_create(user=None, files=[File(handle, name=f"{album}.zip")], album=album)
        intake = time.perf_counter() - started
    job = UploadJob.objects.get(pk=job.pk)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    if job.status != UploadJob.Status.DONE or job.refused:
        raise SystemExit(f"ingest did not succeed: {job.status} {job.error} refused={job.refused}")
    return Ingested(intake, wall - intake, cpu, job.added)


def photos_zip(photos: list[bytes], path: Path) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, data in enumerate(photos):
            archive.writestr(f"SKU-{index // 4}/{index}.jpg", data)
    return path


def interleaved(contenders: dict[str, Callable[[int], float]], rounds: int) -> dict[str, list[float]]:
    """Each contender's figure per round; every round runs all of them, starting one further each time."""
    names = list(contenders)
    figures: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(rounds):
        for name in names[round_index % len(names) :] + names[: round_index % len(names)]:
            figures[name].append(contenders[name](round_index))
    return figures


def load() -> str:
    return "load average " + ", ".join(f"{value:.2f}" for value in os.getloadavg())


def pipelines_table(photos: list[bytes], paths: list[str], zip_path: Path, rounds: int) -> None:
    def per_photo_cpu_ms(function, inputs) -> Callable[[int], float]:
        def run(_round: int) -> float:
            started = time.process_time()
            for item in inputs:
                function(item)
            return (time.process_time() - started) * 1000 / len(inputs)

        return run

    def service(round_index: int) -> float:
        ingested = ingest_zip(zip_path, 1, f"cpu-{round_index}")
        return ingested.cpu * 1000 / ingested.added

    contenders = {
        NAIVE: per_photo_cpu_ms(naive_pillow, photos),
        "our renderer alone (draft() decode + BICUBIC cascade)": per_photo_cpu_ms(ours, photos),
        SERVICE: service,
    }
    try:
        import pyvips

        pyvips.cache_set_max(0)
        contenders["libvips cascade, one thread, default WebP effort (4)"] = per_photo_cpu_ms(
            lambda path: vips_cascade(path, webp_effort=None), paths
        )
        contenders["libvips cascade, one thread, our WebP effort (0)"] = per_photo_cpu_ms(
            lambda path: vips_cascade(path, webp_effort=0), paths
        )
    except (ImportError, OSError) as exc:
        print(f"(pyvips not available: {exc}; libvips rows left out — pip install pyvips pyvips-binary)")
    figures = interleaved(contenders, rounds)
    naive = statistics.median(figures[NAIVE])
    print(
        f"\n| one 12 MP photo → 3 sizes × JPEG + WebP; median of {rounds} rounds, {load()} "
        "| CPU ms/photo | range | naive ÷ this |"
    )
    print("|---|---:|---:|---:|")
    for name, values in figures.items():
        median = statistics.median(values)
        print(f"| {name} | {median:.0f} | {min(values):.0f}–{max(values):.0f} | {naive / median:.2f}× |")


def server_cpu() -> float:
    """CPU seconds SeaweedFS has used so far (0 without it): it shares the cores with the ingest."""
    if "pid" not in S3_SERVER:
        return 0.0
    fields = Path(f"/proc/{S3_SERVER['pid']}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def workers_table(zip_path: Path, photos: int, workers: list[int], storages: list[str], rounds: int) -> None:
    """The job's wall time (the worker's part: what worker processes do) per storage and worker count, with
    the intake (the web node's part, which a real upload streams while the body arrives) beside it."""
    workdir = zip_path.parent
    runs: dict[tuple[str, int], list[tuple[Ingested, float]]] = {}

    def run(storage: str, count: int) -> Callable[[int], float]:
        def timed(round_index: int) -> float:
            server = server_cpu()
            with storage_switched(storage, workdir):
                ingested = ingest_zip(zip_path, count, f"wall-{storage}-{count}-{round_index}")
            runs.setdefault((storage, count), []).append((ingested, server_cpu() - server))
            return ingested.job

        return timed

    contenders = {(storage, count): run(storage, count) for storage in storages for count in workers}
    RENDER_PHOTOS[:] = _zip_members(zip_path)  # before the fork: the processes have them already
    with (
        multiprocessing.get_context("fork").Pool(max(workers)) as processes,
        ThreadPoolExecutor(max(workers)) as threads,
    ):
        processes.map(len, [b""] * max(workers))  # started before the first round
        for count in workers:
            contenders[(RENDER_PROCESSES, count)] = renders_split(count, processes.map)
            if count > 1:
                contenders[(RENDER_THREADS, count)] = renders_split(count, threads.map)
        figures = interleaved(contenders, rounds)
    medians = {key: statistics.median(values) for key, values in figures.items()}
    print(
        f"\n| whole service, ZIP of {photos} photos, median of {rounds} rounds, {load()} "
        f"| job s (the worker) | range | photos/s | speed-up vs {workers[0]} | photos/s ÷ {storages[0]}'s "
        f"| intake s | intake + job ÷ {storages[0]}'s | CPU ms/photo: ingest process | SeaweedFS |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for kind, count in contenders:
        if kind not in (RENDER_PROCESSES, RENDER_THREADS):
            continue
        values, median = figures[(kind, count)], medians[(kind, count)]
        print(
            f"| {kind.format(count=count)} | {median:.2f} | {min(values):.2f}–{max(values):.2f} "
            f"| {photos / median:.2f} | {medians[(RENDER_PROCESSES, workers[0])] / median:.2f}× | | | | | |"
        )
    whole = {
        key: statistics.median(ingested.intake + ingested.job for ingested, _server in pairs)
        for key, pairs in runs.items()
    }
    for storage, count in contenders:
        if storage in (RENDER_PROCESSES, RENDER_THREADS):
            continue
        values, median, pairs = figures[(storage, count)], medians[(storage, count)], runs[(storage, count)]
        intake = statistics.median(ingested.intake for ingested, _server in pairs)
        ours = statistics.median(ingested.cpu for ingested, _server in pairs) * 1000 / photos
        server = statistics.median(server for _ingested, server in pairs) * 1000 / photos
        print(
            f"| {storage}, UPLOAD_WORKERS={count} | {median:.2f} | {min(values):.2f}–{max(values):.2f} "
            f"| {photos / median:.2f} | {medians[(storage, workers[0])] / median:.2f}× "
            f"| {medians[(storages[0], count)] / median:.2f}× | {intake:.2f} "
            f"| {whole[(storages[0], count)] / whole[(storage, count)]:.2f}× | {ours:.0f} | {server:.0f} |"
        )


# The machine's ceiling for the workers table: our renderer alone on the ZIP's photos, split over processes
# (nothing shared: what the cores give at best) and over threads of one process (what the GIL leaves).
RENDER_PROCESSES = "the ceiling: our renderer alone, photos split over {count} forked process(es)"
RENDER_THREADS = "our renderer alone, photos split over {count} threads of one process (the GIL shared)"
RENDER_PHOTOS: list[bytes] = []  # the ZIP's photos, for `renders_split` (forked processes inherit it)


def _zip_members(zip_path: Path) -> list[bytes]:
    with zipfile.ZipFile(zip_path) as archive:
        return [archive.read(info) for info in archive.infolist()]


def _render_share(share: tuple[int, int]) -> None:
    """Render every `count`-th photo of `RENDER_PHOTOS` from `start`, for `share` = (start, count)."""
    start, count = share
    for data in RENDER_PHOTOS[start::count]:
        ours(data)


def renders_split(count: int, mapper: Callable) -> Callable[[int], float]:
    """Wall seconds to render `RENDER_PHOTOS` split into `count` shares run by `mapper` (a pool's `map`;
    one share runs in this thread), with no storage, database or job in the way."""

    def timed(_round: int) -> float:
        started = time.perf_counter()
        if count == 1:
            _render_share((0, 1))
        else:
            list(mapper(_render_share, [(start, count) for start in range(count)]))
        return time.perf_counter() - started

    return timed


def rss_zip(photos: list[bytes], path: Path, megabytes: int, member_mb: int) -> int:
    """A stored ZIP of about `megabytes` of distinct photos (each padded to `member_mb`); returns how many."""
    written, index = 0, 0
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        while written < megabytes * 1024**2:
            # Bytes after the JPEG end marker: a new file (new SHA-256), the same picture.
            data = photos[index % len(photos)] + index.to_bytes(4, "big")
            if member_mb:
                data += os.urandom(max(0, member_mb * 1024**2 - len(data)))  # incompressible
            archive.writestr(f"SKU-{index // 10}/{index}.jpg", data)
            written += len(data)
            index += 1
    return index


def rss_table(photos: list[bytes], workdir: Path, sizes_mb: list[int], storages: list[str], member_mb: int):
    print(
        f"\n| ZIP ingested by a fresh process, UPLOAD_WORKERS={os.cpu_count()}, {load()} "
        "| storage | photos | member MB | wall s | peak RSS MB |"
    )
    print("|---|---|---:|---:|---:|---:|")
    for megabytes in sizes_mb:
        zip_path = workdir / f"rss-{megabytes}.zip"
        count = rss_zip(photos, zip_path, megabytes, member_mb)
        size = zip_path.stat().st_size / 1024**2
        for storage in storages:
            child_dir = workdir / f"rss-{megabytes}-{storage}"
            command = [
                sys.executable,
                __file__,
                "--rss-child",
                str(zip_path),
                "--workdir",
                str(child_dir),
                "--storage",
                storage,
            ]
            environment = {**os.environ, **storage_environment(storage, child_dir)}
            started = time.perf_counter()
            output = subprocess.run(
                command, check=True, capture_output=True, text=True, env=environment
            ).stdout.split()
            elapsed = time.perf_counter() - started
            member = size / count
            print(
                f"| {size:.0f} MB | {storage} | {count} | {member:.1f} | {elapsed:.0f} "
                f"| {int(output[-1]) / 1024:.0f} |"
            )
        zip_path.unlink()


def rss_child(zip_path: Path, workdir: Path, storage: str) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    S3_ENVIRONMENT.update({key: os.environ[key] for key in S3_KEYS if key in os.environ})
    django_setup(workdir, storage)
    ingest_zip(zip_path, os.cpu_count() or 1, "big")
    # VmHWM is this process's own peak: ru_maxrss would also count the parent's pages it was forked from.
    print(Path("/proc/self/status").read_text().split("VmHWM:")[1].split()[0])  # KiB


def resample_check(photo: bytes, workdir: Path, rounds: int) -> None:
    from PIL import Image, ImageChops, ImageDraw, ImageFont, ImageStat

    from gallery.specs import THUMBNAIL_SIZES, fit_within

    with Image.open(io.BytesIO(photo)) as opened:
        opened.draft("RGB", (max(THUMBNAIL_SIZES),) * 2)
        source = opened.convert("RGB")
    draw = ImageDraw.Draw(source)  # fine detail, where filters differ: hairlines and small print
    for x in range(0, source.width, 7):
        draw.line((x, 0, x + 300, 600), fill=(0, 0, 0), width=1)
    font = ImageFont.load_default(size=28)
    for y in range(700, 1400, 40):
        draw.text((50, y), "Артикул SKU-12345 Размер XL — 0123456789", fill=(10, 10, 10), font=font)
    filters = {"LANCZOS": Image.Resampling.LANCZOS, "BICUBIC": Image.Resampling.BICUBIC}
    rungs: dict[str, dict[int, Image.Image]] = {}

    def cascade(name: str) -> Callable[[int], float]:
        def run(_round: int) -> float:
            picture, rungs[name] = source, {}
            started = time.process_time()
            for size in sorted(THUMBNAIL_SIZES, reverse=True):
                picture = picture.resize(fit_within(*source.size, size), filters[name], reducing_gap=3.0)
                rungs[name][size] = picture
            return (time.process_time() - started) * 1000

        return run

    figures = interleaved({name: cascade(name) for name in filters}, max(rounds, 3))
    print(
        f"\n| resize cascade {source.size[0]}×{source.size[1]} → ladder, {load()} | CPU ms "
        + "".join(f"| JPEG KB at {size} " for size in sorted(THUMBNAIL_SIZES))
        + "|"
    )
    print("|---|---:" + "|---:" * len(THUMBNAIL_SIZES) + "|")
    for name in filters:
        sizes = []
        for size in sorted(THUMBNAIL_SIZES):
            buffer = io.BytesIO()
            rungs[name][size].save(buffer, "JPEG", quality=85)
            sizes.append(f"| {buffer.tell() / 1024:.1f} ")
        print(f"| {name} | {statistics.median(figures[name]):.0f} " + "".join(sizes) + "|")
    for size in sorted(THUMBNAIL_SIZES):
        diff = ImageChops.difference(rungs["LANCZOS"][size], rungs["BICUBIC"][size])
        mse = sum(ImageStat.Stat(diff).sum2) / (3 * diff.width * diff.height)
        side = Image.new("RGB", (diff.width * 2 + 8, diff.height), "white")
        side.paste(rungs["LANCZOS"][size], (0, 0))
        side.paste(rungs["BICUBIC"][size], (diff.width + 8, 0))
        side.save(workdir.parent / f"resample-{size}-lanczos-left-bicubic-right.png")
        print(f"PSNR LANCZOS vs BICUBIC at {size} px: {10 * math.log10(255**2 / max(mse, 1e-9)):.1f} dB")
    print(f"side-by-side pictures: {workdir.parent}/resample-*.png")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", default="1,2", help="comma-separated UPLOAD_WORKERS counts")
    parser.add_argument("--rss-zip-mb", default="100,300", help="comma-separated sizes; 0 skips")
    parser.add_argument("--rss-member-mb", type=int, default=0, help="pad each photo of the RSS ZIPs to this")
    parser.add_argument("--storage", default="filesystem", help=f"comma-separated, of {', '.join(STORAGES)}")
    parser.add_argument("--seaweedfs-ports-from", type=int, default=18400, help="8 ports from this one")
    parser.add_argument("--resample-check", action="store_true")
    parser.add_argument("--prefault-gb", type=float, default=4, help="memory to touch first (0: none)")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.workdir, args.storage)
        return
    storages = args.storage.split(",")
    if unknown := set(storages) - set(STORAGES):
        parser.error(f"unknown storage {', '.join(sorted(unknown))}")
    Path("/tmp/bench-ingest").mkdir(exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="run-", dir="/tmp/bench-ingest") as tmp,
        contextlib.ExitStack() as stack,
    ):
        workdir = Path(tmp)
        if args.prefault_gb > 0:
            before = new_file_write_ms_per_mb(workdir)
            memory_prefault(args.prefault_gb)
            print(
                f"new-file writes: {before:.2f} ms CPU per MB, {new_file_write_ms_per_mb(workdir):.2f} after "
                f"touching {args.prefault_gb:g} GB of memory"
            )
        if "s3" in storages:
            weed = s3_start(workdir, args.seaweedfs_ports_from)
            from tests.seaweedfs import seaweedfs_stop

            stack.callback(seaweedfs_stop, weed)
        django_setup(workdir, storages[0])
        import PIL

        print(
            f"Python {sys.version.split()[0]}, Pillow {PIL.__version__}, {os.cpu_count()} cores, "
            f"storages {', '.join(storages)}"
        )
        print(f"building {args.photos} photo-like {WIDTH}×{HEIGHT} JPEGs (quality 90)…")
        photos = [photo_like(seed) for seed in range(args.photos)]
        paths = []
        for index, data in enumerate(photos):
            path = workdir / f"photo-{index}.jpg"
            path.write_bytes(data)
            paths.append(str(path))
        print(f"mean photo: {sum(map(len, photos)) / len(photos) / 1024**2:.1f} MB")
        if args.resample_check:
            resample_check(photos[0], workdir, args.rounds)
        zip_path = photos_zip(photos, workdir / "photos.zip")
        pipelines_table(photos, paths, zip_path, args.rounds)
        workers = [int(count) for count in args.workers.split(",")]
        workers_table(zip_path, len(photos), workers, storages, args.rounds)
        sizes = [int(size) for size in args.rss_zip_mb.split(",") if int(size) > 0]
        if sizes:
            rss_table(photos, workdir, sizes, storages, args.rss_member_mb)


if __name__ == "__main__":
    main()
