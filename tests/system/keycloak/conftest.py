"""A real OpenID provider shaped like Keycloak for the sign-in system tests, and PicHosting pointed at it."""

import copy
import json
import uuid

import pytest

from accounts import oidc
from tests.system.keycloak.provider import keycloak_mimic_start

CLIENT_ID = "pichosting"
CLIENT_SECRET = "pichosting-test-secret"
PASSWORD = "demo-only-password"


def _sub(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"pichosting-test/{name}"))


def _user(name: str, **fields) -> dict:
    return {"sub": _sub(name), "password": PASSWORD, **fields}


USERS = {
    "vera": _user(
        "vera",
        email="vera@example.com",
        given_name="Вера",
        family_name="Смирнова",
        realm_roles=["appviewer", "offline_access", "uma_authorization"],
    ),
    # appuser as a client role of the pichosting client, as Keycloak admins often grant it
    "ivan": _user(
        "ivan",
        email="ivan@example.com",
        given_name="Иван",
        family_name="Петров",
        client_roles={CLIENT_ID: ["appuser"], "account": ["manage-account"]},
    ),
    "olga": _user("olga", email="olga@example.com", given_name="Ольга", realm_roles=["appadmin"]),
    # appadmin of another client is not an app role here
    "nobody": _user(
        "nobody",
        email="nobody@example.com",
        realm_roles=["offline_access"],
        client_roles={"other-app": ["appadmin"]},
    ),
    "service-account-pichosting": _user("sa-pichosting", realm_roles=["appuser"]),
    "service-account-pim": _user("sa-pim", realm_roles=["appviewer"]),
    "service-account-other-app": _user("sa-other-app", realm_roles=["appadmin"]),
    "service-account-short-lived": _user("sa-short-lived", realm_roles=["appviewer"]),
    "service-account-no-role-client": _user("sa-no-role", realm_roles=["offline_access"]),
}

CLIENTS = [
    {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": ["http://testserver/oidc/callback/"],
        "post_logout_redirect_uris": ["http://testserver/accounts/login/"],
    },
    {"client_id": "pim", "client_secret": "pim-secret", "audience": ["account", CLIENT_ID]},
    {"client_id": "other-app", "client_secret": "other-secret"},
    {
        "client_id": "short-lived",
        "client_secret": "short-secret",
        "audience": [CLIENT_ID],
        "access_token_ttl": 1,
    },
    {"client_id": "no-role-client", "client_secret": "no-role-secret", "audience": [CLIENT_ID]},
    # Keycloak clients whose role mappers put the roles only in the ID token, or only in userinfo
    *(
        {
            "client_id": client_id,
            "client_secret": f"{client_id}-secret",
            "redirect_uris": ["http://testserver/oidc/callback/"],
            "roles_in": {"access_token": False, place: True},
        }
        for client_id, place in (("roles-in-id-token", "id_token"), ("roles-in-userinfo", "userinfo"))
    ),
]
REALMS = ["pichosting", "other"]


@pytest.fixture(scope="session")
def keycloak(tmp_path_factory):
    """One provider for the session (realms `pichosting` and `other`, sharing one signing key)."""
    mimic = keycloak_mimic_start(
        tmp_path_factory.mktemp("keycloak"), clients=CLIENTS, users=USERS, realms=REALMS
    )
    yield mimic
    mimic.stop()


@pytest.fixture
def oidc_on(settings, keycloak):
    """PicHosting configured for the provider's `pichosting` realm, with every user back to USERS."""
    keycloak.users_set(copy.deepcopy(USERS))
    settings.OIDC_ISSUER = keycloak.issuer()
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_LEEWAY_SECONDS = 0
    settings.LANGUAGE_CODE = "en"
    oidc.caches_clear()
    yield keycloak
    oidc.caches_clear()


@pytest.fixture
def users_edit(keycloak):
    """Change one provider user's fields (e.g. roles) in place: `users_edit("ivan", realm_roles=[...])`."""

    def edit(name: str, **fields) -> None:
        users = json.loads(keycloak.users_file.read_text())
        users[name] = {**users[name], **fields}
        keycloak.users_set(users)

    return edit
