import pytest
from django.contrib.auth import authenticate
from django.core.checks import run_checks
from django.test import RequestFactory

from accounts.roles import Role
from accounts.views import OidcLoginView

pytestmark = pytest.mark.django_db

ISSUER = "https://sso.example.com/realms/pichosting"


@pytest.fixture
def oidc_configured(settings):
    """OIDC configured; nothing here talks to the provider (discovery is lazy)."""
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = ISSUER, "pichosting", "s"
    settings.LANGUAGE_CODE = "en"


def check_ids() -> set[str]:
    return {message.id for message in run_checks() if message.id.startswith("accounts.")}


def test_login_page_offers_keycloak_next_to_the_local_form(oidc_configured, client):
    page = client.get("/accounts/login/?next=/albums/").content.decode()
    assert "/oidc/authenticate/?next=/albums/" in page
    assert 'name="password"' in page


def test_without_oidc_the_login_page_has_no_keycloak_button(client):
    page = client.get("/accounts/login/").content.decode()
    assert "/oidc/authenticate/" not in page and 'name="password"' in page
    assert client.get("/oidc/authenticate/").status_code == 404


def test_local_login_off_hides_the_form_and_refuses_passwords(oidc_configured, settings, client, make_user):
    settings.LOCAL_LOGIN = False
    make_user("local", Role.ADMIN)
    page = client.get("/accounts/login/").content.decode()
    assert "/oidc/authenticate/" in page and 'name="password"' not in page
    assert (
        client.post("/accounts/login/", {"username": "local", "password": "pw-for-tests-only"}).status_code
        == 403
    )
    request = RequestFactory().post("/admin/login/")
    assert authenticate(request, username="local", password="pw-for-tests-only") is None, "nor in the admin"


def test_bearer_tokens_are_refused_when_oidc_is_off(client):
    response = client.get("/api/me", HTTP_AUTHORIZATION="Bearer a.b.c")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_checks_catch_half_configured_oidc_and_no_way_in(settings):
    assert check_ids() == set()
    settings.OIDC_ISSUER = ISSUER
    assert check_ids() == {"accounts.E001"}
    settings.OIDC_ISSUER, settings.LOCAL_LOGIN = "", False
    assert check_ids() == {"accounts.W001"}
    settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = (
        "http://sso.lan/realms/p",
        "c",
        "s",
    )
    assert check_ids() == {"accounts.W002"}


def test_openapi_document_offers_bearer_tokens_before_cookies(viewer, client):
    client.force_login(viewer)
    document = client.get("/api/openapi.json").json()
    assert document["components"]["securitySchemes"]["KeycloakBearer"]["bearerFormat"] == "JWT"
    assert document["paths"]["/api/me"]["get"]["security"] == [
        {"KeycloakBearer": []},
        {"SessionCookieAuth": []},
    ]


def test_provider_settings_read_live_unless_assigned(settings):
    """mozilla-django-oidc assigns None in `__init__` (not set here): the live value answers; a real
    assignment is kept instead of being silently dropped."""
    settings.OIDC_CLIENT_ID = "live-client"
    view = OidcLoginView()
    assert view.OIDC_RP_CLIENT_ID == "live-client"
    settings.OIDC_CLIENT_ID = "changed"
    assert view.OIDC_RP_CLIENT_ID == "changed"
    view.OIDC_RP_CLIENT_ID = "assigned"
    assert view.OIDC_RP_CLIENT_ID == "assigned"
