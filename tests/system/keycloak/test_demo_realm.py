"""The shipped realm export (deploy/keycloak/realm-pichosting.json), served by the test provider."""

import jwt
import pytest

from accounts import oidc
from accounts.roles import Role, user_roles
from tests.system.keycloak.provider import Browser, keycloak_mimic_start
from tests.system.keycloak.realm import mimic_config, realm_load

pytestmark = pytest.mark.django_db

SECRET = "demo-client-secret"
ENV = {"PUBLIC_BASE_URL": "http://testserver", "PICHOSTING_OIDC_CLIENT_SECRET": SECRET}
DEMO_USERS = {"viewer": Role.VIEWER, "uploader": Role.USER, "admin": Role.ADMIN}


@pytest.fixture(scope="module")
def demo_realm():
    return realm_load(ENV)


@pytest.fixture(scope="module")
def demo_keycloak(demo_realm, tmp_path_factory):
    clients, users = mimic_config(demo_realm)
    mimic = keycloak_mimic_start(
        tmp_path_factory.mktemp("demo-realm"), clients=clients, users=users, realms=[demo_realm["realm"]]
    )
    yield mimic
    mimic.stop()


@pytest.fixture
def demo_on(settings, demo_keycloak):
    settings.OIDC_ISSUER = demo_keycloak.issuer()
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = "pichosting", SECRET
    oidc.caches_clear()
    yield demo_keycloak
    oidc.caches_clear()


def test_the_realm_defines_exactly_the_app_roles(demo_realm):
    assert {role["name"] for role in demo_realm["roles"]["realm"]} == {role.value for role in Role}
    (client,) = demo_realm["clients"]
    assert client["clientId"] == "pichosting" and not client["publicClient"]
    assert client["standardFlowEnabled"] and client["serviceAccountsEnabled"]
    assert client["redirectUris"] == ["http://testserver/oidc/callback/"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"


@pytest.mark.parametrize(("username", "role"), list(DEMO_USERS.items()))
def test_each_demo_user_signs_in_with_the_documented_password(demo_on, demo_realm, client, username, role):
    (user,) = [u for u in demo_realm["users"] if u["username"] == username]

    page = Browser(client).login(username, user["credentials"][0]["value"])

    assert page.status == 200 and not page.on_provider
    me = client.get("/api/me").json()
    assert me["username"] == username and me["roles"] == [role.value]
    id_token = jwt.decode(client.session["oidc_id_token"], options={"verify_signature": False})
    assert role.value in id_token["realm_access"]["roles"], "the realm's mappers put roles in the ID token"


def test_the_demo_client_service_account_calls_the_api(demo_on, client):
    token = demo_on.client_credentials("pichosting", SECRET, realm="pichosting")
    assert "pichosting" in jwt.decode(token, options={"verify_signature": False})["aud"]

    response = client.get("/api/me", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200
    assert response.json()["roles"] == ["appuser"]
    assert user_roles(response.wsgi_request.user) == {Role.USER}
