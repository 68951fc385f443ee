"""A provider that is down or goes down: clear pages, never a stack trace, and the app keeps running."""

import socket

import pytest

from accounts import oidc
from tests.system.keycloak.conftest import CLIENT_ID, CLIENT_SECRET, CLIENTS, PASSWORD, REALMS, USERS
from tests.system.keycloak.provider import Browser, keycloak_mimic_start

pytestmark = pytest.mark.django_db

UNAVAILABLE = "Sign-in is unavailable right now"


def dead_issuer() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/realms/pichosting"


@pytest.fixture
def provider_down(settings):
    settings.OIDC_ISSUER = dead_issuer()
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = CLIENT_ID, CLIENT_SECRET
    settings.LANGUAGE_CODE = "en"
    oidc.caches_clear()
    yield
    oidc.caches_clear()


def test_login_page_still_works_and_the_keycloak_button_explains(provider_down, client):
    assert "/oidc/authenticate/" in client.get("/accounts/login/").content.decode()

    response = client.get("/oidc/authenticate/")

    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_provider_going_down_during_the_callback(settings, tmp_path, client):
    """The browser comes back with a code, but the token endpoint is gone by then."""
    settings.LANGUAGE_CODE = "en"
    keycloak = keycloak_mimic_start(tmp_path, clients=CLIENTS, users=USERS, realms=REALMS)
    try:
        settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID = keycloak.issuer(), CLIENT_ID
        settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
        oidc.caches_clear()
        browser = Browser(client)
        form = browser.go("/oidc/authenticate/")
        callback = browser.submit(form, username="vera", password=PASSWORD, stop_at_app=True)
    finally:
        keycloak.stop()
    assert callback.url.startswith("http://testserver/oidc/callback/?code=")

    response = browser.go(callback.url)

    assert response.status == 503
    assert UNAVAILABLE in response.text
    assert client.get("/api/me").status_code == 401
    oidc.caches_clear()


def test_due_session_refresh_with_the_provider_down(oidc_on, client, settings):
    Browser(client).login("vera", PASSWORD)
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()
    settings.OIDC_ISSUER = dead_issuer()
    oidc.caches_clear()

    response = client.get("/")

    assert response.status_code == 503
    assert UNAVAILABLE in response.content.decode()
