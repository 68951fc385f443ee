"""Benchmark `sync_storage` on filesystem storage: checking a catalogue, and cataloguing hand-copied photos.

    .venv/bin/python bench/sync.py [--photos 5000] [--copied 100]

Builds, in a temporary directory (SQLite + media folder), a catalogue of `--photos` photos whose originals and
six thumbnail files exist (rows bulk-inserted, no image processing), then times three runs in this process:
a check of the consistent catalogue, a run that catalogues `--copied` hand-copied 1600×1200 JPEGs from the
inbox (hash, validate, store, six thumbnails each), and a second run that must find nothing to do.
"""

import argparse
import hashlib
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup(directory: Path) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ["DATABASE_URL"] = f"sqlite:///{directory / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(directory / "media")
    os.environ["LOCK_DIR"] = str(directory / "locks")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnop")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def catalogue_fill(photos: int, media: Path) -> None:
    from gallery import services
    from gallery.models import Image, Thumbnail
    from gallery.paths import original_name, thumbnail_name
    from gallery.specs import THUMBNAIL_SPECS

    album, _ = services.album_get_or_create(name="Весна 2026")
    articles = [
        services.article_get_or_create(album=album, sku=f"АРТ-{n:05d}")[0] for n in range(photos // 5)
    ]
    images, thumbnails = [], []
    for n in range(photos):
        article = articles[n % len(articles)]
        content = f"photo {n}".encode() * 50
        sha = hashlib.sha256(content).hexdigest()
        name = original_name(album_slug=album.slug, article_slug=article.slug, sha256=sha, extension="jpg")
        (media / name).parent.mkdir(parents=True, exist_ok=True)
        (media / name).write_bytes(content)
        images.append(
            Image(
                album=album,
                article=article,
                file=name,
                original_name=f"{n}.jpg",
                position=n // len(articles),
                sha256=sha,
                bytes=len(content),
                width=4000,
                height=3000,
                format="JPEG",
            )
        )
    Image.objects.bulk_create(images, batch_size=2000)
    for image in Image.objects.select_related("article").iterator():
        for spec in THUMBNAIL_SPECS:
            name = thumbnail_name(
                album_slug=album.slug,
                article_slug=image.article.slug,
                sha256=image.sha256,
                size=spec.size,
                extension=spec.extension,
            )
            (media / name).parent.mkdir(parents=True, exist_ok=True)
            (media / name).write_bytes(b"t")
            thumbnails.append(
                Thumbnail(
                    image=image,
                    size=spec.size,
                    format=spec.format,
                    file=name,
                    width=spec.size,
                    height=spec.size,
                    bytes=1,
                )
            )
    Thumbnail.objects.bulk_create(thumbnails, batch_size=5000)
    services.album_counters_refresh(album_id=album.pk)


def copied_fill(copied: int, media: Path) -> None:
    from PIL import Image as PILImage

    for n in range(copied):
        buffer = io.BytesIO()
        PILImage.new("RGB", (1600, 1200), (n * 37 % 256, n * 11 % 256, 160)).save(buffer, "JPEG", quality=90)
        path = media / "incoming" / "Зима" / f"Куртка-{n // 4:03d}" / f"фото {n % 4 + 1}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())


def timed(options) -> tuple[float, dict]:
    from django.db import transaction

    from uploads.sync import storage_sync

    started = time.perf_counter()
    with transaction.atomic():  # on_commit deletions run when it ends, inside the timing
        report = storage_sync(options=options)
    return time.perf_counter() - started, report.counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photos", type=int, default=5000)
    parser.add_argument("--copied", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pichosting-bench-sync-") as tmp:
        directory = Path(tmp)
        setup(directory)
        from uploads.sync import SyncOptions

        media = directory / "media"
        catalogue_fill(args.photos, media)
        rows = []
        seconds, counts = timed(SyncOptions())
        rows.append(
            ("check, nothing to do", args.photos, seconds, f"{counts['checked'] / seconds:,.0f} photos/s")
        )
        copied_fill(args.copied, media)
        seconds, counts = timed(SyncOptions())
        assert counts["catalogued"] == args.copied, counts
        rows.append(
            (
                "catalogue hand-copied 1600×1200 JPEGs",
                args.copied,
                seconds,
                f"{seconds / args.copied * 1000:,.0f} ms/photo",
            )
        )
        seconds, counts = timed(SyncOptions())
        assert counts["catalogued"] == 0 and counts["changed"] == 0, counts
        rows.append(
            (
                "second run (idempotent)",
                args.photos + args.copied,
                seconds,
                f"{counts['checked'] / seconds:,.0f} photos/s",
            )
        )
    print(f"{'run':<40} {'photos':>8} {'seconds':>9}  rate")
    for name, photos, seconds, rate in rows:
        print(f"{name:<40} {photos:>8} {seconds:>9.2f}  {rate}")


if __name__ == "__main__":
    main()
