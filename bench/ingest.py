"""Benchmark photo ingest: 12 MP JPEGs into the thumbnail ladder (3 sizes × JPEG + WebP).

    .venv/bin/python bench/ingest.py [--photos 40] [--rounds 2] [--big-zip-mb 1024]

Builds photo-like 4000×3000 JPEGs (quality 90) and prints tables:

1. CPU ms per photo for the same six outputs made by: a naive Pillow pipeline (full decode, every size
   resized from the original with LANCZOS, Pillow's default WebP method), ours
   (`gallery.thumbnails.thumbnails_render`: one `draft()` decode and a cascade), and, when pyvips is
   installed, libvips `thumbnail` with its defaults (per size, from the file) and a libvips cascade. CPU time
   of the whole process (all threads) is measured, so other load on the machine does not count; each photo's
   best of `--rounds` runs, pipelines alternating.
2. WebP `method` 0–6 on the 1600 px rung: encode time and size (how gallery/specs.py's setting was chosen).
3. The real ingest service (`upload_job_create` → job on a thread pool) on a ZIP of the photos, for one
   worker and for one per core: wall images/s and CPU ms per image.
4. Peak RSS of a fresh process ingesting a ZIP of about `--big-zip-mb` MB (the photos repeated with distinct
   bytes after the JPEG end marker, so every one is a new photo).

Targets: ours ≥ 3× the naive baseline per core; faster than libvips with its defaults; peak RSS < 300 MB.
"""

import argparse
import io
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 4000, 3000


def django_setup(workdir: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ["UPLOAD_SPOOL_DIR"] = str(workdir / "spool")
    os.environ["LOCK_DIR"] = str(workdir / "locks")
    os.environ["TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ["LOG_LEVEL"] = "WARNING"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


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


def naive_pillow(data: bytes) -> int:
    """Full decode; every size resized from the original with LANCZOS; Pillow's default encoder settings."""
    from PIL import Image, ImageOps

    from gallery.specs import THUMBNAIL_SIZES, fit_within

    with Image.open(io.BytesIO(data)) as opened:
        picture = ImageOps.exif_transpose(opened).convert("RGB")
    total = 0
    for size in THUMBNAIL_SIZES:
        resized = picture.resize(fit_within(*picture.size, size), Image.Resampling.LANCZOS)
        for fmt, options in (("JPEG", {"quality": 85, "progressive": True}), ("WEBP", {"quality": 80})):
            buffer = io.BytesIO()
            resized.save(buffer, fmt, **options)
            total += buffer.tell()
    return total


def ours(data: bytes) -> int:
    from gallery.thumbnails import thumbnails_render

    return sum(len(item.content) for item in thumbnails_render(io.BytesIO(data)))


def vips_defaults(path: str) -> int:
    """libvips `thumbnail` per size from the file (shrink-on-load), its default saver settings but Q."""
    import pyvips

    from gallery.specs import THUMBNAIL_SIZES

    total = 0
    for size in THUMBNAIL_SIZES:
        thumb = pyvips.Image.thumbnail(path, size, size=pyvips.enums.Size.DOWN).copy_memory()
        total += len(thumb.jpegsave_buffer(Q=85, interlace=True, strip=True))
        total += len(thumb.webpsave_buffer(Q=80, strip=True))
    return total


def vips_cascade(path: str) -> int:
    """libvips: one `thumbnail` to the largest size, the smaller ones resized from the one above."""
    import pyvips

    from gallery.specs import THUMBNAIL_SIZES

    total = 0
    current = None
    for size in sorted(THUMBNAIL_SIZES, reverse=True):
        if current is None:
            current = pyvips.Image.thumbnail(path, size, size=pyvips.enums.Size.DOWN).copy_memory()
        else:
            current = current.thumbnail_image(size, size=pyvips.enums.Size.DOWN).copy_memory()
        total += len(current.jpegsave_buffer(Q=85, interlace=True, strip=True))
        total += len(current.webpsave_buffer(Q=80, strip=True))
    return total


def cpu_ms(function, argument) -> tuple[float, int]:
    started = time.process_time()
    result = function(argument)
    return (time.process_time() - started) * 1000, result


def pipelines_table(photos: list[bytes], paths: list[str], rounds: int) -> dict[str, float]:
    pipelines = {"naive Pillow (full decode, LANCZOS from original)": (naive_pillow, photos)}
    pipelines["ours: Pillow draft() + cascade"] = (ours, photos)
    try:
        import pyvips

        os.environ.setdefault("VIPS_CONCURRENCY", "1")
        pyvips.cache_set_max(0)
        pipelines["libvips thumbnail per size (defaults)"] = (vips_defaults, paths)
        pipelines["libvips cascade"] = (vips_cascade, paths)
    except (ImportError, OSError) as exc:
        print(f"(pyvips not available: {exc}; libvips rows skipped)")
    best: dict[str, list[float]] = {name: [float("inf")] * len(photos) for name in pipelines}
    sizes: dict[str, int] = {}
    for _round in range(rounds):
        for index in range(len(photos)):
            for name, (function, inputs) in pipelines.items():
                elapsed, size = cpu_ms(function, inputs[index])
                best[name][index] = min(best[name][index], elapsed)
                sizes[name] = sizes.get(name, 0) + size
    means = {name: sum(values) / len(values) for name, values in best.items()}
    naive = means[next(iter(pipelines))]
    print("\n| pipeline (one 12 MP photo → 3 sizes × JPEG + WebP) | CPU ms/photo | vs naive | KB out/photo |")
    print("|---|---:|---:|---:|")
    for name, mean in means.items():
        kb = sizes[name] / (rounds * len(photos)) / 1024
        print(f"| {name} | {mean:.0f} | {naive / mean:.2f}× | {kb:.0f} |")
    return means


def webp_methods_table(photo: bytes, rounds: int) -> None:
    from PIL import Image

    with Image.open(io.BytesIO(photo)) as opened:
        opened.draft("RGB", (1600, 1200))
        rung = opened.convert("RGB").resize((1600, 1200), Image.Resampling.LANCZOS)
    print("\n| WebP method (1600×1200 rung, quality 80) | CPU ms | KB | size vs method 6 |")
    print("|---|---:|---:|---:|")
    results = {}
    for method in range(7):
        best = float("inf")
        for _round in range(max(rounds, 3)):
            buffer = io.BytesIO()
            started = time.process_time()
            rung.save(buffer, "WEBP", quality=80, method=method)
            best = min(best, (time.process_time() - started) * 1000)
        results[method] = (best, buffer.tell())
    for method, (elapsed, size) in results.items():
        print(f"| {method} | {elapsed:.0f} | {size / 1024:.0f} | {size / results[6][1]:.3f} |")


def ingest_once(zip_path: Path, workers: int, label: str) -> tuple[float, float, int]:
    from django.conf import settings
    from django.core.files import File

    from uploads.intake import upload_job_create
    from uploads.models import UploadJob

    settings.UPLOAD_WORKERS = workers
    wall, cpu = time.perf_counter(), time.process_time()
    with zip_path.open("rb") as handle:
        job = upload_job_create(user=None, files=[File(handle, name=f"{label}.zip")], album=label)
    job = UploadJob.objects.get(pk=job.pk)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if job.status != UploadJob.Status.DONE or job.refused:
        raise SystemExit(f"ingest did not succeed: {job.status} {job.error} refused={job.refused}")
    return wall, cpu, job.added


def service_table(photos: list[bytes], workdir: Path) -> None:
    zip_path = workdir / "photos.zip"
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED) as archive:
        for index, data in enumerate(photos):
            archive.writestr(f"SKU-{index // 4}/{index}.jpg", data)
    cores = os.cpu_count() or 1
    print(
        f"\n| ingest service, ZIP of {len(photos)} photos | wall s | images/s | CPU ms/image "
        "| wall ms/image/core |"
    )
    print("|---|---:|---:|---:|---:|")
    for workers in sorted({1, cores}):
        wall, cpu, added = ingest_once(zip_path, workers, f"bench-{workers}-workers")
        print(
            f"| UPLOAD_WORKERS={workers} | {wall:.1f} | {added / wall:.1f} | {cpu * 1000 / added:.0f} "
            f"| {wall * 1000 * workers / added:.0f} |"
        )


def big_zip_rss(photos: list[bytes], workdir: Path, megabytes: int) -> None:
    zip_path = workdir / "big.zip"
    written, index = 0, 0
    with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        while written < megabytes * 1024**2:
            # Bytes after the JPEG end marker: a new file (new SHA-256), the same picture.
            data = photos[index % len(photos)] + index.to_bytes(4, "big")
            archive.writestr(f"SKU-{index // 10}/{index}.jpg", data)
            written += len(data)
            index += 1
    command = [sys.executable, __file__, "--rss-child", str(zip_path), "--workdir", str(workdir / "rss")]
    started = time.perf_counter()
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()
    elapsed = time.perf_counter() - started
    size_mb = zip_path.stat().st_size / 1024**2
    print(f"\n| {size_mb:.0f} MB ZIP, {index} photos, fresh process | wall s | peak RSS MB |")
    print("|---|---:|---:|")
    print(f"| UPLOAD_WORKERS={os.cpu_count()} | {elapsed:.0f} | {int(output[-1]) / 1024:.0f} |")


def rss_child(zip_path: Path, workdir: Path) -> None:
    workdir.mkdir(parents=True, exist_ok=True)
    django_setup(workdir)
    ingest_once(zip_path, os.cpu_count() or 1, "big")
    # VmHWM is this process's own peak: ru_maxrss would also count the parent's pages it was forked from.
    status = Path("/proc/self/status")
    if status.exists():
        print(status.read_text().split("VmHWM:")[1].split()[0])  # KiB
    else:
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // (1024 if sys.platform == "darwin" else 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--big-zip-mb", type=int, default=1024, help="0 skips the peak-RSS run")
    parser.add_argument("--rss-child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.workdir)
        return
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        workdir = Path(tmp)
        django_setup(workdir)
        import PIL

        print(f"Python {sys.version.split()[0]}, Pillow {PIL.__version__}, {os.cpu_count()} cores")
        print(f"building {args.photos} photo-like {WIDTH}×{HEIGHT} JPEGs (quality 90)…")
        photos = [photo_like(seed) for seed in range(args.photos)]
        paths = []
        for index, data in enumerate(photos):
            path = workdir / f"photo-{index}.jpg"
            path.write_bytes(data)
            paths.append(str(path))
        print(f"mean photo: {sum(map(len, photos)) / len(photos) / 1024**2:.1f} MB")
        pipelines_table(photos, paths, args.rounds)
        webp_methods_table(photos[0], args.rounds)
        service_table(photos, workdir)
        if args.big_zip_mb:
            big_zip_rss(photos, workdir, args.big_zip_mb)


if __name__ == "__main__":
    main()
