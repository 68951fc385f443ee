"""Cached sessions and role lookups keep revocation bounded: at once across processes with a shared cache
(Redis), within `ROLE_CACHE_SECONDS` with the per-process default.

Process A is this test; process B is a fresh interpreter on the same test database and Redis, driven line by
line over stdin, as a second gunicorn worker would be.
"""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.cache.backends import base as cache_base
from django.core.cache.backends import locmem
from django.core.checks import run_checks
from django.db import connection

from accounts.roles import Role
from tests.programs import require_service

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/5"  # this suite's own Redis database
URL = "/api/albums"  # needs the view capability

NODE_B = """
import sys
import django
django.setup()
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.test import Client
client = Client()
client.cookies[settings.SESSION_COOKIE_NAME] = sys.argv[1]
print(settings.SESSION_ENGINE, flush=True)
for line in sys.stdin:
    command, *arguments = line.split()
    if command == "get":
        print(client.get("/api/albums").status_code, flush=True)
    elif command == "unrole":
        User.objects.get(pk=int(arguments[0])).groups.remove(Group.objects.get(name=arguments[1]))
        print("done", flush=True)
"""


class NodeB:
    """Another process with `CACHE_URL` on the shared Redis, holding the session cookie `session_key`."""

    def __init__(self, session_key: str) -> None:
        db = connection.settings_dict
        env = {k: v for k, v in os.environ.items() if not k.startswith(("CACHE_", "DATABASE_"))}
        env.update(
            DJANGO_SETTINGS_MODULE="pichosting.settings",
            SECRET_KEY=settings.SECRET_KEY,
            ALLOWED_HOSTS="testserver",
            CACHE_URL=REDIS_URL,
            DATABASE_URL=f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-c", NODE_B, session_key],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.session_engine = self.process.stdout.readline().strip()

    def ask(self, line: str) -> str:
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self.process.stdout.readline().strip()

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def shared_cache(settings):
    """Process A on the shared Redis, with cached_db sessions, as settings choose for a shared CACHE_URL."""
    if connection.vendor != "postgresql":
        pytest.skip("process B needs a database server it can reach (PostgreSQL)")
    require_service("127.0.0.1", 6379, name="Redis")
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    for role in Role:  # a transactional test before this one flushed the migrations' groups
        Group.objects.get_or_create(name=role.value)
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def node_b(client):
    nodes = []

    def start() -> NodeB:
        nodes.append(NodeB(client.cookies[settings.SESSION_COOKIE_NAME].value))
        assert nodes[-1].session_engine == "django.contrib.sessions.backends.cached_db"
        return nodes[-1]

    yield start
    for node in nodes:
        node.close()


@pytest.mark.django_db(transaction=True)
def test_a_role_removed_by_another_process_is_refused_at_once_with_a_shared_cache(
    shared_cache, client, make_user, node_b
):
    viewer = make_user("viewer", Role.VIEWER)
    client.force_login(viewer)
    assert client.get(URL).status_code == 200  # the roles are in Redis now
    assert cache.get(f"accounts:roles:{viewer.pk}") == [Role.VIEWER.value]
    assert node_b().ask(f"unrole {viewer.pk} {Role.VIEWER.value}") == "done"
    assert client.get(URL).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_a_session_signed_out_is_refused_by_the_other_process_with_a_shared_cache(
    shared_cache, client, make_user, node_b
):
    client.force_login(make_user("viewer", Role.VIEWER))
    other = node_b()
    assert other.ask("get") == "200"  # B has read the session (and roles) through the shared cache
    client.logout()
    assert other.ask("get") == "401"


def _remove_from_group_side(user, group) -> None:
    group.user_set.remove(user)


def _clear_group(user, group) -> None:
    group.user_set.clear()


def _rename_group(user, group) -> None:
    group.name = "former-viewers"
    group.save()


def _deactivate(user, group) -> None:
    user.is_active = False
    user.save()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "revoke",
    [
        lambda user, group: user.groups.remove(group),
        lambda user, group: user.groups.clear(),
        lambda user, group: user.groups.set([]),
        _remove_from_group_side,
        _clear_group,
        _rename_group,
        lambda user, group: group.delete(),
        _deactivate,
    ],
    ids=[
        "remove",
        "clear",
        "set",
        "group-remove",
        "group-clear",
        "group-rename",
        "group-delete",
        "deactivate",
    ],
)
def test_a_role_change_in_this_process_is_refused_at_once(client, make_user, revoke):
    viewer = make_user("viewer", Role.VIEWER)
    client.force_login(viewer)
    assert client.get(URL).status_code == 200
    revoke(get_user_model().objects.get(pk=viewer.pk), Group.objects.get(name=Role.VIEWER.value))
    assert client.get(URL).status_code in {401, 403}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.mark.django_db
def test_with_a_per_process_cache_a_role_removed_elsewhere_is_refused_within_the_bound(
    client, make_user, monkeypatch
):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"  # not cached per process
    assert 0 < settings.ROLE_CACHE_SECONDS <= 60
    clock = Clock(time.time())
    monkeypatch.setattr(locmem, "time", clock)  # where expiry is checked
    monkeypatch.setattr(cache_base, "time", clock)  # where it is set
    viewer = make_user("viewer", Role.VIEWER)
    client.force_login(viewer)
    assert client.get(URL).status_code == 200
    # Another process removes the role: its signals reach its own cache, not this one's.
    get_user_model().groups.through.objects.filter(user_id=viewer.pk).delete()
    clock.now += settings.ROLE_CACHE_SECONDS - 1
    assert client.get(URL).status_code == 200  # still within the bound
    clock.now += 2
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(("seconds", "refused"), [(0, False), (60, False), (61, True), (-1, True)])
def test_a_role_cache_beyond_the_bound_is_refused_at_start(settings, seconds, refused):
    settings.ROLE_CACHE_SECONDS = seconds
    ids = {message.id for message in run_checks() if message.id.startswith("accounts.")}
    assert ("accounts.E003" in ids) == refused
