"""Browse benchmark: the gallery JSON API and pages on a PostgreSQL catalogue of 1 000 000 photos.

    .venv/bin/python bench/api.py        # fills pichosting_bench once (a few minutes), then measures
    .venv/bin/python bench/api.py --repeat 50 --refill
    BENCH_DATABASE_URL=postgres://user:pw@host:5432/name .venv/bin/python bench/api.py

The catalogue: 100 albums, 200 000 articles (one album holds 100 000 of them, the other 99 share the
rest), 5 photos per article, 6 thumbnail rows per photo, all inserted by SQL (INSERT … SELECT
generate_series) with no image processing and no files: rows are the truth for pages and API, so files are
never touched. SKUs are Cyrillic (`АРТ-000123 (синий)`). Each request runs in-process through the whole
middleware stack as a signed-in viewer; the table shows p50/p95 server time and SQL queries per request;
the timed requests go round-robin over the cases.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pichosting_bench"
ALBUMS, ARTICLES, BIG_ALBUM_ARTICLES, PHOTOS_PER_ARTICLE = 100, 200_000, 100_000, 5
TARGET_P95_MS = 50.0


def database_ensure(url: str) -> None:
    """Create the benchmark database if it does not exist (never touches any other database)."""
    import psycopg
    from environ import Env

    config = Env.db_url_config(url)
    name = config["NAME"]
    admin = psycopg.connect(
        dbname="postgres",
        user=config.get("USER") or None,
        password=config.get("PASSWORD") or None,
        host=config.get("HOST") or None,
        port=config.get("PORT") or None,
        autocommit=True,
    )
    with admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


FILL_SQL = [
    "SET synchronous_commit = off",
    "TRUNCATE gallery_thumbnail, gallery_image, gallery_article, gallery_album RESTART IDENTITY CASCADE",
    f"""
    INSERT INTO gallery_album (name, name_key, slug, description, created_at, updated_at,
        public_links_enabled, link_token, articles_count, images_count, bytes_total, last_upload_at)
    SELECT 'Альбом ' || lpad(g::text, 3, '0'), 'альбом ' || lpad(g::text, 3, '0'), 'albom-' || g, '',
        now() - g * interval '1 day', now() - g * interval '1 hour', false, md5('token' || g), 0, 0, 0, NULL
    FROM generate_series(1, {ALBUMS}) AS g
    """,
    f"""
    INSERT INTO gallery_article (album_id, sku, sku_key, slug, created_at, images_count)
    SELECT CASE WHEN g <= {BIG_ALBUM_ARTICLES} THEN 1 ELSE 2 + g % {ALBUMS - 1} END,
        'АРТ-' || lpad(g::text, 6, '0') || s.suffix, 'арт-' || lpad(g::text, 6, '0') || s.suffix_key,
        'art-' || lpad(g::text, 6, '0') || s.slug_suffix, now() - (g % 365) * interval '1 day',
        {PHOTOS_PER_ARTICLE}
    FROM generate_series(1, {ARTICLES}) AS g
    JOIN (VALUES (0, ' (Синий)', ' (синий)', '-sinii'), (1, ' (КРАСНЫЙ)', ' (красный)', '-krasnyi'),
                 (2, '', '', '')) AS s(k, suffix, suffix_key, slug_suffix) ON s.k = g % 3
    """,
    f"""
    INSERT INTO gallery_image (album_id, article_id, file, original_name, position, sha256, bytes, width,
        height, format, uploaded_by_id, created_at)
    SELECT a.album_id, a.id, 'originals/bench/' || a.slug || '/' || left(md5(a.id || '-' || p), 16) || '.jpg',
        'IMG_' || lpad(p::text, 4, '0') || '.jpg', p, md5(a.id || '-' || p) || md5(p || '-' || a.id),
        2000000 + (a.id * 7919 + p) % 1000000, 3000, 4000, 'JPEG', NULL,
        a.created_at + p * interval '1 minute'
    FROM gallery_article a CROSS JOIN generate_series(0, {PHOTOS_PER_ARTICLE - 1}) AS p
    """,
    """
    INSERT INTO gallery_thumbnail (image_id, size, format, file, width, height, bytes)
    SELECT i.id, s.size, s.format, 'thumbnails/bench/' || left(i.sha256, 16) || '-' || s.size || '.' || s.ext,
        s.size * 3 / 4, s.size, s.size * s.size / 10
    FROM gallery_image i
    CROSS JOIN (VALUES (160, 'jpeg', 'jpg'), (160, 'webp', 'webp'), (640, 'jpeg', 'jpg'),
                       (640, 'webp', 'webp'), (1600, 'jpeg', 'jpg'),
                       (1600, 'webp', 'webp')) AS s(size, format, ext)
    """,
    """
    UPDATE gallery_album al SET articles_count = t.articles, images_count = t.images, bytes_total = t.bytes,
        last_upload_at = t.last
    FROM (SELECT a.album_id, count(DISTINCT a.id) AS articles, count(i.id) AS images,
                 coalesce(sum(i.bytes), 0) AS bytes, max(i.created_at) AS last
          FROM gallery_article a LEFT JOIN gallery_image i ON i.article_id = a.id GROUP BY a.album_id) AS t
    WHERE al.id = t.album_id
    """,
    "ANALYZE",
]


def fill(*, refill: bool) -> None:
    from django.db import connection

    from gallery.models import Image

    if not refill and Image.objects.count() == ARTICLES * PHOTOS_PER_ARTICLE:
        print(f"catalogue present: {ARTICLES * PHOTOS_PER_ARTICLE:,} photos")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in FILL_SQL:
            step = time.perf_counter()
            cursor.execute(statement)
            print(f"  {statement.split()[0]:<9} {time.perf_counter() - step:6.1f} s", flush=True)
    print(f"filled in {time.perf_counter() - started:.0f} s")


def cases() -> list[tuple[str, str]]:
    """(label, URL) of every measured request: first page, a deep page and a SKU search where they apply."""
    from gallery.models import Album, Article, Image
    from gallery.pagination import cursor_encode

    big = Album.objects.get(pk=1)
    small = Album.objects.get(pk=2)
    deep_article = Article.objects.filter(album=big).order_by("sku_key")[90_000]
    deep_image = Image.objects.filter(article=deep_article).order_by("position", "id").first()
    article = Article.objects.filter(album=big).order_by("sku_key")[50_000]
    a = quote(big.name)
    sku = quote(article.sku)
    article_cursor = quote(cursor_encode([deep_article.sku_key]))
    image_cursor = quote(cursor_encode([deep_image.article_id, deep_image.position, deep_image.id]))
    return [
        ("API albums, first page", "/api/albums"),
        ("API albums, by last change", "/api/albums?sort=changed"),
        ("API articles, first page (100k album)", f"/api/articles/{a}"),
        ("API articles, deep page (#90 000)", f"/api/articles/{a}?cursor={article_cursor}"),
        ("API articles, 500 per page", f"/api/articles/{a}?limit=500"),
        ("API articles, small album", f"/api/articles/{quote(small.name)}"),
        ("API files, album first page", f"/api/files/{a}"),
        ("API files, album deep page", f"/api/files/{a}?cursor={image_cursor}"),
        ("API files, album 500 per page", f"/api/files/{a}?limit=500"),
        ("API files, one article", f"/api/files/{a}/{sku}"),
        ("API thumbnails, album first page", f"/api/thumbnails/{a}"),
        ("API thumbnails, album deep page", f"/api/thumbnails/{a}?cursor={image_cursor}"),
        ("API thumbnails, one article", f"/api/thumbnails/{a}/{sku}"),
        ("page albums", "/"),
        ("page albums, name search", "/?q=" + quote("альбом 05")),
        ("page album, first page (100k articles)", f"/a/{big.slug}/"),
        ("page album, deep page (#90 000)", f"/a/{big.slug}/?cursor={article_cursor}"),
        ("page album, SKU search 'синий' (1/3 match)", f"/a/{big.slug}/?q=" + quote("СИНИЙ")),
        ("page album, SKU search rare '09876'", f"/a/{big.slug}/?q=09876"),
        (
            "page album, uploaded between dates",
            f"/a/{big.slug}/?uploaded_from=2020-01-01&uploaded_to=2030-01-01",
        ),
        ("page album, only without photos (none)", f"/a/{big.slug}/?without_photos=on"),
        ("page article", f"/a/{big.slug}/{article.slug}/"),
    ]


def measure(client, urls: list[str], repeat: int) -> list[tuple[float, float, float, int, int]]:
    """(p50, p95, p50 of Django's CPU time (ms), queries, status) per URL, visited round-robin.

    Wall time includes PostgreSQL and waiting for a core on a busy machine; CPU time is this process only.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timings: list[list[float]] = [[] for _ in urls]
    cpu: list[list[float]] = [[] for _ in urls]
    statuses, queries = [], []
    for url in urls:  # warm caches and the connection, as a running server would be
        with CaptureQueriesContext(connection) as captured:
            statuses.append(client.get(url).status_code)
        queries.append(len(captured))
    for _ in range(repeat):
        for index, url in enumerate(urls):
            started, cpu_started = time.perf_counter(), time.process_time()
            client.get(url)
            timings[index].append((time.perf_counter() - started) * 1000)
            cpu[index].append((time.process_time() - cpu_started) * 1000)
    results = []
    for index, values in enumerate(timings):
        values.sort()
        p95 = values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]
        results.append(
            (statistics.median(values), p95, statistics.median(cpu[index]), queries[index], statuses[index])
        )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per case")
    parser.add_argument("--refill", action="store_true", help="delete and re-insert the catalogue")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the benchmark runs on PostgreSQL")

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuv")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "false"
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")
    database_ensure(args.database_url)

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    from accounts.roles import Role

    call_command("migrate", verbosity=0)
    fill(refill=args.refill)
    import pichosting.wsgi  # noqa: F401 - the server's start-up: URLconf loaded, start-up objects frozen

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name=Role.VIEWER.value))
    client = Client()
    client.force_login(user)

    print(f"load average (1 min) before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"\n{'case':<48} {'p50 ms':>8} {'p95 ms':>8} {'cpu ms':>8} {'queries':>8} {'status':>7}")
    worst = 0.0
    labels, urls = zip(*cases(), strict=True)
    for label, (p50, p95, cpu, queries, status) in zip(
        labels, measure(client, list(urls), args.repeat), strict=True
    ):
        worst = max(worst, p95)
        flag = "" if p95 < TARGET_P95_MS else "  > target"
        print(f"{label:<48} {p50:8.1f} {p95:8.1f} {cpu:8.1f} {queries:8d} {status:7d}{flag}")
    print(
        f"\nworst p95 {worst:.1f} ms (target {TARGET_P95_MS:.0f} ms); {args.repeat} timed requests per case"
    )


if __name__ == "__main__":
    main()
