"""The discovery document and the key set live in Django's cache, so a refresh by one node is seen by all.

Node A is this process; node B is a fresh interpreter with the same `CACHE_URL` (Redis) whose provider is
unreachable, so whatever key it knows came from the cache node A filled.
"""

import os
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from accounts import oidc
from tests.programs import require_service

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/11"  # a database of its own, away from the developer's data


def public_jwk(kid: str) -> dict:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = jwt.algorithms.RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
    return {**data, "kid": kid, "alg": "RS256", "use": "sig"}


class FakeProvider:
    """Answers discovery and the key set like a provider; counts what it served."""

    def __init__(self, issuer: str):
        self.issuer, self.keys, self.fetches = issuer, [public_jwk("k1")], []

    def get(self, url: str):
        self.fetches.append(url)
        if url == f"{self.issuer}/.well-known/openid-configuration":
            body = {"issuer": self.issuer, "jwks_uri": f"{self.issuer}/certs"}
        else:
            body = {"keys": self.keys}
        return type("Answer", (), {"json": lambda _self: body})()


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def provider(settings, monkeypatch):
    """Node A on the shared Redis, with a provider of its own at an issuer no other run shares."""
    require_service("127.0.0.1", 6379, name="Redis")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    settings.OIDC_ISSUER = f"http://127.0.0.1:{closed_port()}/realms/{uuid.uuid4().hex}"
    settings.OIDC_CLIENT_ID = "pichosting"
    fake = FakeProvider(settings.OIDC_ISSUER)
    monkeypatch.setattr(oidc, "provider_get", fake.get)
    yield fake
    oidc.caches_clear()


def node_b(settings, *kids: str) -> list[str]:
    """Ask another process on the same cache for `kids`: each answer is the key id or the refusal's class."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CACHE_", "OIDC_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="pichosting.settings",
        SECRET_KEY="x" * 50,
        CACHE_URL=REDIS_URL,
        OIDC_ISSUER=settings.OIDC_ISSUER,
        OIDC_CLIENT_ID=settings.OIDC_CLIENT_ID,
    )
    code = (
        "import django, sys; django.setup(); from accounts import oidc\n"
        "for kid in sys.argv[1:]:\n"
        "    try: print(oidc.signing_key(kid).key_id)\n"
        "    except Exception as exc: print(type(exc).__name__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *kids], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_a_key_set_refreshed_by_one_node_is_used_by_another(provider, settings):
    assert oidc.signing_key("k1").key_id == "k1"
    provider.keys = [public_jwk("k2")]  # the provider rotated its signing key
    assert node_b(settings, "k1") == ["k1"]  # node B sees node A's key set without reaching the provider

    oidc.cache.set(  # node A's last fetch was long enough ago for an unknown id to refresh
        oidc._cache_key("jwks", settings.OIDC_ISSUER),
        {**oidc.cache.get(oidc._cache_key("jwks", settings.OIDC_ISSUER)), "fetched_at": 0.0},
    )
    assert oidc.signing_key("k2").key_id == "k2"

    assert node_b(settings, "k2", "k1") == ["k2", "TokenInvalid"]  # the refresh, and the retired key is gone
    assert len(provider.fetches) == 3  # discovery once and the key set twice, for both nodes


def test_unknown_key_ids_refresh_at_most_once_per_interval_across_nodes(provider, settings):
    oidc.signing_key("k1")

    assert node_b(settings, "made-up", "other") == ["TokenInvalid", "TokenInvalid"]
    assert len(provider.fetches) == 2  # node B did not fetch (it could not have): the interval holds for it


def test_clearing_the_caches_makes_every_node_fetch_again(provider, settings):
    oidc.signing_key("k1")
    oidc.caches_clear()

    assert node_b(settings, "k1") == ["ProviderUnavailable"]  # nothing cached left for node B
    assert oidc.signing_key("k1").key_id == "k1"
    assert len(provider.fetches) == 4
