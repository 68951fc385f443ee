import pytest

from accounts.models import ActionLog
from accounts.roles import ROLE_CAPABILITIES, Role, user_capabilities
from core.access import Capability

pytestmark = [pytest.mark.django_db, pytest.mark.urls("accounts.tests.urls_for_guard")]

PRINCIPALS = [None, "no_role", *Role]


def principal_user(principal, make_user):
    if principal is None:
        return None
    if principal == "no_role":
        return make_user("norole")
    return make_user(f"user-{principal}", principal)


def allowed(principal, capability) -> bool:
    return principal not in (None, "no_role") and capability in ROLE_CAPABILITIES[principal]


def test_matrix_grants_what_the_roles_promise():
    assert ROLE_CAPABILITIES[Role.VIEWER] == {Capability.VIEW, Capability.EXPORT}
    assert ROLE_CAPABILITIES[Role.USER] == ROLE_CAPABILITIES[Role.VIEWER] | {
        Capability.UPLOAD,
        Capability.SHARE,
    }
    assert ROLE_CAPABILITIES[Role.ADMIN] == set(Capability)


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_pages_follow_the_matrix(client, make_user, principal, capability):
    user = principal_user(principal, make_user)
    if user:
        client.force_login(user)
    response = client.get(f"/page/{capability}")
    if allowed(principal, capability):
        assert response.status_code == 200
    elif principal is None:
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    else:
        assert response.status_code == 403
        assert b"appviewer" in response.content, "the refusal names the roles"


@pytest.mark.parametrize("capability", list(Capability))
@pytest.mark.parametrize("principal", PRINCIPALS)
def test_api_follows_the_matrix(client, make_user, principal, capability):
    user = principal_user(principal, make_user)
    if user:
        client.force_login(user)
    response = client.get(f"/api/{capability}")
    expected = 200 if allowed(principal, capability) else 401 if principal is None else 403
    assert response.status_code == expected
    if expected != 200:
        assert set(response.json()["error"]) == {"code", "message"}


def test_superuser_has_every_capability(django_user_model):
    root = django_user_model.objects.create_superuser("root", "", "pw")
    assert user_capabilities(root) == set(Capability)


def test_inactive_user_has_no_capability(make_user):
    user = make_user("gone", Role.ADMIN, is_active=False)
    assert user_capabilities(user) == frozenset()


def test_appadmin_may_use_the_django_admin(client, make_user):
    client.force_login(make_user("boss", Role.ADMIN, is_staff=True))
    assert client.get("/admin/gallery/album/").status_code == 200


def test_denials_are_logged(client, make_user):
    client.force_login(make_user("looker", Role.VIEWER))
    client.get(f"/api/{Capability.UPLOAD}")
    entry = ActionLog.objects.get(action=ActionLog.ACCESS_DENIED)
    assert entry.username == "looker"
    assert entry.details["capability"] == "upload"
    assert entry.object_repr == "/api/upload"


def test_anonymous_redirect_to_sign_in_is_not_a_logged_refusal(client, make_user):
    assert client.get(f"/page/{Capability.VIEW}").status_code == 302
    assert not ActionLog.objects.filter(action=ActionLog.ACCESS_DENIED).exists()
    assert client.get(f"/api/{Capability.VIEW}").status_code == 401
    assert ActionLog.objects.filter(action=ActionLog.ACCESS_DENIED, details__authenticated=False).count() == 1


def test_refusal_page_names_roles_in_words(client, make_user, settings):
    client.force_login(make_user("looker", Role.VIEWER))
    response = client.get(f"/page/{Capability.UPLOAD}", HTTP_ACCEPT_LANGUAGE="ru")
    html = response.content.decode()
    assert response.status_code == 403
    assert "Загрузчик" in html and "загружать фото" in html
    assert "capability" not in html
