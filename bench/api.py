"""Browse benchmark: the gallery JSON API and pages on a PostgreSQL catalogue of 1 000 000 photos.

    .venv/bin/python bench/api.py        # fills pichosting_bench once (a few minutes), then measures
    .venv/bin/python bench/api.py --photos 100000 --mode client --repeat 50   # a quick loop
    .venv/bin/python bench/api.py --mode gunicorn --port 18500 --cache-url redis://127.0.0.1:6379/5
    BENCH_DATABASE_URL=postgres://user:pw@host:5432/name .venv/bin/python bench/api.py

The catalogue: 100 albums, `--photos` / 5 articles (one album holds half of them, the other 99 share the
rest), 5 photos per article, 6 thumbnail rows per photo, all inserted by SQL (INSERT … SELECT
generate_series) with no image processing and no files: rows are the truth for pages and API, so files are
never touched. SKUs are Cyrillic (`АРТ-000123 (синий)`). Requests go as a signed-in viewer either
in-process through the whole middleware stack (`client`: Django's test client) or over HTTP to gunicorn
started with deploy/gunicorn.conf.py (`gunicorn`), or both, alternating request by request; the timed
requests go round-robin over the cases. Server time is what the app's `Server-Timing` header says
(`SERVER_TIMING=true`: Django's wall and CPU time), client time what the caller waited.
"""

import argparse
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/pichosting_bench"
ALBUMS, PHOTOS_PER_ARTICLE = 100, 5
TARGET_P95_MS = 50.0  # server time at the default page size
TARGET_RATIO = 3.0  # p95 at limit=500 over p95 at limit=10
LIMITS = (10, 100, 500)


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


def fill_sql(photos: int) -> list[str]:
    """The statements that fill the catalogue with `photos` photos (a multiple of 10)."""
    articles = photos // PHOTOS_PER_ARTICLE
    big_album_articles = articles // 2
    return [
        "SET synchronous_commit = off",
        "TRUNCATE gallery_thumbnail, gallery_image, gallery_article, gallery_album RESTART IDENTITY CASCADE",
        f"""
        INSERT INTO gallery_album (name, name_key, slug, description, created_at, updated_at,
            public_links_enabled, link_token, articles_count, images_count, bytes_total, last_upload_at)
        SELECT 'Альбом ' || lpad(g::text, 3, '0'), 'альбом ' || lpad(g::text, 3, '0'), 'albom-' || g, '',
            now() - g * interval '1 day', now() - g * interval '1 hour', false, md5('token' || g),
            0, 0, 0, NULL
        FROM generate_series(1, {ALBUMS}) AS g
        """,
        f"""
        INSERT INTO gallery_article (album_id, sku, sku_key, slug, created_at, images_count)
        SELECT CASE WHEN g <= {big_album_articles} THEN 1 ELSE 2 + g % {ALBUMS - 1} END,
            'АРТ-' || lpad(g::text, 6, '0') || s.suffix, 'арт-' || lpad(g::text, 6, '0') || s.suffix_key,
            'art-' || lpad(g::text, 6, '0') || s.slug_suffix, now() - (g % 365) * interval '1 day',
            {PHOTOS_PER_ARTICLE}
        FROM generate_series(1, {articles}) AS g
        JOIN (VALUES (0, ' (Синий)', ' (синий)', '-sinii'), (1, ' (КРАСНЫЙ)', ' (красный)', '-krasnyi'),
                     (2, '', '', '')) AS s(k, suffix, suffix_key, slug_suffix) ON s.k = g % 3
        """,
        f"""
        INSERT INTO gallery_image (album_id, article_id, file, original_name, position, sha256, bytes, width,
            height, format, uploaded_by_id, created_at)
        SELECT a.album_id, a.id,
            'originals/bench/' || a.slug || '/' || left(md5(a.id || '-' || p), 16) || '.jpg',
            'IMG_' || lpad(p::text, 4, '0') || '.jpg', p, md5(a.id || '-' || p) || md5(p || '-' || a.id),
            2000000 + (a.id * 7919 + p) % 1000000, 3000, 4000, 'JPEG', NULL,
            a.created_at + p * interval '1 minute'
        FROM gallery_article a CROSS JOIN generate_series(0, {PHOTOS_PER_ARTICLE - 1}) AS p
        """,
        """
        INSERT INTO gallery_thumbnail (image_id, size, format, file, width, height, bytes)
        SELECT i.id, s.size, s.format,
            'thumbnails/bench/' || left(i.sha256, 16) || '-' || s.size || '.' || s.ext,
            s.size * 3 / 4, s.size, s.size * s.size / 10
        FROM gallery_image i
        CROSS JOIN (VALUES (160, 'jpeg', 'jpg'), (160, 'webp', 'webp'), (640, 'jpeg', 'jpg'),
                           (640, 'webp', 'webp'), (1600, 'jpeg', 'jpg'),
                           (1600, 'webp', 'webp')) AS s(size, format, ext)
        """,
        """
        UPDATE gallery_album al SET articles_count = t.articles, images_count = t.images,
            bytes_total = t.bytes, last_upload_at = t.last
        FROM (SELECT a.album_id, count(DISTINCT a.id) AS articles, count(i.id) AS images,
                     coalesce(sum(i.bytes), 0) AS bytes, max(i.created_at) AS last
              FROM gallery_article a LEFT JOIN gallery_image i ON i.article_id = a.id
              GROUP BY a.album_id) AS t
        WHERE al.id = t.album_id
        """,
        "VACUUM (ANALYZE)",  # as autovacuum would: index-only scans need pages marked all-visible
    ]


def fill(*, photos: int, refill: bool) -> None:
    from django.db import connection

    from gallery.models import Image

    if not refill and Image.objects.count() == photos:
        print(f"catalogue present: {photos:,} photos")
        return
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for statement in fill_sql(photos):
            step = time.perf_counter()
            cursor.execute(statement)
            print(f"  {statement.split()[0]:<9} {time.perf_counter() - step:6.1f} s", flush=True)
    print(f"filled in {time.perf_counter() - started:.0f} s")


def cases() -> list[tuple[str, str]]:
    """(label, URL) of every measured request: each list at limit 10/100/500, deep pages, pages, searches."""
    from gallery.models import Album, Article, Image
    from gallery.pagination import cursor_encode

    big = Album.objects.get(pk=1)
    small = Album.objects.get(pk=2)
    in_big = Article.objects.filter(album=big).order_by("sku_key")
    deep_article = in_big[big.articles_count * 9 // 10]
    deep_image = Image.objects.filter(article=deep_article).order_by("position", "id").first()
    article = in_big[big.articles_count // 2]
    a = quote(big.name)
    sku = quote(article.sku)
    article_cursor = quote(cursor_encode([deep_article.sku_key]))
    image_cursor = quote(cursor_encode([deep_image.article_id, deep_image.position, deep_image.id]))
    by_limit = [
        (f"API {name}, limit={limit}", f"{path}?limit={limit}")
        for name, path in (
            ("albums", "/api/albums"),
            ("articles", f"/api/articles/{a}"),
            ("files", f"/api/files/{a}"),
        )
        for limit in LIMITS
    ]
    return [
        *by_limit,
        ("API albums, by last change", "/api/albums?sort=changed"),
        ("API articles, deep page (90 %)", f"/api/articles/{a}?cursor={article_cursor}"),
        ("API articles, small album", f"/api/articles/{quote(small.name)}"),
        ("API files, album deep page", f"/api/files/{a}?cursor={image_cursor}"),
        ("API files, one article", f"/api/files/{a}/{sku}"),
        ("API thumbnails, album first page", f"/api/thumbnails/{a}"),
        ("API thumbnails, album deep page", f"/api/thumbnails/{a}?cursor={image_cursor}"),
        ("API thumbnails, one article", f"/api/thumbnails/{a}/{sku}"),
        ("page albums", "/"),
        ("page albums, name search", "/?q=" + quote("альбом 05")),
        ("page album, first page (big album)", f"/a/{big.slug}/"),
        ("page album, deep page (90 %)", f"/a/{big.slug}/?cursor={article_cursor}"),
        ("page album, SKU search 'синий' (1/3 match)", f"/a/{big.slug}/?q=" + quote("СИНИЙ")),
        ("page album, SKU search rare '09876'", f"/a/{big.slug}/?q=09876"),
        (
            "page album, uploaded between dates",
            f"/a/{big.slug}/?uploaded_from=2020-01-01&uploaded_to=2030-01-01",
        ),
        ("page album, only without photos (none)", f"/a/{big.slug}/?without_photos=on"),
        ("page article", f"/a/{big.slug}/{article.slug}/"),
    ]


def server_ms(header: str) -> tuple[float, float]:
    """(wall, CPU) milliseconds from `Server-Timing: app;dur=…, cpu;dur=…` (pichosting.middleware)."""
    durations = dict(part.strip().split(";dur=") for part in header.split(","))
    return float(durations["app"]), float(durations["cpu"])


class TestClientCaller:
    """Requests in-process through the whole middleware stack (no HTTP, no WSGI server)."""

    name = "client"

    def __init__(self, client) -> None:
        self.client = client

    def get(self, url: str) -> tuple[int, str]:
        response = self.client.get(url)
        return response.status_code, response.get("Server-Timing", "")


class HttpCaller:
    """Requests over one kept-alive HTTP connection to gunicorn, with the session cookie."""

    name = "gunicorn"

    def __init__(self, port: int, cookie: str) -> None:
        self.port, self.headers, self.connection = port, {"Cookie": cookie}, None

    def get(self, url: str) -> tuple[int, str]:
        for attempt in (1, 2):  # gunicorn may close an idle kept-alive connection; open a new one once
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            try:
                self.connection.request("GET", url, headers=self.headers)
                response = self.connection.getresponse()
                response.read()
                return response.status, response.getheader("Server-Timing", "")
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(callers: list, urls: list[str], repeat: int) -> dict:
    """{(caller, url): (client ms, server ms, server CPU ms) lists}, every case and caller in turn per round.

    Client time includes the HTTP round trip (gunicorn) and waiting for a core on a busy machine; server time
    is Django's own, from the `Server-Timing` header.
    """
    samples = {(caller.name, url): ([], [], []) for caller in callers for url in urls}
    for _ in range(repeat):
        for url in urls:
            for caller in callers:
                started = time.perf_counter()
                status, timing = caller.get(url)
                client_ms = (time.perf_counter() - started) * 1000
                if status != 200:
                    raise SystemExit(f"{caller.name} {url}: status {status}")
                wall, cpu = server_ms(timing)
                for values, value in zip(samples[(caller.name, url)], (client_ms, wall, cpu), strict=True):
                    values.append(value)
    return samples


def queries_per_request(client, urls: list[str]) -> list[int]:
    """SQL queries each URL sends (and its first request, which warms caches and the connection)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    client.get(urls[0])  # the viewer's roles come from the cache after the first request
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            status = client.get(url).status_code
        if status != 200:
            raise SystemExit(f"{url}: status {status}")
        counts.append(len(captured))
    return counts


def free_port_check(port: int) -> None:
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is in use")


def gunicorn_start(port: int, workers: int) -> subprocess.Popen:
    """gunicorn as deployed (deploy/gunicorn.conf.py), on this process's settings environment."""
    free_port_check(port)
    env = {
        **os.environ,
        "WEB_BIND": "127.0.0.1",
        "PORT": str(port),
        "WEB_WORKERS": str(workers),
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [sys.executable, "-m", "gunicorn", "pichosting.wsgi", "--config", "deploy/gunicorn.conf.py"]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("gunicorn did not start listening within 120 s")


def report(labels: list[str], urls: list[str], callers: list, samples: dict, queries: list[int]) -> None:
    print(
        f"\n{'case':<44} {'via':<8} {'client p50':>10} {'client p95':>10} {'server p50':>10} "
        f"{'server p95':>10} {'cpu p50':>8} {'queries':>7}"
    )
    for label, url, count in zip(labels, urls, queries, strict=True):
        for caller in callers:
            client_ms, wall, cpu = samples[(caller.name, url)]
            at_default_size = "limit=" not in label or "limit=100" in label  # the 50 ms target's scope
            flag = "  > target" if at_default_size and percentile(wall, 0.95) >= TARGET_P95_MS else ""
            print(
                f"{label:<44} {caller.name:<8} {statistics.median(client_ms):10.1f} "
                f"{percentile(client_ms, 0.95):10.1f} {statistics.median(wall):10.1f} "
                f"{percentile(wall, 0.95):10.1f} {statistics.median(cpu):8.1f} {count:7d}{flag}"
            )
    print(f"\np95 at limit=500 / p95 at limit=10 (target ≤ {TARGET_RATIO:.0f}×); default size is limit=100")
    print(
        f"{'list':<10} {'via':<8} {'server p95 10/100/500 ms':>26} {'ratio':>6} "
        f"{'client p95 10/100/500 ms':>26} {'ratio':>6}"
    )
    by_label = dict(zip(labels, urls, strict=True))
    measured = [
        name
        for name in ("albums", "articles", "files")
        if all(f"API {name}, limit={n}" in by_label for n in LIMITS)
    ]
    for name in measured:
        for caller in callers:
            line = f"{name:<10} {caller.name:<8}"
            for column in (1, 0):  # server, then client
                p95 = [
                    percentile(samples[(caller.name, by_label[f"API {name}, limit={n}"])][column], 0.95)
                    for n in LIMITS
                ]
                ratio = p95[-1] / p95[0]
                mark = "ok" if ratio <= TARGET_RATIO else "miss"
                line += f" {' / '.join(f'{v:.1f}' for v in p95):>26} {ratio:5.1f}× {mark}"
            print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--photos", type=int, default=1_000_000, help="catalogue size (a multiple of 10)")
    parser.add_argument("--repeat", type=int, default=200, help="timed requests per case and caller")
    parser.add_argument("--refill", action="store_true", help="delete and re-insert the catalogue")
    parser.add_argument("--mode", choices=("gunicorn", "client", "both"), default="both")
    parser.add_argument("--port", type=int, default=18500, help="gunicorn's port")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--cache-url", default="", help="CACHE_URL for both (default: per-process memory)")
    parser.add_argument("--only", default="", help="measure only cases whose label contains this")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        parser.error("the benchmark runs on PostgreSQL")
    if args.photos < 1000 or args.photos % 10:
        parser.error("--photos must be a multiple of 10, at least 1000")

    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuv")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["DEBUG"] = "false"
    os.environ["SERVER_TIMING"] = "true"
    os.environ["STATICFILES_BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    if args.cache_url:
        os.environ["CACHE_URL"] = args.cache_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pichosting.settings")
    database_ensure(args.database_url)

    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.test import Client

    from accounts.roles import Role

    call_command("migrate", verbosity=0)
    fill(photos=args.photos, refill=args.refill)
    import pichosting.wsgi  # noqa: F401 - the server's start-up: URLconf loaded, start-up objects frozen

    user, _ = get_user_model().objects.get_or_create(username="bench-viewer")
    user.groups.add(Group.objects.get(name=Role.VIEWER.value))
    client = Client()
    client.force_login(user)
    selected = [(label, url) for label, url in cases() if args.only in label]
    labels, urls = [label for label, _ in selected], [url for _, url in selected]
    queries = queries_per_request(client, urls)

    callers, server = [], None
    try:
        if args.mode in ("client", "both"):
            callers.append(TestClientCaller(client))
        if args.mode in ("gunicorn", "both"):
            server = gunicorn_start(args.port, args.workers)
            cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
            callers.append(HttpCaller(args.port, cookie))
        for caller in callers:  # each gunicorn worker's first requests load the URLconf and more: warm up
            for url in urls * (2 * args.workers):
                caller.get(url)
        load_before = os.getloadavg()
        started = time.perf_counter()
        samples = measure(callers, urls, args.repeat)
        elapsed = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"{args.photos:,} photos; {args.repeat} timed requests per case and caller, round-robin; "
        f"gunicorn {args.workers} workers x {os.environ.get('WEB_THREADS', '4')} threads; "
        f"sessions {settings.SESSION_ENGINE.rsplit('.', 1)[-1]}, "
        f"cache {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}; "
        f"{elapsed:.0f} s; load average (1 min) {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after, "
        f"on {os.cpu_count()} cores"
    )
    report(labels, urls, callers, samples, queries)


if __name__ == "__main__":
    main()
