"""Protected files with MEDIA_SERVE=django: access is checked first, then bytes with the right headers."""

import pytest
from django.urls import resolve

from accounts.roles import Role
from gallery import files
from gallery.checks import media_serve_check
from gallery.links import download_url, original_url, thumbnail_url
from gallery.serving import PRIVATE_IMMUTABLE, Unsatisfiable, byte_range, file_response
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def image():
    return image_make(article_make(album_make("Весна 2026"), "АРТ-001 (синий)"), width=80, height=60)


@pytest.fixture
def signed_in(client, make_user):
    client.force_login(make_user("vera", Role.VIEWER))
    return client


def stored(name: str) -> bytes:
    with files.open_file(name) as file:
        return file.read()


def test_original_is_streamed_with_private_immutable_cache_and_nosniff(signed_in, image):
    response = signed_in.get(original_url(image))
    assert response.status_code == 200
    assert body(response) == stored(image.file.name)
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Accept-Ranges"] == "bytes"
    assert int(response["Content-Length"]) == image.bytes
    assert "Content-Disposition" not in response


def test_download_is_an_attachment_named_sku_and_position_not_the_uploaded_name(signed_in, image):
    response = signed_in.get(download_url(image))
    assert response.status_code == 200
    # "АРТ-001 (синий)_1.jpg": SKU, 1-based position, the extension of the detected format
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%D0%90%D0%A0%D0%A2-001%20%28%D1%81%D0%B8%D0%BD%D0%B8%D0%B9%29_1.jpg"
    )
    assert body(response) == stored(image.file.name)


@pytest.mark.parametrize("thumbnail_index", range(6))
def test_every_thumbnail_of_the_ladder_is_served(signed_in, image, thumbnail_index):
    thumbnail = image.thumbnails.order_by("size", "format")[thumbnail_index]
    response = signed_in.get(thumbnail_url(image, thumbnail))
    assert response.status_code == 200
    assert response["Content-Type"] == {"jpeg": "image/jpeg", "webp": "image/webp"}[thumbnail.format]
    assert response["Cache-Control"] == PRIVATE_IMMUTABLE
    assert body(response) == stored(thumbnail.file.name)


@pytest.mark.parametrize(
    ("header", "expected_slice", "content_range"),
    [
        ("bytes=0-9", slice(0, 10), "bytes 0-9/{size}"),
        ("bytes=10-", slice(10, None), "bytes 10-{last}/{size}"),
        ("bytes=-7", slice(-7, None), "bytes {tail7}-{last}/{size}"),
        ("bytes=5-999999", slice(5, None), "bytes 5-{last}/{size}"),
    ],
)
def test_single_byte_range_is_answered_with_206(signed_in, image, header, expected_slice, content_range):
    data = stored(image.file.name)
    size = len(data)
    response = signed_in.get(original_url(image), HTTP_RANGE=header)
    assert response.status_code == 206
    assert body(response) == data[expected_slice]
    assert response["Content-Range"] == content_range.format(size=size, last=size - 1, tail7=size - 7)
    assert int(response["Content-Length"]) == len(data[expected_slice])
    assert response["Cache-Control"] == PRIVATE_IMMUTABLE


def test_range_beyond_the_end_is_416_with_the_size(signed_in, image):
    response = signed_in.get(original_url(image), HTTP_RANGE="bytes=999999-")
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{image.bytes}"


@pytest.mark.parametrize("header", ["bytes=0-1,4-5", "bytes=9-2", "items=0-5", "bytes=x-y", "bytes=-"])
def test_ranges_we_do_not_serve_get_the_whole_file(signed_in, image, header):
    response = signed_in.get(original_url(image), HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == stored(image.file.name)


def test_if_range_sends_the_whole_file(signed_in, image):
    response = signed_in.get(original_url(image), HTTP_RANGE="bytes=0-3", HTTP_IF_RANGE='"x"')
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [("bytes=0-0", 10, (0, 0)), ("bytes=-20", 10, (0, 9)), ("", 10, None), (None, 10, None)],
)
def test_byte_range_parsing(header, size, expected):
    assert byte_range(header, size) == expected


@pytest.mark.parametrize("header", ["bytes=10-", "bytes=-0", "bytes=10-12"])
def test_unsatisfiable_ranges(header):
    with pytest.raises(Unsatisfiable):
        byte_range(header, 10)


def test_anonymous_gets_401_and_no_bytes(client, image):
    for url in (original_url(image), download_url(image)):
        response = client.get(url)
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "not_authenticated"
        assert "Cache-Control" not in response or "immutable" not in response["Cache-Control"]


def test_user_without_a_role_gets_403_and_no_bytes(client, no_role_user, image):
    client.force_login(no_role_user)
    thumbnail = image.thumbnails.first()
    for url in (original_url(image), download_url(image), thumbnail_url(image, thumbnail)):
        response = client.get(url)
        assert response.status_code == 403
        assert response.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", [Role.VIEWER, Role.USER, Role.ADMIN])
def test_every_role_may_fetch_files(client, make_user, image, role):
    client.force_login(make_user("someone", role))
    assert client.get(original_url(image)).status_code == 200


def test_wrong_hash_wrong_extension_or_unknown_size_is_404(signed_in, image):
    base = f"/files/{image.pk}/"
    sha = image.sha256[:16]
    for url in (
        f"{base}{'0' * 16}.jpg",  # another content
        f"{base}{sha}.png",  # another extension
        f"{base}{sha}-333.jpg",  # not on the ladder
        f"{base}{sha}-160.png",  # not a thumbnail format
        f"/files/{image.pk + 1000}/{sha}.jpg",  # no such image
    ):
        assert signed_in.get(url).status_code == 404, url


def test_another_images_hash_does_not_open_this_image(signed_in, image):
    other = image_make(article_make(album_make("Лето"), "Б-2"), color=(0, 0, 255))
    url = f"/files/{image.pk}/{other.sha256[:16]}.jpg"
    assert signed_in.get(url).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/files/1/../../secret_key",
        "/files/1/%2e%2e%2f%2e%2e%2fsecret_key",
        "/files/1/0123456789abcdef%2f..%2fx.jpg",
        "/files/originals/vesna-2026/x.jpg",
        "/files/1/0123456789ABCDEF.jpg",
        "/files/-1/0123456789abcdef.jpg",
    ],
)
def test_path_tricks_never_reach_storage(signed_in, image, url):
    assert signed_in.get(url).status_code == 404


def test_file_urls_resolve_to_the_protected_views(image):
    thumbnail = image.thumbnails.first()
    assert resolve(original_url(image)).url_name == "file_original"
    assert resolve(download_url(image)).url_name == "file_download"
    assert resolve(thumbnail_url(image, thumbnail)).url_name == "file_thumbnail"
    assert "originals" not in original_url(image)


def test_missing_file_is_404_not_500(signed_in, image):
    files.delete(image.file.name)
    assert signed_in.get(original_url(image)).status_code == 404


def test_cache_policy_is_a_parameter_for_public_links(rf, image):
    response = file_response(
        rf.get("/x"), name=image.file.name, content_type="image/jpeg", cache_control="public"
    )
    assert response["Cache-Control"] == "public"


def test_nginx_mode_answers_with_an_internal_redirect_and_no_body(signed_in, image, settings):
    settings.MEDIA_SERVE = "nginx"
    response = signed_in.get(download_url(image))
    assert response.status_code == 200
    assert response.content == b""
    assert response["X-Accel-Redirect"] == f"/_protected/{image.file.name}"
    assert response["X-Media-Name"] == f"/{image.file.name}"  # what nginx's fast path serves
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == PRIVATE_IMMUTABLE
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")


def test_nginx_mode_still_refuses_before_redirecting(client, no_role_user, image, settings):
    settings.MEDIA_SERVE = "nginx"
    client.force_login(no_role_user)
    response = client.get(original_url(image))
    assert response.status_code == 403
    assert "X-Accel-Redirect" not in response
    assert "X-Media-Name" not in response


@pytest.mark.parametrize(
    ("mode", "prefix", "ids"),
    [("django", "/_protected/", []), ("nginx", "/_protected/", []), ("apache", "/x/", ["gallery.E001"])],
)
def test_media_serve_setting_is_checked(settings, mode, prefix, ids):
    settings.MEDIA_SERVE, settings.MEDIA_ACCEL_PREFIX = mode, prefix
    assert [error.id for error in media_serve_check(None)] == ids


def test_nginx_mode_needs_an_absolute_internal_location(settings):
    settings.MEDIA_SERVE, settings.MEDIA_ACCEL_PREFIX = "nginx", "_protected/"
    assert [error.id for error in media_serve_check(None)] == ["gallery.E002"]


@pytest.mark.parametrize(
    ("endpoint", "style", "ids"),
    [
        ("http://store:8333", "path", []),
        (None, "path", ["gallery.E004"]),
        ("http://store", "virtual", ["gallery.E004"]),
    ],
)
def test_nginx_mode_on_s3_needs_an_endpoint_addressed_by_path(settings, endpoint, style, ids):
    settings.MEDIA_SERVE, settings.STORAGE_BACKEND = "nginx", "s3"
    settings.AWS_S3_ENDPOINT_URL, settings.AWS_S3_ADDRESSING_STYLE = endpoint, style
    assert [error.id for error in media_serve_check(None)] == ids


def test_a_photo_uploaded_as_html_downloads_with_its_real_format_extension(signed_in):
    image = image_make(article_make(album_make("Счета"), "INV.html\x00.exe"), original="invoice.html")
    disposition = signed_in.get(download_url(image))["Content-Disposition"]
    name = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert name.rsplit(".", 1)[1] == "jpg"
    assert "\x00" not in disposition and "invoice" not in disposition
