"""The OpenID provider (Keycloak) as PicHosting sees it: discovery, signing keys, token checks, roles.

Everything is read from settings at use time and fetched lazily, so the app starts while the provider is down;
a provider that cannot be reached raises `ProviderUnavailable`, which pages and the API turn into a clear
answer. Discovery documents and key sets are cached per process; an unknown key id refreshes the key set
(at most once per `JWKS_REFRESH_MIN_INTERVAL` seconds, so random key ids cannot make us hammer the provider).
"""

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from django.conf import settings

from accounts.roles import Role

logger = logging.getLogger(__name__)

SIGNING_ALGORITHMS = ["RS256"]
DISCOVERY_CACHE_SECONDS = 3600.0
JWKS_CACHE_SECONDS = 3600.0
JWKS_REFRESH_MIN_INTERVAL = 10.0
APP_ROLE_NAMES = frozenset(role.value for role in Role)


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


@dataclass
class _Cached:
    value: Any = None
    fetched_at: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


_discovery: dict[str, _Cached] = {}
_jwks: dict[str, _Cached] = {}
_registry_lock = threading.Lock()


def _slot(registry: dict[str, _Cached], key: str) -> _Cached:
    with _registry_lock:
        return registry.setdefault(key, _Cached())


def caches_clear() -> None:
    """Forget every cached discovery document and key set (tests; a changed provider)."""
    with _registry_lock:
        _discovery.clear()
        _jwks.clear()


def provider_metadata() -> dict:
    """The provider's discovery document for `OIDC_ISSUER`, fetched once and cached."""
    issuer = settings.OIDC_ISSUER
    slot = _slot(_discovery, issuer)
    with slot.lock:
        if slot.value is None or time.monotonic() - slot.fetched_at > DISCOVERY_CACHE_SECONDS:
            try:
                metadata = provider_get(f"{issuer}/.well-known/openid-configuration").json()
            except ValueError as exc:
                raise ProviderUnavailable(f"{issuer}: the discovery document is not JSON") from exc
            if metadata.get("issuer") != issuer:
                raise ProviderUnavailable(
                    f"the discovery document names issuer {metadata.get('issuer')!r}, expected {issuer!r}"
                )
            slot.value, slot.fetched_at = metadata, time.monotonic()
        return slot.value


def provider_endpoint(name: str) -> str:
    """One endpoint URL from discovery, e.g. `token_endpoint`."""
    url = provider_metadata().get(name)
    if not url:
        raise ProviderUnavailable(f"the provider's discovery document has no {name}")
    return url


def _jwks_fetch(uri: str) -> dict[str, jwt.PyJWK]:
    keys = {}
    for data in provider_get(uri).json().get("keys", []):
        if data.get("use", "sig") != "sig" or data.get("alg", "RS256") not in SIGNING_ALGORITHMS:
            continue
        try:
            keys[data.get("kid", "")] = jwt.PyJWK(data, algorithm=data.get("alg", "RS256"))
        except jwt.PyJWTError as exc:
            logger.warning("ignoring an unusable key %s from %s: %s", data.get("kid"), uri, exc)
    return keys


def signing_key(kid: str) -> jwt.PyJWK:
    """The provider's public key with id `kid`; refreshes the cached key set when the id is unknown."""
    uri = provider_endpoint("jwks_uri")
    slot = _slot(_jwks, uri)
    with slot.lock:
        age = time.monotonic() - slot.fetched_at
        stale = slot.value is None or age > JWKS_CACHE_SECONDS
        unknown = slot.value is not None and kid not in slot.value and age > JWKS_REFRESH_MIN_INTERVAL
        if stale or unknown:
            slot.value, slot.fetched_at = _jwks_fetch(uri), time.monotonic()
        key = slot.value.get(kid)
    if key is None:
        raise TokenInvalid("the token is signed with a key the provider does not publish")
    return key


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
