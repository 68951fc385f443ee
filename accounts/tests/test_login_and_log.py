import pytest

from accounts.models import ActionLog
from accounts.roles import Role

pytestmark = pytest.mark.django_db


def test_local_login_logout_and_failure_are_logged(client, make_user):
    make_user("anna", Role.VIEWER)
    assert client.post("/accounts/login/", {"username": "anna", "password": "wrong"}).status_code == 200
    response = client.post("/accounts/login/", {"username": "anna", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    actions = list(ActionLog.objects.order_by("id").values_list("action", "username"))
    assert actions == [
        (ActionLog.LOGIN_FAILED, "anna"),
        (ActionLog.LOGIN, "anna"),
        (ActionLog.LOGOUT, "anna"),
    ]


def test_wrong_password_shows_a_message(client, make_user):
    make_user("anna", Role.VIEWER)
    response = client.post("/accounts/login/", {"username": "anna", "password": "wrong"})
    assert (
        "Wrong username or password" in response.content.decode() or "Неверное" in response.content.decode()
    )
