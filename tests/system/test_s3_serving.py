"""MEDIA_SERVE=django on S3 (SeaweedFS): whole files stream in chunks, a Range is one ranged GET."""

import tracemalloc

import pytest
from django.http import HttpRequest

from gallery import file_streams
from gallery.serving import file_response

pytestmark = pytest.mark.django_db

BIG = 64 * 1024**2


def request_with(**headers) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.META.update({f"HTTP_{key.upper()}": value for key, value in headers.items()})
    return request


@pytest.fixture
def big_object(s3_media):
    server, bucket = s3_media
    block = bytes(range(256)) * 4096  # 1 MiB
    server.client().put_object(Bucket=bucket, Key="originals/big.bin", Body=block * (BIG // len(block)))
    file_streams.open_range(
        "originals/big.bin", 0, 0
    ).close()  # the S3 client's one-off model loading, not measured
    return "originals/big.bin", block[-10:]


def test_the_last_ten_bytes_of_64_mib_cost_no_download_of_the_object(big_object, settings):
    settings.MEDIA_SERVE = "django"
    name, tail = big_object
    tracemalloc.start()
    try:
        response = file_response(request_with(range="bytes=-10"), name=name, content_type="image/jpeg")
        body = b"".join(response.streaming_content)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {BIG - 10}-{BIG - 1}/{BIG}"
    assert body == tail
    assert peak < 4 * 1024**2, f"peak Python allocation {peak} bytes for 10 bytes of a 64 MiB object"


def test_a_whole_s3_file_streams_in_chunks(big_object, settings):
    settings.MEDIA_SERVE = "django"
    name, tail = big_object
    tracemalloc.start()
    try:
        response = file_response(request_with(), name=name, content_type="image/jpeg")
        total, last = 0, b""
        for chunk in response.streaming_content:
            total += len(chunk)
            last = (last + chunk)[-10:]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert response.status_code == 200
    assert response["Content-Length"] == str(BIG)
    assert (total, last) == (BIG, tail)
    assert peak < 16 * 1024**2, f"peak Python allocation {peak} bytes streaming a 64 MiB object"


def test_a_missing_s3_object_is_404(s3_media, settings):
    from django.http import Http404

    settings.MEDIA_SERVE = "django"
    with pytest.raises(Http404):
        file_response(request_with(), name="originals/none.jpg", content_type="image/jpeg")
    with pytest.raises(FileNotFoundError):
        file_streams.open_range("originals/none.jpg", 0, 9)


def test_a_middle_range_is_exact(s3_media, settings):
    server, bucket = s3_media
    server.client().put_object(Bucket=bucket, Key="originals/small.jpg", Body=b"0123456789abcdef")
    response = file_response(
        request_with(range="bytes=3-6"), name="originals/small.jpg", content_type="image/jpeg"
    )
    assert response.status_code == 206
    assert b"".join(response.streaming_content) == b"3456"
    assert response["Content-Length"] == "4"


def test_nginx_mode_redirects_to_a_presigned_get_that_expires_in_a_minute(s3_media, settings):
    from urllib.parse import parse_qs, urlsplit

    server, bucket = s3_media
    server.client().put_object(Bucket=bucket, Key="originals/small.jpg", Body=b"0123456789abcdef")
    settings.MEDIA_SERVE = "nginx"
    response = file_response(request_with(), name="originals/small.jpg", content_type="image/jpeg")
    redirect = urlsplit(response["X-Accel-Redirect"])
    assert redirect.path == f"/_s3/{bucket}/originals/small.jpg"
    query = parse_qs(redirect.query)
    assert query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-Algorithm"] == ["AWS4-HMAC-SHA256"] and query["X-Amz-Signature"]
    assert "X-Media-Name" not in response  # nothing on the media volume for nginx's fast path to read
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
