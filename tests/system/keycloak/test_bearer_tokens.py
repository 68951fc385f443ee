"""API calls with Keycloak access tokens from a real provider: service accounts, every bad token, CSRF."""

import base64
import hashlib
import hmac
import json
import socket
import time

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import get_user_model
from django.test import Client

from accounts import oidc
from accounts.models import ActionLog, OidcIdentity
from accounts.roles import ROLE_CAPABILITIES, Role
from gallery.tests.factories import album_make
from tests.system.keycloak.conftest import CLIENT_ID, CLIENT_SECRET, CLIENTS, REALMS, USERS
from tests.system.keycloak.provider import keycloak_mimic_start

pytestmark = pytest.mark.django_db


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def me(client: Client, token: str):
    return client.get("/api/me", **bearer(token))


def test_service_account_token_calls_the_api(oidc_on, client):
    token = oidc_on.client_credentials(CLIENT_ID, CLIENT_SECRET)

    response = me(client, token)

    assert response.status_code == 200, response.content
    assert response.json() == {
        "username": "service-account-pichosting",
        "roles": ["appuser"],
        "capabilities": sorted(capability.value for capability in ROLE_CAPABILITIES[Role.USER]),
    }
    account = OidcIdentity.objects.get(sub=USERS["service-account-pichosting"]["sub"]).user
    assert account.email == "" and not account.has_usable_password()


def test_another_clients_token_with_our_audience_is_accepted(oidc_on, client):
    response = me(client, oidc_on.client_credentials("pim", "pim-secret"))
    assert response.status_code == 200
    assert response.json()["roles"] == ["appviewer"]


def test_repeated_calls_reuse_the_account_and_cached_keys(oidc_on, client, django_assert_max_num_queries):
    token = oidc_on.client_credentials(CLIENT_ID, CLIENT_SECRET)
    assert me(client, token).status_code == 200
    with django_assert_max_num_queries(4):
        assert me(client, token).status_code == 200
    assert get_user_model().objects.filter(username="service-account-pichosting").count() == 1


def test_bearer_roles_follow_the_token(oidc_on, client, users_edit):
    token = oidc_on.client_credentials(CLIENT_ID, CLIENT_SECRET)
    assert me(client, token).json()["roles"] == ["appuser"]
    users_edit("service-account-pichosting", realm_roles=["appadmin"])
    token = oidc_on.client_credentials(CLIENT_ID, CLIENT_SECRET)
    assert me(client, token).json()["roles"] == ["appadmin"]


def test_valid_token_without_an_app_role_is_refused(oidc_on, client):
    users_before = get_user_model().objects.count()
    response = me(client, oidc_on.client_credentials("no-role-client", "no-role-secret"))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "no_app_role"
    assert "appviewer" in response.json()["error"]["message"]
    assert get_user_model().objects.count() == users_before
    assert ActionLog.objects.filter(action=ActionLog.LOGIN_REFUSED).count() == 1


def forged_hs256_with_public_key(token: str, keycloak) -> str:
    """The classic key-confusion attack: HMAC-sign with the provider's public key as the secret."""
    header = jwt.get_unverified_header(token)
    jwks = requests.get(f"{keycloak.issuer()}/protocol/openid-connect/certs", timeout=5).json()
    public_pem = jwt.PyJWK(jwks["keys"][0]).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64(json.dumps({**header, 'alg': 'HS256'}).encode())}.{token.split('.')[1]}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


def unsigned(token: str) -> str:
    header = jwt.get_unverified_header(token)
    return f"{b64(json.dumps({**header, 'alg': 'none'}).encode())}.{token.split('.')[1]}."


def bad_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    raw = bytearray(unb64(signature))
    raw[10] ^= 0xFF
    return f"{head}.{payload}.{b64(bytes(raw))}"


def signed_by_a_stranger(token: str) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(token, options={"verify_signature": False})
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "stranger"})


def expired(keycloak) -> str:
    token = keycloak.client_credentials("short-lived", "short-secret")  # lives one second
    time.sleep(2.1)
    return token


BAD_TOKENS = {
    "expired": expired,
    "wrong issuer": lambda kc: kc.client_credentials(CLIENT_ID, CLIENT_SECRET, realm="other"),
    "wrong audience": lambda kc: kc.client_credentials("other-app", "other-secret"),
    "bad signature": lambda kc: bad_signature(kc.client_credentials(CLIENT_ID, CLIENT_SECRET)),
    "alg none": lambda kc: unsigned(kc.client_credentials(CLIENT_ID, CLIENT_SECRET)),
    "HS256 signed with the public key": lambda kc: forged_hs256_with_public_key(
        kc.client_credentials(CLIENT_ID, CLIENT_SECRET), kc
    ),
    "unknown signing key": lambda kc: signed_by_a_stranger(kc.client_credentials(CLIENT_ID, CLIENT_SECRET)),
    "not a JWT": lambda kc: "opaque-garbage",
}
EXPECTED_REASONS = {
    "expired": "expired",
    "wrong issuer": "another issuer",
    "wrong audience": "not issued for 'pichosting'",
    "bad signature": "signature",
    "alg none": "RS256",
    "HS256 signed with the public key": "RS256",
    "unknown signing key": "key the provider does not publish",
    "not a JWT": "well-formed",
}


@pytest.mark.parametrize("kind", list(BAD_TOKENS))
def test_bad_tokens_get_401_invalid_token(oidc_on, client, kind):
    token = BAD_TOKENS[kind](oidc_on)

    response = me(client, token)

    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    error = response.json()["error"]
    assert error["code"] == "invalid_token"
    assert EXPECTED_REASONS[kind] in error["message"]
    assert not OidcIdentity.objects.exists()
    denial = ActionLog.objects.get(action=ActionLog.ACCESS_DENIED)
    assert EXPECTED_REASONS[kind] in denial.details["reason"]


def test_the_forged_tokens_carry_a_genuine_payload(oidc_on):
    """Guards the test above: each forgery keeps a good token's claims, so only the tested flaw differs."""
    good = oidc_on.client_credentials(CLIENT_ID, CLIENT_SECRET)
    assert oidc.token_verify(good, audience_or_azp=True)["azp"] == CLIENT_ID
    for forge in (bad_signature, unsigned):
        assert forge(good).split(".")[1] == good.split(".")[1]
    forged = forged_hs256_with_public_key(good, oidc_on)
    assert forged.split(".")[1] == good.split(".")[1]


def test_a_bad_token_does_not_fall_back_to_the_session(oidc_on, client, make_user):
    client.force_login(make_user("anna", Role.ADMIN))
    assert client.get("/api/me").status_code == 200
    assert me(client, "opaque-garbage").status_code == 401


def test_bearer_needs_no_csrf_but_a_cookie_session_does(oidc_on, make_user):
    """A real unsafe endpoint (the export preview), called with a token and with a session cookie."""
    album_make("Весна 2026")
    body = json.dumps({"albums": ["весна 2026"]})
    token = oidc_on.client_credentials("pim", "pim-secret")
    browser = Client(enforce_csrf_checks=True)

    with_token = browser.post("/api/export-preview", body, content_type="application/json", **bearer(token))
    assert with_token.status_code == 200, with_token.content
    assert "columns" in with_token.json()

    browser.force_login(make_user("anna", Role.VIEWER))
    no_csrf = browser.post("/api/export-preview", body, content_type="application/json")
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.json()["error"]["message"]
    browser.get("/")  # a page with a form sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    with_cookie = browser.post(
        "/api/export-preview", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf
    )
    assert with_cookie.status_code == 200


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unknown_key_id_refreshes_the_cached_keys(settings, tmp_path, client, monkeypatch):
    """The provider restarts with a new signing key: new tokens verify, old ones are refused."""
    monkeypatch.setattr(oidc, "JWKS_REFRESH_MIN_INTERVAL", 0.0)
    port = free_port()
    first = keycloak_mimic_start(tmp_path / "a", clients=CLIENTS, users=USERS, realms=REALMS, port=port)
    try:
        settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = first.issuer(), CLIENT_ID
        oidc.caches_clear()
        old_token = first.client_credentials(CLIENT_ID, CLIENT_SECRET)
        assert me(client, old_token).status_code == 200
    finally:
        first.stop()
    second = keycloak_mimic_start(tmp_path / "b", clients=CLIENTS, users=USERS, realms=REALMS, port=port)
    try:
        new_token = second.client_credentials(CLIENT_ID, CLIENT_SECRET)
        assert jwt.get_unverified_header(new_token)["kid"] != jwt.get_unverified_header(old_token)["kid"]
        assert me(client, new_token).status_code == 200
        assert me(client, old_token).status_code == 401
    finally:
        second.stop()
        oidc.caches_clear()


def test_provider_down_with_no_cached_keys_gets_503_json(settings, client):
    settings.OIDC_ISSUER = f"http://127.0.0.1:{free_port()}/realms/pichosting"
    settings.OIDC_CLIENT_ID = CLIENT_ID
    oidc.caches_clear()
    token = f"{b64(json.dumps({'alg': 'RS256', 'kid': 'k1'}).encode())}.{b64(b'{}')}.c2ln"
    response = me(client, token)
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "provider_unavailable"


def test_a_service_account_token_reads_the_openapi_document(oidc_on, client):
    token = oidc_on.client_credentials(CLIENT_ID, CLIENT_SECRET)
    response = client.get("/api/openapi.json", **bearer(token))
    assert response.status_code == 200
    assert "/api/me" in response.json()["paths"]
    assert client.get("/api/openapi.json", **bearer("not-a-token")).status_code == 401
