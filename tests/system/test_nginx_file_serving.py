"""MEDIA_SERVE=nginx against a real nginx (Debian package) in front of the live test server.

nginx runs the shipped configuration (deploy/nginx, rendered by its render.sh with MEDIA_ROOT pointed at this
test's media folder), so the configuration operators deploy is the one tested.
"""

import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from django.contrib.auth.models import Group

from accounts.roles import Role
from gallery import files
from gallery.links import download_url, original_url, thumbnail_url
from gallery.tests.factories import album_make, article_make, image_make
from tests.system.nginx import nginx_start

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def role_groups():
    """Transactional tests flush the groups the migration created; bring them back."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture
def nginx_server(live_server, settings, tmp_path):
    """A real nginx on 127.0.0.1 proxying to the live server, configured from deploy/nginx."""
    settings.MEDIA_SERVE = "nginx"
    settings.MEDIA_ACCEL_PREFIX = "/_protected/"
    media_root = Path(settings.MEDIA_ROOT)
    media_root.mkdir(parents=True, exist_ok=True)
    server = nginx_start(
        tmp_path / "nginx",
        upstream=live_server.url.removeprefix("http://"),
        media_root=media_root,
        static_root=tmp_path / "static",
        upload_max_bytes=settings.UPLOAD_MAX_BYTES,
    )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def nginx(nginx_server):
    """The base URL of `nginx_server`."""
    return nginx_server.url


def fetch(url: str, *, cookie: str = "", headers: dict | None = None):
    request = urllib.request.Request(
        url, headers={**(headers or {}), **({"Cookie": cookie} if cookie else {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def session_cookie(client, user) -> str:
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}"


@pytest.fixture
def image():
    return image_make(article_make(album_make("Весна 2026"), "АРТ-001 (синий)"), width=90, height=70)


def stored(name: str) -> bytes:
    with files.open_file(name) as file:
        return file.read()


def test_nginx_sends_the_original_with_djangos_headers(nginx, client, make_user, image):
    cookie = session_cookie(client, make_user("vera", Role.VIEWER))
    status, headers, data = fetch(nginx + original_url(image), cookie=cookie)
    assert status == 200
    assert data == stored(image.file.name)
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"  # nginx restates it
    assert "X-Accel-Redirect" not in headers


def test_pages_through_nginx_keep_the_apps_content_security_policy(nginx, client, make_user, image):
    cookie = session_cookie(client, make_user("vera", Role.VIEWER))
    status, headers, _ = fetch(nginx + "/", cookie=cookie)
    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"].split("; ")


def test_nginx_download_keeps_the_attachment_name(nginx, client, make_user, image):
    cookie = session_cookie(client, make_user("vera", Role.VIEWER))
    status, headers, data = fetch(nginx + download_url(image), cookie=cookie)
    assert status == 200
    assert headers["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('АРТ-001 (синий)_1.jpg')}"
    assert data == stored(image.file.name)


def test_nginx_answers_ranges_of_thumbnails(nginx, client, make_user, image):
    cookie = session_cookie(client, make_user("vera", Role.USER))
    thumbnail = image.thumbnails.get(size=640, format="webp")
    status, headers, data = fetch(
        nginx + thumbnail_url(image, thumbnail), cookie=cookie, headers={"Range": "bytes=0-11"}
    )
    assert status == 206
    assert data == stored(thumbnail.file.name)[:12]
    assert headers["Content-Type"] == "image/webp"
    assert headers["Content-Range"] == f"bytes 0-11/{thumbnail.bytes}"


def test_nginx_never_sends_bytes_to_anonymous_or_roleless_users(nginx, client, no_role_user, image):
    status, _, data = fetch(nginx + original_url(image))
    assert status == 401
    assert b"error" in data
    status, _, data = fetch(nginx + original_url(image), cookie=session_cookie(client, no_role_user))
    assert status == 403
    assert stored(image.file.name) not in data


def test_internal_location_is_not_reachable_from_outside(nginx, image):
    status, _, data = fetch(f"{nginx}/_protected/{image.file.name}")
    assert status == 404
    assert data != stored(image.file.name)
