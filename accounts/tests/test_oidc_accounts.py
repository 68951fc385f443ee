import pytest
from django.contrib.auth import get_user_model

from accounts.models import ActionLog, OidcIdentity
from accounts.roles import Role, user_roles
from accounts.services import oidc_user_sync

pytestmark = pytest.mark.django_db

ISSUER = "https://sso.example.com/realms/pichosting"
SUB = "5b0e1c3a-9d7f-4a53-8f0e-2f8f3c1b6a11"


def sync(roles, **claims):
    return oidc_user_sync(issuer=ISSUER, claims={"sub": SUB, **claims}, roles=frozenset(roles))


def test_first_login_creates_the_user_from_the_claims():
    user = sync({Role.ADMIN}, preferred_username="olga", email="olga@example.com", name="Ольга Орлова")
    assert (user.username, user.email, user.first_name) == ("olga", "olga@example.com", "Ольга Орлова")
    assert user.is_staff and not user.is_superuser and not user.has_usable_password()
    assert user_roles(user) == {Role.ADMIN}
    assert OidcIdentity.objects.get(user=user).sub == SUB
    assert ActionLog.objects.get(action=ActionLog.ACCOUNT_CREATED).details["roles"] == ["appadmin"]


def test_later_logins_update_the_same_user_keyed_on_sub():
    first = sync({Role.VIEWER}, preferred_username="olga", email="old@example.com")
    again = sync({Role.USER}, preferred_username="olga.orlova", email="new@example.com", given_name="Ольга")
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.username, again.email, again.first_name) == ("olga.orlova", "new@example.com", "Ольга")
    assert user_roles(get_user_model().objects.get(pk=again.pk)) == {Role.USER}


def test_the_same_email_from_another_subject_is_another_user(make_user):
    local = make_user("olga", Role.ADMIN, email="olga@example.com")
    user = sync({Role.VIEWER}, preferred_username="olga", email="olga@example.com")
    assert user.pk != local.pk
    assert user.username == f"olga-{SUB[:8]}"


def test_no_role_creates_nothing():
    assert sync(set(), preferred_username="ghost") is None
    assert not get_user_model().objects.exists()
    assert not ActionLog.objects.exists()


def test_no_role_strips_an_existing_user():
    user = sync({Role.ADMIN, Role.USER}, preferred_username="olga")
    assert sync(set(), preferred_username="olga") is None
    user.refresh_from_db()
    assert not user.is_staff
    assert user_roles(get_user_model().objects.get(pk=user.pk)) == frozenset()


def test_other_groups_survive_the_role_sync():
    from django.contrib.auth.models import Group

    user = sync({Role.USER}, preferred_username="olga")
    user.groups.add(Group.objects.create(name="photographers"))
    sync({Role.VIEWER}, preferred_username="olga")
    assert set(user.groups.values_list("name", flat=True)) == {"photographers", "appviewer"}


def test_a_subject_without_username_gets_a_readable_one():
    assert sync({Role.VIEWER}).username == f"oidc-{SUB[:8]}"


def test_a_parallel_first_login_ends_with_one_account(monkeypatch):
    """Two requests of a new subject both find no account; the slower one's insert fails and it reuses."""
    from accounts import services

    first = sync({Role.USER}, preferred_username="service-account-pim")
    lookups = iter([None])
    real_find = services._identity_find
    monkeypatch.setattr(services, "_identity_find", lambda *args: next(lookups, None) or real_find(*args))

    again = sync({Role.USER}, preferred_username="service-account-pim")

    assert again.pk == first.pk
    assert get_user_model().objects.count() == 1
    assert ActionLog.objects.filter(action=ActionLog.ACCOUNT_CREATED).count() == 1
