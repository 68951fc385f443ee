"""An `Authorization` header on the API is a bearer token or a refusal: it never falls back to the cookie."""

import pytest

from accounts.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, make_user):
    client.force_login(make_user("vera", Role.VIEWER))
    return client


@pytest.mark.parametrize("header", ["Basic dmVyYTpzZWNyZXQ=", "token-without-scheme", "Bearer\tx.y.z", ""])
@pytest.mark.parametrize("path", ["/api/albums", "/api/openapi.json"])
def test_another_scheme_with_a_signed_in_session_is_refused(signed_in, header, path):
    response = signed_in.get(path, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "malformed_authorization"
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_request"')


def test_the_session_alone_still_answers(signed_in):
    assert signed_in.get("/api/albums").status_code == 200
