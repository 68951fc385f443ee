"""Browser sign-in through a real OpenID provider: authorization code + PKCE, role sync, refusal, logout."""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from prometheus_client import REGISTRY

from accounts.models import ActionLog, OidcIdentity
from accounts.roles import Role, user_roles
from tests.system.keycloak.conftest import PASSWORD, USERS
from tests.system.keycloak.provider import Browser

pytestmark = pytest.mark.django_db


def keycloak_failures() -> float:
    return REGISTRY.get_sample_value("pichosting_sign_in_failures_total", {"via": "keycloak"}) or 0.0


def oidc_user(name: str):
    return OidcIdentity.objects.select_related("user").get(sub=USERS[name]["sub"]).user


@pytest.mark.parametrize(
    ("name", "role"),
    [("vera", Role.VIEWER), ("ivan", Role.USER), ("olga", Role.ADMIN)],
)
def test_each_role_signs_in_through_the_provider(oidc_on, client, name, role):
    page = Browser(client).login(name, PASSWORD)

    assert not page.on_provider and page.status == 200, page.text[:500]
    user = oidc_user(name)
    assert user.username == name
    assert user_roles(user) == {role}
    assert user.is_staff == (role is Role.ADMIN)
    assert not user.has_usable_password()
    assert user.email == USERS[name]["email"]
    assert user.first_name == USERS[name]["given_name"]
    me = client.get("/api/me").json()
    assert me["username"] == name and me["roles"] == [role.value]
    actions = list(ActionLog.objects.filter(user=user).order_by("id").values_list("action", "details__via"))
    assert actions == [(ActionLog.ACCOUNT_CREATED, None), (ActionLog.LOGIN, "keycloak")]


@pytest.mark.parametrize("client_id", ["roles-in-id-token", "roles-in-userinfo"])
def test_roles_mapped_only_to_the_id_token_or_userinfo_count_too(oidc_on, client, settings, client_id):
    settings.OIDC_CLIENT_ID, settings.OIDC_CLIENT_SECRET = client_id, f"{client_id}-secret"
    page = Browser(client).login("olga", PASSWORD)
    assert page.status == 200
    assert user_roles(oidc_user("olga")) == {Role.ADMIN}


def test_login_requires_pkce_state_and_nonce(oidc_on, client):
    """The redirect to the provider carries them (and the provider here refuses codes without PKCE)."""
    response = client.get("/oidc/authenticate/")
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(f"{oidc_on.issuer()}/protocol/openid-connect/auth?")
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) >= 43
    assert query["state"][0] and query["nonce"][0]
    assert query["scope"] == ["openid profile email"]


def test_roles_are_resynced_on_every_login(oidc_on, client, users_edit):
    Browser(client).login("ivan", PASSWORD)
    ivan = oidc_user("ivan")
    assert user_roles(ivan) == {Role.USER}

    users_edit("ivan", client_roles={}, realm_roles=["appadmin"], given_name="Иван Иванович")
    Browser(Client()).login("ivan", PASSWORD)
    ivan = oidc_user("ivan")
    assert user_roles(ivan) == {Role.ADMIN} and ivan.is_staff
    assert ivan.first_name == "Иван Иванович"

    users_edit("ivan", realm_roles=["appviewer"])
    Browser(Client()).login("ivan", PASSWORD)
    ivan = oidc_user("ivan")
    assert user_roles(ivan) == {Role.VIEWER} and not ivan.is_staff
    assert get_user_model().objects.filter(username__startswith="ivan").count() == 1


def test_user_without_an_app_role_is_refused_and_no_account_is_created(oidc_on, client):
    users_before = get_user_model().objects.count()

    page = Browser(client).login("nobody", PASSWORD)

    assert page.status == 403
    assert all(role.value in page.text for role in Role), "the page names the roles required"
    assert get_user_model().objects.count() == users_before
    assert not OidcIdentity.objects.exists()
    assert client.get("/api/me").status_code == 401
    refusal = ActionLog.objects.get(action=ActionLog.LOGIN_REFUSED)
    assert refusal.username == "nobody" and refusal.user is None


def test_the_refusal_page_lets_another_account_sign_in(oidc_on, client):
    browser = Browser(client)
    refused = browser.login("nobody", PASSWORD)
    (switch,) = re.findall(r'href="([^"]*/protocol/openid-connect/logout\?[^"]*)"', refused.text)

    confirm = browser.go(html.unescape(switch))
    back = browser.submit(confirm, logout="yes")
    assert back.url == "http://testserver/accounts/login/"

    page = browser.login("vera", PASSWORD)
    assert page.status == 200 and client.get("/api/me").json()["username"] == "vera"


def test_a_user_whose_last_role_is_taken_away_is_refused_and_loses_it(oidc_on, client, users_edit):
    Browser(client).login("olga", PASSWORD)
    users_edit("olga", realm_roles=["offline_access"])

    page = Browser(Client()).login("olga", PASSWORD)

    assert page.status == 403
    olga = oidc_user("olga")
    assert user_roles(olga) == set() and not olga.is_staff
    assert client.get("/api/me").json()["capabilities"] == [], "her old session no longer grants anything"


def test_a_local_account_with_the_same_name_is_never_taken_over(oidc_on, client, make_user):
    local = make_user("vera", Role.ADMIN)

    Browser(client).login("vera", PASSWORD)

    keycloak_vera = oidc_user("vera")
    assert keycloak_vera.pk != local.pk
    assert keycloak_vera.username == f"vera-{USERS['vera']['sub'][:8]}"
    assert user_roles(keycloak_vera) == {Role.VIEWER}


def test_logout_ends_the_provider_session_too(oidc_on, client):
    browser = Browser(client)
    browser.login("vera", PASSWORD)
    assert not browser.go("/oidc/authenticate/").on_provider, (
        "while signed in at the provider, SSO skips the form"
    )

    response = client.post("/accounts/logout/")

    end_session = response["Location"]
    assert end_session.startswith(f"{oidc_on.issuer()}/protocol/openid-connect/logout?")
    query = parse_qs(urlsplit(end_session).query)
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/api/me").status_code == 401
    confirm = browser.go(end_session)
    assert confirm.on_provider
    back = browser.submit(confirm, logout="yes")
    assert back.url == "http://testserver/accounts/login/" and back.status == 200
    again = browser.go("/oidc/authenticate/")
    assert again.on_provider and 'type="password"' in again.text, "the provider asks for the password again"
    assert ActionLog.objects.filter(action=ActionLog.LOGOUT).count() == 1


def test_session_refresh_goes_through_the_provider_but_not_for_the_api(oidc_on, client):
    browser = Browser(client)
    browser.login("vera", PASSWORD)
    session = client.session
    session["oidc_id_token_expiration"] = 0
    session.save()

    assert client.get("/api/me").status_code == 200, "/api/ is exempt from the refresh redirect"
    response = client.get("/")
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert response["Location"].startswith(oidc_on.issuer()) and query["prompt"] == ["none"]
    page = browser.go(response["Location"])
    assert page.url == "http://testserver/" and page.status == 200
    assert client.session["oidc_id_token_expiration"] > 0


def test_the_id_token_is_no_bearer_token(oidc_on, client):
    Browser(client).login("vera", PASSWORD)
    id_token = client.session["oidc_id_token"]

    response = Client().get("/api/me", HTTP_AUTHORIZATION=f"Bearer {id_token}")

    assert response.status_code == 401
    assert response.json()["error"]["message"].endswith("this is an ID token, not an access token.")


def test_a_replayed_or_foreign_callback_signs_nobody_in(oidc_on, client):
    failures_before = keycloak_failures()
    browser = Browser(client)
    callback = browser.submit(
        browser.go("/oidc/authenticate/"), username="vera", password=PASSWORD, stop_at_app=True
    )
    assert callback.url.startswith("http://testserver/oidc/callback/?code=")

    stranger = Client()
    foreign = stranger.get(callback.url.removeprefix("http://testserver"))
    assert foreign.status_code == 302 and foreign["Location"] == "/accounts/login/"
    assert stranger.get("/api/me").status_code == 401

    assert browser.go(callback.url).status == 200
    replay = client.get(callback.url.removeprefix("http://testserver"))
    assert replay.status_code == 302 and replay["Location"] == "/accounts/login/"
    assert ActionLog.objects.filter(action=ActionLog.LOGIN).count() == 1
    assert ActionLog.objects.filter(action=ActionLog.LOGIN_FAILED).count() == 2
    assert keycloak_failures() == failures_before + 2


def test_keycloak_sign_in_works_from_an_address_locked_for_passwords(oidc_on, client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    for _ in range(2):
        Client().post("/accounts/login/", {"username": "vera", "password": "guess"})
    locked = Client().post("/accounts/login/", {"username": "someone", "password": "guess"})
    assert locked.status_code == 429  # the test client's address is locked for password sign-ins

    page = Browser(client).login("vera", PASSWORD)
    assert not page.on_provider and page.status == 200, page.text[:500]
    assert client.get("/api/me").json()["username"] == "vera"
