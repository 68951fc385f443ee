"""Login throttling (django-axes): failed password sign-ins per username and per address are refused past
the limit for a while, logged, and cleared by a successful sign-in; Keycloak sign-ins are never counted."""

import pytest
from django.test import Client

from accounts.backends import not_a_password_attempt
from accounts.models import ActionLog
from accounts.roles import Role

pytestmark = pytest.mark.django_db

PASSWORD = "pw-for-tests-only"  # conftest.make_user's
ADDRESS, OTHER_ADDRESS = "192.0.2.10", "198.51.100.20"


@pytest.fixture(autouse=True)
def limit(settings) -> int:
    settings.AXES_FAILURE_LIMIT = 3
    return settings.AXES_FAILURE_LIMIT


def sign_in(username: str, password: str, *, address: str = ADDRESS):
    """A password sign-in from `address`, by a fresh browser (no cookies carried between attempts)."""
    return Client(REMOTE_ADDR=address).post("/accounts/login/", {"username": username, "password": password})


def fail(username: str, times: int, *, address: str = ADDRESS) -> None:
    for _ in range(times):
        assert sign_in(username, "wrong", address=address).status_code == 200  # the form, with its error


def lock_out(username: str, limit: int, *, address: str = ADDRESS) -> None:
    """Fail `limit` times: the last failure already answers with the lockout page."""
    fail(username, limit - 1, address=address)
    assert sign_in(username, "wrong", address=address).status_code == 429


def test_the_limit_of_failures_locks_the_username_even_for_the_right_password(make_user, limit, settings):
    make_user("anna", Role.VIEWER)
    lock_out("anna", limit)
    refused = sign_in("anna", PASSWORD)
    assert refused.status_code == 429
    assert refused["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "Too many failed sign-in attempts" in refused.content.decode()
    assert "_auth_user_id" not in refused.client.session
    # ... from any address: the username is what is being guessed.
    assert sign_in("anna", PASSWORD, address=OTHER_ADDRESS).status_code == 429
    assert ActionLog.objects.filter(action=ActionLog.LOGIN_LOCKED_OUT, username="anna").exists()
    assert not ActionLog.objects.filter(action=ActionLog.LOGIN, username="anna").exists()


def test_the_lockout_page_is_in_russian(make_user, limit):
    make_user("anna", Role.VIEWER)
    lock_out("anna", limit)
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_ACCEPT_LANGUAGE="ru")
    page = client.post("/accounts/login/", {"username": "anna", "password": PASSWORD}).content.decode()
    assert "Слишком много неудачных попыток входа" in page
    assert "15 минут" in page


def test_a_successful_sign_in_clears_the_count(make_user, limit):
    make_user("anna", Role.VIEWER)
    fail("anna", limit - 1)
    assert sign_in("anna", PASSWORD).status_code == 302
    fail("anna", limit - 1)
    assert sign_in("anna", PASSWORD).status_code == 302


def test_another_user_from_another_address_is_unaffected(make_user, limit):
    make_user("anna", Role.VIEWER)
    make_user("boris", Role.VIEWER)
    lock_out("anna", limit)
    assert sign_in("boris", PASSWORD, address=OTHER_ADDRESS).status_code == 302


def test_one_address_trying_many_usernames_is_locked(make_user, limit):
    make_user("boris", Role.VIEWER)
    for number in range(limit - 1):
        fail(f"guess{number}", 1)
    assert sign_in("one-guess-too-many", "wrong").status_code == 429
    assert sign_in("boris", PASSWORD).status_code == 429
    assert sign_in("boris", PASSWORD, address=OTHER_ADDRESS).status_code == 302


def test_the_bootstrap_admin_is_no_endless_target(limit):
    from accounts.services import local_admin_bootstrap

    password = local_admin_bootstrap()
    lock_out("admin", limit)
    assert sign_in("admin", password, address=OTHER_ADDRESS).status_code == 429


def test_the_lock_ends_after_the_cool_off(make_user, limit, settings):
    from datetime import timedelta

    make_user("anna", Role.VIEWER)
    lock_out("anna", limit)
    settings.AXES_COOLOFF_TIME = timedelta(seconds=0)  # as if the cool-off had passed
    assert sign_in("anna", PASSWORD).status_code == 302


def test_keycloak_sign_ins_carry_no_username_and_are_never_throttled():
    assert not_a_password_attempt(None, {"username": None})
    assert not_a_password_attempt(None, {})
    assert not not_a_password_attempt(None, {"username": "anna", "password": "x"})


def test_behind_the_proxy_each_client_address_has_its_own_count(make_user, limit, settings):
    """nginx appends the address it saw to X-Forwarded-For; what the client put before it is ignored."""
    settings.BEHIND_PROXY = True
    make_user("boris", Role.VIEWER)

    def via_proxy(username: str, password: str, *, forwarded: str):
        client = Client(REMOTE_ADDR="10.89.0.5", HTTP_X_FORWARDED_FOR=forwarded)
        return client.post("/accounts/login/", {"username": username, "password": password})

    for number in range(limit):
        via_proxy(f"guess{number}", "wrong", forwarded=f"203.0.113.{number}, {ADDRESS}")
    assert via_proxy("boris", PASSWORD, forwarded=ADDRESS).status_code == 429
    assert via_proxy("boris", PASSWORD, forwarded=OTHER_ADDRESS).status_code == 302
    failures = ActionLog.objects.filter(action=ActionLog.LOGIN_FAILED)
    assert set(failures.values_list("ip", flat=True)) == {ADDRESS}
