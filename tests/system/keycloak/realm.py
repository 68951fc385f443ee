"""Read deploy/keycloak/realm-pichosting.json into the test provider's clients and users.

Keycloak replaces `${VARIABLE}` with the environment at import; so does this. Role mappers become the
provider's `roles_in`, audience mappers its `audience`.
"""

import json
import re
import uuid
from pathlib import Path

REALM_EXPORT = Path(__file__).resolve().parents[3] / "deploy" / "keycloak" / "realm-pichosting.json"
ROLE_MAPPERS = {"oidc-usermodel-realm-role-mapper", "oidc-usermodel-client-role-mapper"}
CLAIM_PLACES = {
    "access_token": "access.token.claim",
    "id_token": "id.token.claim",
    "userinfo": "userinfo.token.claim",
}


def realm_load(env: dict[str, str]) -> dict:
    text = re.sub(r"\$\{(\w+)\}", lambda match: env[match.group(1)], REALM_EXPORT.read_text())
    return json.loads(text)


def _client(client: dict) -> dict:
    mappers = client.get("protocolMappers", [])
    roles_in = {
        place: any(m["protocolMapper"] in ROLE_MAPPERS and m["config"].get(key) == "true" for m in mappers)
        for place, key in CLAIM_PLACES.items()
    }
    roles_in["access_token"] = True  # Keycloak's default "roles" scope puts them there anyway
    audience = [
        m["config"]["included.client.audience"]
        for m in mappers
        if m["protocolMapper"] == "oidc-audience-mapper" and m["config"].get("access.token.claim") == "true"
    ]
    attributes = client.get("attributes", {})
    return {
        "client_id": client["clientId"],
        "client_secret": client["secret"],
        "redirect_uris": client["redirectUris"] if client.get("standardFlowEnabled") else [],
        "post_logout_redirect_uris": attributes.get("post.logout.redirect.uris", "").split("##"),
        "roles_in": roles_in,
        "audience": ["account", *audience],
    }


def _user(user: dict) -> dict:
    password = next((c["value"] for c in user.get("credentials", []) if c["type"] == "password"), None)
    return {
        "sub": str(uuid.uuid5(uuid.NAMESPACE_URL, user["username"])),
        "password": password,
        "email": user.get("email"),
        "given_name": user.get("firstName"),
        "family_name": user.get("lastName"),
        "realm_roles": user.get("realmRoles", []),
        "client_roles": user.get("clientRoles", {}),
    }


def mimic_config(realm: dict) -> tuple[list[dict], dict]:
    """(clients, users) for `keycloak_mimic_start`."""
    return [_client(c) for c in realm["clients"]], {u["username"]: _user(u) for u in realm["users"]}
