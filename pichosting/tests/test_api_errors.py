"""Every /api/ path answers the JSON error shape: unknown routes, wrong methods, and authentication before
CSRF (anonymous → 401 whatever the method; signed in without the token → 403 csrf_failed)."""

import pytest
from django.test import Client

from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict_client() -> Client:
    """A client that enforces CSRF like a browser's requests meet it (the test client skips it by default)."""
    return Client(enforce_csrf_checks=True)


@pytest.mark.parametrize("path", ["/api/nope", "/api/albums/extra/segments/here", "/api/"])
def test_unknown_api_routes_answer_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json()["error"]["code"] == "not_found"


def test_a_wrong_method_answers_json_405_with_allow(client_as, viewer):
    response = client_as(viewer).delete("/api/albums")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
    assert "GET" in response["Allow"]


@pytest.mark.parametrize(
    "method, path",
    [("post", "/api/upload"), ("post", "/api/sync"), ("post", "/api/export-preview"), ("get", "/api/albums")],
)
def test_anonymous_calls_get_401_before_any_csrf_check(strict_client, method, path):
    strict_client.cookies["sessionid"] = "not-a-session"  # a stale cookie signs nobody in either
    response = getattr(strict_client, method)(path, content_type="application/json")
    assert response.status_code == 401, response.content
    assert response.json()["error"]["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_signed_in_session_without_the_csrf_token_gets_403_csrf_failed(strict_client, make_user):
    strict_client.force_login(make_user("ulyana", Role.USER))
    response = strict_client.post("/api/upload")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "csrf_failed"


def test_a_signed_in_session_with_the_csrf_token_passes(strict_client, make_user):
    strict_client.force_login(make_user("ulyana", Role.USER))
    strict_client.get("/upload/")  # sets the csrftoken cookie
    token = strict_client.cookies["csrftoken"].value
    response = strict_client.post("/api/upload", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 400  # through to the view: no file was sent
    assert response.json()["error"]["code"] == "no_file"
