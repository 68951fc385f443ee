import pytest

from accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_me_names_the_roles_and_capabilities(client, make_user):
    client.force_login(make_user("vera", Role.USER))
    assert client.get("/api/me").json() == {
        "username": "vera",
        "roles": ["appuser"],
        "capabilities": ["export", "share", "upload", "view"],
    }


def test_anonymous_gets_401_json_with_a_challenge(client):
    response = client.get("/api/me")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "not_authenticated"


def test_openapi_document_is_3_1_and_lists_me(viewer, client):
    client.force_login(viewer)
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/api/me" in document["paths"]
