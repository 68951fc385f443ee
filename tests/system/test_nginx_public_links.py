"""Public photo links through a real nginx: anonymous bytes via X-Accel-Redirect, aliases redirected.

Revocation through nginx (token, switch, trash; within the cache bound) is in test_nginx_media_cache.py.
"""

import pytest

from exports.links import public_link
from gallery import files
from gallery.tests.factories import album_make, article_make, image_make
from tests.system import test_nginx_file_serving as served

# the real nginx in front of the live server, with the shipped configuration
nginx_server, nginx = served.nginx_server, served.nginx
role_groups = served.role_groups
fetch = served.fetch

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def photo():
    album = album_make("Весна 2026", public_links_enabled=True)
    return image_make(article_make(album, "АРТ-001 (синий)"), width=90, height=70)


@pytest.fixture(autouse=True)
def public_base_url(nginx, settings):
    """Links point at the nginx in front of the app, as PUBLIC_BASE_URL does in production."""
    settings.PUBLIC_BASE_URL = nginx


def link(image, **parts) -> str:
    return public_link(
        token=image.album.link_token, article_slug=image.article.slug, sha256=image.sha256, **parts
    )


def test_anonymous_marketplace_gets_the_bytes_with_public_immutable_headers(photo):
    status, headers, data = fetch(link(photo, extension="jpg"))
    assert status == 200
    with files.open_file(photo.file.name) as file:
        assert data == file.read()
    assert headers["Content-Type"] == "image/jpeg"
    assert headers["Cache-Control"] == "public, max-age=86400"
    assert "X-Accel-Redirect" not in headers

    status, headers, _ = fetch(link(photo, extension="webp", size=640))
    assert (status, headers["Content-Type"]) == (200, "image/webp")


def test_position_alias_redirects_to_the_current_photo_behind_nginx(photo):
    status, headers, data = fetch(link(photo, extension="jpg", position=1))  # urllib follows the redirect
    assert status == 200
    assert headers["Cache-Control"] == "public, max-age=86400"
    with files.open_file(photo.file.name) as file:
        assert data == file.read()
