"""The OpenID provider (Keycloak) as PicHosting sees it: discovery, signing keys, token checks, roles.

Everything is read from settings at use time and fetched lazily, so the app starts while the provider is down;
a provider that cannot be reached raises `ProviderUnavailable`, which pages and the API turn into a clear
answer. Discovery documents and key sets are kept in Django's cache (`CACHE_URL`), so with a shared cache
every node sees one copy and one refresh; an unknown key id refreshes the key set (at most once per
`JWKS_REFRESH_MIN_INTERVAL` seconds, so random key ids cannot make us hammer the provider).
"""

import functools
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from accounts.roles import Role

logger = logging.getLogger(__name__)

SIGNING_ALGORITHMS = ["RS256"]
DISCOVERY_CACHE_SECONDS = 3600.0
JWKS_CACHE_SECONDS = 3600.0
JWKS_REFRESH_MIN_INTERVAL = 10.0
APP_ROLE_NAMES = frozenset(role.value for role in Role)

_fetch_lock = threading.Lock()  # one fetch at a time per process; the others then read what it cached


class ProviderUnavailable(Exception):
    """The OpenID provider could not be reached or answered nonsense."""


class TokenInvalid(Exception):
    """A token failed verification; the message says why, in words fit for a 401 answer."""


def oidc_enabled() -> bool:
    """True when an issuer and a client id are configured."""
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def provider_get(url: str) -> requests.Response:
    """GET a provider URL with the configured timeout; network failures become `ProviderUnavailable`."""
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as exc:
        raise ProviderUnavailable(f"{url}: {exc}") from exc
    return response


def _cache_key(kind: str, issuer: str) -> str:
    return f"oidc:{kind}:{hashlib.sha256(issuer.encode()).hexdigest()[:32]}"


def caches_clear() -> None:
    """Forget the cached discovery document and key set of `OIDC_ISSUER`, for every node (tests)."""
    issuer = settings.OIDC_ISSUER
    cache.delete_many([_cache_key("discovery", issuer), _cache_key("jwks", issuer)])


def provider_metadata() -> dict:
    """The provider's discovery document for `OIDC_ISSUER`, fetched once and kept in the shared cache."""
    issuer = settings.OIDC_ISSUER
    key = _cache_key("discovery", issuer)
    metadata = cache.get(key)
    if metadata is not None:
        return metadata
    with _fetch_lock:
        metadata = cache.get(key)
        if metadata is None:
            try:
                metadata = provider_get(f"{issuer}/.well-known/openid-configuration").json()
            except ValueError as exc:
                raise ProviderUnavailable(f"{issuer}: the discovery document is not JSON") from exc
            if not isinstance(metadata, dict) or metadata.get("issuer") != issuer:
                named = metadata.get("issuer") if isinstance(metadata, dict) else None
                raise ProviderUnavailable(
                    f"the discovery document names issuer {named!r}, expected {issuer!r}"
                )
            cache.set(key, metadata, DISCOVERY_CACHE_SECONDS)
    return metadata


def provider_endpoint(name: str) -> str:
    """One endpoint URL from discovery, e.g. `token_endpoint`."""
    url = provider_metadata().get(name)
    if not url:
        raise ProviderUnavailable(f"the provider's discovery document has no {name}")
    return url


def _jwks_fetch(uri: str) -> list[dict]:
    """The provider's published signing keys (JWK dicts), without the ones we could not use."""
    try:
        published = provider_get(uri).json().get("keys", [])
    except (ValueError, AttributeError) as exc:
        raise ProviderUnavailable(f"{uri}: the key set is not a JSON object") from exc
    keys = []
    for data in published if isinstance(published, list) else []:
        if not isinstance(data, dict):
            continue
        if data.get("use", "sig") != "sig" or data.get("alg", "RS256") not in SIGNING_ALGORITHMS:
            continue
        try:
            _key_parse(json.dumps(data, sort_keys=True))
        except jwt.PyJWTError as exc:
            logger.warning("ignoring an unusable key %s from %s: %s", data.get("kid"), uri, exc)
            continue
        keys.append(data)
    return keys


@functools.lru_cache(maxsize=64)
def _key_parse(jwk_json: str) -> jwt.PyJWK:
    data = json.loads(jwk_json)
    return jwt.PyJWK(data, algorithm=data.get("alg", "RS256"))


def _jwk_of(entry: Any, kid: str) -> dict | None:
    return next((data for data in entry["keys"] if data.get("kid", "") == kid), None)


def _key_set_due(entry: Any, uri: str, kid: str) -> bool:
    """Whether the cached key set must be fetched again: missing, old, of another URI, or lacking `kid`."""
    if not isinstance(entry, dict) or entry.get("uri") != uri:
        return True
    age = time.time() - entry["fetched_at"]
    return age > JWKS_CACHE_SECONDS or (_jwk_of(entry, kid) is None and age > JWKS_REFRESH_MIN_INTERVAL)


def signing_key(kid: str) -> jwt.PyJWK:
    """The provider's public key with id `kid`; refreshes the shared key set when the id is unknown.

    A refresh by any node is seen by every node; an unknown id refreshes at most once per
    `JWKS_REFRESH_MIN_INTERVAL` seconds (the time of the last fetch is in the cached entry).
    """
    uri = provider_endpoint("jwks_uri")
    key = _cache_key("jwks", settings.OIDC_ISSUER)
    entry = cache.get(key)
    if _key_set_due(entry, uri, kid):
        with _fetch_lock:
            entry = cache.get(key)  # another thread or node may have refreshed it meanwhile
            if _key_set_due(entry, uri, kid):
                entry = {"uri": uri, "fetched_at": time.time(), "keys": _jwks_fetch(uri)}
                cache.set(key, entry, JWKS_CACHE_SECONDS)
    data = _jwk_of(entry, kid)
    if data is None:
        raise TokenInvalid("the token is signed with a key the provider does not publish")
    return _key_parse(json.dumps(data, sort_keys=True))


def _audiences(claims: Mapping) -> list[str]:
    aud = claims.get("aud")
    return [aud] if isinstance(aud, str) else list(aud or [])


def token_verify(token: str, *, audience_or_azp: bool) -> dict:
    """Verify an RS256 token from the provider: signature, `iss`, `exp`, and audience.

    With `audience_or_azp` (access tokens) our client id must be in `aud` or be the `azp`; otherwise
    (ID tokens) it must be in `aud`, and be the `azp` when there are several audiences.
    """
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenInvalid("the token is not a well-formed JWT") from exc
    if header.get("alg") not in SIGNING_ALGORITHMS:
        raise TokenInvalid(f"tokens must be signed with {', '.join(SIGNING_ALGORITHMS)}")
    key = signing_key(str(header.get("kid", "")))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=SIGNING_ALGORITHMS,
            issuer=settings.OIDC_ISSUER,
            leeway=settings.OIDC_LEEWAY_SECONDS,
            options={"verify_aud": False, "require": ["exp", "iat", "iss", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenInvalid("the token has expired") from exc
    except jwt.InvalidIssuerError as exc:
        raise TokenInvalid("the token was issued by another issuer") from exc
    except jwt.InvalidSignatureError as exc:
        raise TokenInvalid("the token's signature does not verify") from exc
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"the token is invalid: {exc}") from exc
    client_id = settings.OIDC_CLIENT_ID
    audiences = _audiences(claims)
    if audience_or_azp:
        accepted = client_id in audiences or claims.get("azp") == client_id
    else:
        accepted = client_id in audiences and (len(audiences) == 1 or claims.get("azp") == client_id)
    if not accepted:
        raise TokenInvalid(f"the token was not issued for {client_id!r}")
    return claims


def looks_like_jwt(token: str | None) -> bool:
    """True for a compact JWS (three dot-separated parts); Keycloak's access tokens are, others may not be."""
    return bool(token) and token.count(".") == 2


def roles_from_claims(claim_sets: Iterable[Mapping], *, client_id: str) -> frozenset[Role]:
    """The app roles in Keycloak's `realm_access.roles` and `resource_access.<client_id>.roles`.

    Roles that are not app roles are ignored, and so are claims of the wrong shape.
    """
    names: set[str] = set()
    for claims in claim_sets:
        clients = claims.get("resource_access")
        client = clients.get(client_id) if isinstance(clients, Mapping) else None
        for holder in (claims.get("realm_access"), client):
            roles = holder.get("roles") if isinstance(holder, Mapping) else None
            if isinstance(roles, list):
                names.update(name for name in roles if isinstance(name, str))
    return frozenset(Role(name) for name in names & APP_ROLE_NAMES)


class LoginRefused(Exception):
    """The provider vouched for the user, but the tokens carry no app role."""

    def __init__(self, claims: Mapping):
        super().__init__(f"no app role for {claims.get('preferred_username') or claims.get('sub')}")
        self.claims = claims


class LiveSetting:
    """An attribute read from `read()` each time it is used, unless a value was assigned to the object.

    mozilla-django-oidc copies endpoints and client settings onto its objects in `__init__`, from
    `get_settings`, which answers None for these names: None means "not set here", so the value comes from
    our settings and from discovery when used, and nothing is fetched at start-up. Any other assigned value
    is kept and wins.
    """

    def __init__(self, read: Callable[[], Any]):
        self.read = read

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_assigned_{name}"

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        assigned = obj.__dict__.get(self.slot)
        return self.read() if assigned is None else assigned

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


def discovered(name: str) -> LiveSetting:
    return LiveSetting(lambda: provider_endpoint(name))


def live_setting(name: str) -> LiveSetting:
    return LiveSetting(lambda: getattr(settings, name))


class ProviderSettingsMixin:
    """For mozilla-django-oidc classes: client credentials from our settings, endpoints from discovery."""

    OIDC_OP_AUTH_ENDPOINT = discovered("authorization_endpoint")
    OIDC_OP_AUTHORIZATION_ENDPOINT = discovered("authorization_endpoint")
    OIDC_OP_TOKEN_ENDPOINT = discovered("token_endpoint")
    OIDC_OP_USER_ENDPOINT = discovered("userinfo_endpoint")
    OIDC_RP_CLIENT_ID = live_setting("OIDC_CLIENT_ID")
    OIDC_RP_CLIENT_SECRET = live_setting("OIDC_CLIENT_SECRET")

    @staticmethod
    def get_settings(attr: str, *default):
        if attr.endswith("_ENDPOINT") or attr.startswith("OIDC_RP_CLIENT_"):
            return None  # the class attributes above answer when used
        return getattr(settings, attr, *default)
