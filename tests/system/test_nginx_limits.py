"""nginx's own answers with the shipped configuration: bodies over UPLOAD_MAX_BYTES get 413 before the app.

The upstream is a port nothing listens on, so any request nginx passed on would answer 502: a 413 proves nginx
refused it itself, in the product's JSON error shape under /api/ and as a page elsewhere.
"""

import json
import urllib.error
import urllib.request

import pytest

from tests.system.nginx import nginx_start

LIMIT = 1024 * 1024
SECURITY_HEADERS = ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy", "Content-Security-Policy")


@pytest.fixture
def nginx(tmp_path):
    (tmp_path / "media").mkdir()
    server = nginx_start(
        tmp_path / "nginx",
        upstream="127.0.0.1:9",
        media_root=tmp_path / "media",
        static_root=tmp_path / "static",
        upload_max_bytes=LIMIT,
    )
    yield server.url
    server.stop()


def post(url: str, size: int):
    request = urllib.request.Request(
        url, data=b"x" * size, method="POST", headers={"Content-Type": "application/octet-stream"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.mark.parametrize("path", ["/api/upload", "/api/sync"])
def test_an_api_body_over_the_limit_gets_413_json_from_nginx(nginx, path):
    status, headers, body = post(f"{nginx}{path}", LIMIT + 1)
    assert status == 413
    assert headers["Content-Type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == "too_large" and str(LIMIT) in error["message"]
    for header in SECURITY_HEADERS:
        assert header in headers, header
    assert headers["Content-Security-Policy"] == "default-src 'none'"


def test_a_page_body_over_the_limit_gets_a_413_page_from_nginx(nginx):
    status, headers, body = post(f"{nginx}/upload/", LIMIT + 1)
    assert status == 413
    assert headers["Content-Type"].startswith("text/html")
    assert "Файл слишком большой" in body.decode()
    assert headers["Content-Security-Policy"] == "default-src 'none'"


def test_a_body_within_the_limit_is_passed_on(nginx):
    status, _, _ = post(f"{nginx}/api/upload", LIMIT)
    assert status == 502  # nginx passed it to the (absent) app
