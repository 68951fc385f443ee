"""MEDIA_SERVE=nginx on S3: a real nginx (deploy/nginx) fetches presigned URLs from a real SeaweedFS.

Every test runs twice: through the fast path (media-auth.conf, the app's answer cached) and through the plain
path (media-auth.conf left out: every request reaches the app, which redirects to the internal /_s3/).
"""

import http.server
import threading
import time
from urllib.parse import quote, urlsplit

import pytest

from accounts.roles import Role
from exports.links import public_link
from gallery import files
from gallery.links import download_url, original_url, thumbnail_url
from gallery.services import album_link_token_regenerate
from gallery.tests.factories import album_make, article_make, image_make
from tests.system import test_nginx_file_serving as served
from tests.system.nginx import nginx_start
from tests.system.test_nginx_media_cache import app_requests

role_groups = served.role_groups
fetch, session_cookie, stored = served.fetch, served.session_cookie, served.stored
__all__ = ["app_requests", "role_groups"]  # fixtures

pytestmark = pytest.mark.django_db(transaction=True)

CACHE_SECONDS = 1  # MEDIA_AUTH_CACHE_SECONDS of the test nginx
# Every header a file answer may carry: the product's and nginx's own, none of the store's.
FILE_HEADERS = {
    "server",
    "date",
    "content-type",
    "content-length",
    "content-range",
    "accept-ranges",
    "last-modified",
    "connection",
    "cache-control",
    "content-disposition",
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
    "permissions-policy",
}


@pytest.fixture(params=["fast path", "plain path"])
def file_path(request) -> str:
    """Which of nginx's file paths the test runs through."""
    return request.param


@pytest.fixture
def nginx_to(file_path, live_server, settings, tmp_path):
    """`start(store_url, cache_seconds=CACHE_SECONDS)`: the base URL of nginx in front of the live server
    (MEDIA_SERVE=nginx, links pointing at it), fetching from the store at `store_url`; stopped afterwards."""
    started = []

    def start(store_url: str, cache_seconds: int = CACHE_SECONDS) -> str:
        settings.MEDIA_SERVE = "nginx"
        folder = tmp_path / f"nginx-{len(started)}"
        proxy = nginx_start(
            folder,
            upstream=live_server.url.removeprefix("http://"),
            media_root=folder / "media-volume-unused",
            static_root=folder / "static",
            upload_max_bytes=settings.UPLOAD_MAX_BYTES,
            media_auth_cache_seconds=cache_seconds,
            fast_file_path=file_path == "fast path",
            s3_endpoint_url=store_url,
        )
        started.append(proxy)
        settings.PUBLIC_BASE_URL = proxy.url
        return proxy.url

    yield start
    for proxy in started:
        proxy.stop()


@pytest.fixture
def nginx(nginx_to, s3_media) -> str:
    """The base URL of nginx in front of the live server, storage in a SeaweedFS bucket."""
    return nginx_to(s3_media[0].endpoint_url)


@pytest.fixture
def photo():
    album = album_make("Весна 2026", public_links_enabled=True)
    return image_make(article_make(album, "АРТ-001 (синий)"), width=90, height=70)


@pytest.fixture
def cookie(client, make_user) -> str:
    return session_cookie(client, make_user("vera", Role.VIEWER))


def public_jpeg_link(image) -> str:
    return public_link(
        token=image.album.link_token, article_slug=image.article.slug, sha256=image.sha256, extension="jpg"
    )


def storage_on(options: dict, settings) -> None:
    """The default storage with other S3Storage `options` from now on (the live server's too)."""
    settings.STORAGES = {**settings.STORAGES, "default": {**settings.STORAGES["default"], "OPTIONS": options}}


def assert_no_store_headers(headers) -> None:
    names = {name.lower() for name in headers}
    assert names <= FILE_HEADERS, f"headers that are not the product's: {names - FILE_HEADERS}"
    assert headers["Server"] == "nginx"
    assert "ETag" not in headers  # the store's MD5 of the object


def test_the_original_comes_from_the_bucket_with_the_products_headers(nginx, cookie, photo):
    for _ in range(2):  # the second through the cached answer on the fast path
        status, headers, data = fetch(nginx + original_url(photo), cookie=cookie)
        assert status == 200
        assert data == stored(photo.file.name)
        assert headers["Content-Type"] == "image/jpeg"
        assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
        assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert_no_store_headers(headers)


def test_the_fast_paths_repeat_comes_from_the_bucket_without_the_app(
    nginx, file_path, cookie, photo, app_requests
):
    url = nginx + original_url(photo)
    assert fetch(url, cookie=cookie)[0] == 200
    app_requests.clear()
    status, _, data = fetch(url, cookie=cookie)
    assert (status, data) == (200, stored(photo.file.name))
    assert app_requests == ([] if file_path == "fast path" else [original_url(photo)])


def test_a_download_keeps_its_attachment_name(nginx, cookie, photo):
    status, headers, data = fetch(nginx + download_url(photo), cookie=cookie)
    assert status == 200
    assert headers["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('АРТ-001 (синий)_1.jpg')}"
    assert data == stored(photo.file.name)
    assert_no_store_headers(headers)


def test_a_range_is_206_with_the_exact_bytes(nginx, cookie, photo):
    thumbnail = photo.thumbnails.get(size=640, format="webp")
    for _ in range(2):
        status, headers, data = fetch(
            nginx + thumbnail_url(photo, thumbnail), cookie=cookie, headers={"Range": "bytes=5-16"}
        )
        assert status == 206
        assert data == stored(thumbnail.file.name)[5:17]
        assert headers["Content-Range"] == f"bytes 5-16/{thumbnail.bytes}"
        assert headers["Content-Type"] == "image/webp"
        assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
        assert_no_store_headers(headers)


def test_a_head_request_gets_the_headers_of_the_file(nginx, cookie, photo):
    request = served.urllib.request.Request(
        nginx + original_url(photo), method="HEAD", headers={"Cookie": cookie}
    )
    with served.urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        assert response.headers["Content-Length"] == str(len(stored(photo.file.name)))
        assert response.read() == b""


def test_a_revoked_public_token_is_404(nginx, photo):
    link = public_jpeg_link(photo)
    status, headers, data = fetch(link)
    assert (status, data) == (200, stored(photo.file.name))
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert_no_store_headers(headers)

    album_link_token_regenerate(album=photo.album, actor=None)
    time.sleep(CACHE_SECONDS + 1.1)  # the fast path may replay its answer this long
    status, _, data = fetch(link)
    assert status == 404
    assert stored(photo.file.name) not in data


def test_the_internal_location_with_a_valid_presigned_query_is_404_from_outside(nginx, cookie, photo):
    status, _, _ = fetch(nginx + original_url(photo), cookie=cookie)
    assert status == 200
    signed = urlsplit(files.presigned_url(photo.file.name))
    status, _, data = fetch(f"{nginx}/_s3{signed.path}?{signed.query}", cookie=cookie)
    assert status == 404
    assert stored(photo.file.name) not in data


def test_an_object_missing_from_the_bucket_is_404_without_the_stores_answer(nginx, cookie, photo):
    files.delete(photo.file.name)
    status, headers, data = fetch(nginx + original_url(photo), cookie=cookie)
    assert status == 404
    assert b"NoSuchKey" not in data and b"<Error>" not in data
    assert "no-store" in headers.get_all("Cache-Control")  # no cache keeps the refusal for the file's year
    assert_no_store_headers(headers)


def test_a_presigned_url_the_store_refuses_gets_no_bytes(nginx, cookie, photo, settings, s3_media):
    server, bucket = s3_media
    original = stored(photo.file.name)
    status, _, _ = fetch(nginx + original_url(photo), cookie=cookie)
    assert status == 200
    storage_on(server.storage_options(bucket) | {"secret_key": "not-the-secret"}, settings)
    status, headers, data = fetch(nginx + download_url(photo), cookie=cookie)  # a URL not cached yet
    assert status == 502
    assert original not in data
    assert b"SignatureDoesNotMatch" not in data and b"<Error>" not in data
    assert "no-store" in headers.get_all("Cache-Control")
    assert_no_store_headers(headers)


def test_a_presigned_url_expired_in_the_fast_paths_cache_gets_no_bytes(
    s3_media, nginx_to, settings, file_path
):
    """A MEDIA_AUTH_CACHE_SECONDS longer than S3_PRESIGNED_SECONDS is a misconfiguration: 502, never bytes.
    (Without the fast path every request gets a fresh URL: 200.)"""
    server, bucket = s3_media
    storage_on(server.storage_options(bucket) | {"querystring_expire": 1}, settings)
    nginx_to(server.endpoint_url, cache_seconds=30)
    photo = image_make(article_make(album_make("Весна 2026", public_links_enabled=True), "АРТ-002"))
    link = public_jpeg_link(photo)
    assert fetch(link)[0] == 200
    time.sleep(2.1)  # the presigned URL in nginx's cached answer is now expired
    status, _, data = fetch(link)
    if file_path == "plain path":
        assert (status, data) == (200, stored(photo.file.name))
        return
    assert status == 502
    assert stored(photo.file.name) not in data
    assert b"<Error>" not in data


class RecordingStore(http.server.BaseHTTPRequestHandler):
    """Stands in for the store where SeaweedFS cannot show what it received: records each request's method
    and headers and answers like S3 does, with the store headers AWS, MinIO and SeaweedFS send."""

    seen: list[tuple[str, dict[str, str]]] = []
    STORE_HEADERS = {
        "x-amz-request-id": "4442587FB7D0A2F9",
        "x-amz-id-2": "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
        "x-amz-version-id": "null",
        "x-amz-server-side-encryption": "AES256",
        "ETag": '"d41d8cd98f00b204e9800998ecf8427e"',
        "Server": "AmazonS3",
        "Set-Cookie": "store=1",
        "Cache-Control": "no-cache",
        "Content-Type": "binary/octet-stream",
        "Strict-Transport-Security": "max-age=31536000",
        "Vary": "Origin",
    }

    def do_GET(self) -> None:
        RecordingStore.seen.append((self.command, {k.lower(): v for k, v in self.headers.items()}))
        self.send_response(200)
        for name, value in self.STORE_HEADERS.items():
            self.send_header(name, value)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"JPEG")

    def log_message(self, *args) -> None:
        pass


def test_the_store_gets_only_range_and_the_client_none_of_the_stores_headers(
    s3_media, nginx_to, cookie, photo
):
    store = http.server.ThreadingHTTPServer(("127.0.0.1", 0), RecordingStore)
    threading.Thread(target=store.serve_forever, daemon=True).start()
    RecordingStore.seen = []
    try:
        status, headers, data = fetch(
            nginx_to(f"http://127.0.0.1:{store.server_port}") + original_url(photo),
            cookie=cookie,
            headers={"Range": "bytes=0-3", "Authorization": "Basic dmVyYTpwdw==", "X-Secret": "1"},
        )
    finally:
        store.shutdown()
    assert (status, data) == (200, b"JPEG")
    assert headers["Content-Type"] == "image/jpeg"
    assert headers.get_all("Cache-Control") == ["private, max-age=31536000, immutable"]
    assert_no_store_headers(headers)
    ((method, received),) = RecordingStore.seen
    assert method == "GET"
    assert set(received) == {"host", "range"}, received
    assert received["range"] == "bytes=0-3"
    assert received["host"] == f"127.0.0.1:{store.server_port}"
