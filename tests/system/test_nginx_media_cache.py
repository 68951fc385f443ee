"""The fast file path (deploy/nginx/media-auth.conf): nginx replays the app's cached answer for a while.

nginx runs the shipped configuration with MEDIA_AUTH_CACHE_SECONDS = 1; every revocation must take
effect within `BOUND`, and a repeated request must not reach the app.
"""

import time
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.signals import request_started

from accounts.roles import Role
from exports.links import public_link
from gallery import files
from gallery.links import thumbnail_url
from gallery.services import album_link_token_regenerate, album_public_links_set, images_delete
from gallery.tests.factories import album_make, article_make, image_make
from tests.system import test_nginx_file_serving as served
from tests.system.nginx import nginx_start

nginx_server, nginx = served.nginx_server, served.nginx  # MEDIA_AUTH_CACHE_SECONDS=1 (tests/system/nginx.py)
role_groups = served.role_groups
fetch, session_cookie = served.fetch, served.session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

CACHE_SECONDS = 1  # MEDIA_AUTH_CACHE_SECONDS of the test nginx
BOUND = CACHE_SECONDS + 1  # nginx counts validity in whole seconds: a change is seen within this


def after_the_bound() -> None:
    time.sleep(BOUND + 0.1)


@pytest.fixture
def photo():
    album = album_make("Весна 2026", public_links_enabled=True)
    return image_make(article_make(album, "АРТ-001 (синий)"), width=90, height=70)


def thumbnail_of(image):
    return image.thumbnails.get(size=640, format="webp")


def stored(name: str) -> bytes:
    with files.open_file(name) as file:
        return file.read()


def public_thumbnail_url(nginx_url: str, image) -> str:
    path = public_link(
        token=image.album.link_token,
        article_slug=image.article.slug,
        sha256=image.sha256,
        extension="webp",
        size=640,
        base_url=nginx_url,
    )
    return path


@pytest.fixture
def app_requests():
    """The paths of the requests the app (the live server) handled during the test."""
    seen: list[str] = []

    def record(sender, environ, **kwargs):
        seen.append(environ["PATH_INFO"])

    request_started.connect(record)
    yield seen
    request_started.disconnect(record)


def test_a_viewer_gets_the_right_bytes_and_headers_and_the_repeat_skips_the_app(
    nginx, client, make_user, photo, app_requests
):
    cookie = session_cookie(client, make_user("vera", Role.VIEWER))
    thumbnail = thumbnail_of(photo)
    path = thumbnail_url(photo, thumbnail)
    for _ in range(2):
        status, headers, data = fetch(nginx + path, cookie=cookie)
        assert status == 200
        assert data == stored(thumbnail.file.name)
        assert headers["Content-Type"] == "image/webp"
        assert headers["Cache-Control"] == "private, max-age=31536000, immutable"
        assert headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert "X-Accel-Redirect" not in headers
    assert app_requests.count(path) == 1


def test_a_cached_answer_still_serves_ranges(nginx, client, make_user, photo):
    cookie = session_cookie(client, make_user("vera", Role.VIEWER))
    thumbnail = thumbnail_of(photo)
    url = nginx + thumbnail_url(photo, thumbnail)
    assert fetch(url, cookie=cookie)[0] == 200
    status, headers, data = fetch(url, cookie=cookie, headers={"Range": "bytes=2-9"})
    assert status == 206
    assert data == stored(thumbnail.file.name)[2:10]
    assert headers["Content-Range"] == f"bytes 2-9/{thumbnail.bytes}"


def test_anonymous_gets_401_and_another_session_is_checked_on_its_own(
    nginx, client, make_user, no_role_user, photo
):
    url = nginx + thumbnail_url(photo, thumbnail_of(photo))
    assert fetch(url, cookie=session_cookie(client, make_user("vera", Role.VIEWER)))[0] == 200
    status, _, data = fetch(url)
    assert status == 401
    assert b"error" in data
    assert fetch(url, cookie="sessionid=forged")[0] == 401
    assert fetch(url, cookie=session_cookie(client, no_role_user))[0] == 403


def test_a_removed_role_loses_access_within_the_bound(nginx, client, make_user, photo):
    user = make_user("vera", Role.VIEWER)
    cookie = session_cookie(client, user)
    url = nginx + thumbnail_url(photo, thumbnail_of(photo))
    assert fetch(url, cookie=cookie)[0] == 200
    user.groups.remove(Group.objects.get(name=Role.VIEWER.value))
    after_the_bound()
    status, _, data = fetch(url, cookie=cookie)
    assert status == 403
    assert data != stored(thumbnail_of(photo).file.name)


def test_public_links_revoked_by_token_switch_or_trash_404_within_the_bound(nginx, photo, app_requests):
    url = public_thumbnail_url(nginx, photo)
    status, headers, data = fetch(url)
    assert (status, headers["Cache-Control"]) == (200, "public, max-age=86400")
    assert data == stored(thumbnail_of(photo).file.name)
    assert fetch(url)[0] == 200
    assert app_requests.count(url.removeprefix(nginx)) == 1

    album_link_token_regenerate(album=photo.album, actor=None)
    after_the_bound()
    assert fetch(url)[0] == 404

    photo.album.refresh_from_db()
    fresh = public_thumbnail_url(nginx, photo)
    assert fetch(fresh)[0] == 200
    album_public_links_set(album=photo.album, enabled=False, actor=None)
    after_the_bound()
    assert fetch(fresh)[0] == 404

    album_public_links_set(album=photo.album, enabled=True, actor=None)
    after_the_bound()
    assert fetch(fresh)[0] == 200
    images_delete(images=[photo])
    after_the_bound()
    assert fetch(fresh)[0] == 404


def test_the_internal_locations_stay_unreachable(nginx, photo):
    status, _, data = fetch(f"{nginx}/_protected/{thumbnail_of(photo).file.name}")
    assert status == 404
    assert data != stored(thumbnail_of(photo).file.name)
    assert fetch(f"{nginx}/_media_auth")[0] == 404


@pytest.fixture
def nginx_at_once(live_server, settings, tmp_path):
    """The shipped configuration with MEDIA_AUTH_CACHE_SECONDS=0: nothing kept, changes are seen at once."""
    settings.MEDIA_SERVE = "nginx"
    server = nginx_start(
        tmp_path / "nginx",
        upstream=live_server.url.removeprefix("http://"),
        media_root=Path(settings.MEDIA_ROOT),
        static_root=tmp_path / "static",
        upload_max_bytes=settings.UPLOAD_MAX_BYTES,
        media_auth_cache_seconds=0,
    )
    yield server.url
    server.stop()


def test_with_zero_seconds_every_revocation_is_seen_at_once(
    nginx_at_once, client, make_user, photo, app_requests
):
    user = make_user("vera", Role.VIEWER)
    cookie = session_cookie(client, user)
    private = thumbnail_url(photo, thumbnail_of(photo))
    public = public_thumbnail_url(nginx_at_once, photo)
    for _ in range(2):
        assert fetch(nginx_at_once + private, cookie=cookie)[0] == 200
        assert fetch(public)[0] == 200
    assert app_requests.count(private) == 2  # asked every time
    user.groups.remove(Group.objects.get(name=Role.VIEWER.value))
    assert fetch(nginx_at_once + private, cookie=cookie)[0] == 403
    images_delete(images=[photo])
    assert fetch(public)[0] == 404
