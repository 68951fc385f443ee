"""The `.env` contract: DOMAIN derives the public address, hosts and origins; POSTGRES_*; OAUTH_* aliases."""

import os
import socket
import subprocess
import sys
import threading
import time

import environ
import psycopg
import pytest
from django.core.exceptions import ImproperlyConfigured

from pichosting import environment


@pytest.fixture
def env(monkeypatch):
    for name in (
        "DOMAIN",
        "PUBLIC_BASE_URL",
        "PUBLIC_SCHEME",
        "ALLOWED_HOSTS",
        "INTERNAL_HOSTS",
        "CSRF_TRUSTED_ORIGINS",
        "DATABASE_URL",
        "BEHIND_PROXY",
        *environment.POSTGRES_VARIABLES,
        "POSTGRES_PORT",
        "DATABASE_CONNECT_TIMEOUT",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_domain_derives_address_hosts_and_origins(env):
    env.setenv("DOMAIN", "photos.example.com")
    env.setenv("INTERNAL_HOSTS", "127.0.0.1,web")
    url = environment.public_base_url(environ.Env())
    assert url == "https://photos.example.com"
    assert environment.allowed_hosts(environ.Env(), url) == ["photos.example.com", "127.0.0.1", "web"]
    assert environment.csrf_trusted_origins(environ.Env(), url) == ["https://photos.example.com"]


def test_explicit_values_win_over_the_domain(env):
    env.setenv("DOMAIN", "photos.example.com")
    env.setenv("PUBLIC_BASE_URL", "http://cdn.example.com:8080/")
    env.setenv("ALLOWED_HOSTS", "only.example.com")
    url = environment.public_base_url(environ.Env())
    assert url == "http://cdn.example.com:8080"
    assert environment.allowed_hosts(environ.Env(), url) == ["only.example.com"]
    assert environment.csrf_trusted_origins(environ.Env(), url) == ["http://cdn.example.com:8080"]


def test_embedded_run_keeps_loopback_defaults(env):
    url = environment.public_base_url(environ.Env())
    assert url == ""
    assert environment.allowed_hosts(environ.Env(), url) == ["127.0.0.1", "localhost"]
    assert environment.csrf_trusted_origins(environ.Env(), url) == []


def test_behind_a_proxy_without_domain_is_refused_naming_it(env):
    env.setenv("BEHIND_PROXY", "true")
    with pytest.raises(ImproperlyConfigured, match="DOMAIN is not set"):
        environment.public_base_url(environ.Env())


def test_postgres_variables_configure_the_database(env):
    for name, value in {
        "POSTGRES_DB": "pichosting",
        "POSTGRES_USER": "app",
        "POSTGRES_PASSWORD": "p@ss:word/",
        "POSTGRES_HOST": "postgres",
    }.items():
        env.setenv(name, value)
    config = environment.database_config(environ.Env(), "/tmp/unused.sqlite3")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["NAME"], config["USER"], config["PASSWORD"]) == ("pichosting", "app", "p@ss:word/")
    assert (config["HOST"], config["PORT"]) == ("postgres", 5432)


def test_a_missing_postgres_variable_is_named(env):
    env.setenv("POSTGRES_DB", "pichosting")
    env.setenv("POSTGRES_USER", "app")
    env.setenv("POSTGRES_HOST", "postgres")
    with pytest.raises(ImproperlyConfigured, match=r"^POSTGRES_PASSWORD not set"):
        environment.database_config(environ.Env(), "/tmp/unused.sqlite3")


def test_database_url_wins_and_sqlite_is_the_default(env):
    env.setenv("POSTGRES_HOST", "ignored")
    env.setenv("DATABASE_URL", "postgres://u:p@db:5433/name")
    assert environment.database_config(environ.Env(), "/x.sqlite3")["NAME"] == "name"
    env.delenv("DATABASE_URL")
    env.delenv("POSTGRES_HOST")
    env.setenv("POSTGRES_DB", "pichosting")  # as in env.example: without a host, the embedded SQLite stays
    assert environment.database_config(environ.Env(), "/x.sqlite3")["NAME"] == "/x.sqlite3"


def test_postgresql_connections_give_up_on_a_silent_server(env):
    """A network partition: the server's port takes the connection but never answers. The attempt fails
    after DATABASE_CONNECT_TIMEOUT instead of hanging (libpq's own default is to wait for ever)."""
    env.setenv("DATABASE_CONNECT_TIMEOUT", "2")  # libpq's smallest timeout
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; nobody ever reads or writes
    env.setenv("DATABASE_URL", f"postgres://u:p@127.0.0.1:{silent.getsockname()[1]}/name")
    config = environment.database_config(environ.Env(), "/x.sqlite3")
    assert config["OPTIONS"]["connect_timeout"] == 2
    outcome: list[BaseException | None] = []

    def connect() -> None:
        try:
            psycopg.connect(
                dbname=config["NAME"],
                user=config["USER"],
                password=config["PASSWORD"],
                host=config["HOST"],
                port=config["PORT"],
                **config["OPTIONS"],
            ).close()
            outcome.append(None)
        except psycopg.OperationalError as exc:
            outcome.append(exc)

    started = time.monotonic()
    attempt = threading.Thread(target=connect, daemon=True)
    attempt.start()
    attempt.join(timeout=15)
    silent.close()
    assert outcome and isinstance(outcome[0], psycopg.OperationalError), "the connection attempt hung"
    assert time.monotonic() - started < 10


def test_a_connect_timeout_in_the_database_url_wins(env):
    env.setenv("DATABASE_URL", "postgres://u:p@db:5432/name?connect_timeout=17")
    assert environment.database_config(environ.Env(), "/x.sqlite3")["OPTIONS"]["connect_timeout"] == 17
    env.setenv("DATABASE_URL", "sqlite:////x.sqlite3")
    sqlite = environment.database_config(environ.Env(), "/x.sqlite3")
    assert "connect_timeout" not in sqlite.get("OPTIONS", {})


def test_oauth_names_are_aliases_of_oidc_names():
    code = "from django.conf import settings; print(settings.OIDC_ISSUER, settings.OIDC_CLIENT_ID)"
    environment_vars = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pichosting.settings",
        "OAUTH_ISSUER": "https://sso.example.com/realms/x/",
        "OAUTH_CLIENT_ID": "from-alias",
        "OIDC_CLIENT_ID": "",
        "OIDC_ISSUER": "",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        capture_output=True,
        text=True,
        env=environment_vars,
        timeout=60,
    )
    assert result.stdout.split() == ["https://sso.example.com/realms/x", "from-alias"], result.stderr


def test_empty_variables_count_as_unset(env):
    env.setenv("DOMAIN", "photos.example.com")
    for name in ("PUBLIC_BASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
        env.setenv(name, "")
    url = environment.public_base_url(environ.Env())
    assert url == "https://photos.example.com"
    assert environment.allowed_hosts(environ.Env(), url)[0] == "photos.example.com"
    assert environment.csrf_trusted_origins(environ.Env(), url) == ["https://photos.example.com"]
