"""The `.env` contract of a deployment: values derived from `DOMAIN` and `POSTGRES_*`.

An empty variable counts as unset (env.example lists them empty), so derived values still apply.

Pure functions of an `environ.Env`, so settings stay wiring and tests can call them with any environment.
"""

from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

LOOPBACK_HOSTS = ["127.0.0.1", "localhost"]
POSTGRES_VARIABLES = ("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_HOST")


def flag(env: environ.Env, name: str, *, default: bool) -> bool:
    """A true/false variable; empty or unset gives `default` (env.example lists derived flags empty)."""
    return env.bool(name) if env.str(name, default="") else default


def public_base_url(env: environ.Env) -> str:
    """PUBLIC_BASE_URL when set, else `<PUBLIC_SCHEME>://<DOMAIN>`, else "" (links from the request)."""
    domain = env.str("DOMAIN", default="")
    if not domain and not env.str("PUBLIC_BASE_URL", default="") and env.bool("BEHIND_PROXY", default=False):
        raise ImproperlyConfigured(
            "DOMAIN is not set: behind a proxy (BEHIND_PROXY=true) PicHosting needs its public host name, "
            "e.g. DOMAIN=photos.example.com (or a full PUBLIC_BASE_URL)."
        )
    default = f"{env.str('PUBLIC_SCHEME', default='https')}://{domain}" if domain else ""
    return (env.str("PUBLIC_BASE_URL", default="") or default).rstrip("/")


def allowed_hosts(env: environ.Env, base_url: str) -> list[str]:
    """ALLOWED_HOSTS when set, else the public host plus INTERNAL_HOSTS (health checks, metrics scrapes)."""
    if env.str("DOMAIN", default="") or env.str("PUBLIC_BASE_URL", default=""):
        internal = env.list("INTERNAL_HOSTS", default=LOOPBACK_HOSTS)
        default = list(dict.fromkeys([urlsplit(base_url).hostname, *internal]))
    else:
        default = LOOPBACK_HOSTS
    return env.list("ALLOWED_HOSTS", default=[]) or default


def csrf_trusted_origins(env: environ.Env, base_url: str) -> list[str]:
    """CSRF_TRUSTED_ORIGINS when set, else the public origin when a DOMAIN or PUBLIC_BASE_URL is given."""
    derived = env.str("DOMAIN", default="") or env.str("PUBLIC_BASE_URL", default="")
    parts = urlsplit(base_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    return env.list("CSRF_TRUSTED_ORIGINS", default=[]) or ([origin] if derived else [])


def database_config(env: environ.Env, sqlite_path: str) -> dict:
    """DATABASE_URL when set; else PostgreSQL from POSTGRES_* when POSTGRES_HOST is set (each one required);
    else SQLite. PostgreSQL gets `connect_timeout` (DATABASE_CONNECT_TIMEOUT) unless the URL sets one."""
    config = _database_config(env, sqlite_path)
    if config["ENGINE"] == "django.db.backends.postgresql":
        # libpq waits for ever by default: an unreachable server (a network partition) would hang every
        # request and the worker instead of failing fast into the 503 page and the worker's backoff.
        config.setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
        )
    return config


def _database_config(env: environ.Env, sqlite_path: str) -> dict:
    url = env.str("DATABASE_URL", default="")
    if url:
        return env.db_url_config(url)
    if not env.str("POSTGRES_HOST", default=""):
        return env.db_url_config(f"sqlite:///{sqlite_path}")
    missing = [name for name in POSTGRES_VARIABLES if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            f"{', '.join(missing)} not set: with DATABASE_URL unset, PostgreSQL is configured from "
            f"{', '.join(POSTGRES_VARIABLES)} (and POSTGRES_PORT, default 5432); "
            "set them or set DATABASE_URL."
        )
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": env.str("POSTGRES_DB"),
        "USER": env.str("POSTGRES_USER"),
        "PASSWORD": env.str("POSTGRES_PASSWORD"),
        "HOST": env.str("POSTGRES_HOST"),
        "PORT": env.int("POSTGRES_PORT", default=5432),
    }
