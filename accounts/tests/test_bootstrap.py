import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.test import RequestFactory

from accounts.roles import Role, user_roles

pytestmark = pytest.mark.django_db


def run_bootstrap(capsys) -> str:
    call_command("bootstrap")
    return capsys.readouterr().out


def test_first_run_creates_an_admin_and_prints_its_password_once(capsys, django_user_model):
    first = run_bootstrap(capsys)
    password = first.split("password:")[1].split()[0]
    admin = authenticate(RequestFactory().post("/accounts/login/"), username="admin", password=password)
    assert admin is not None
    assert admin.is_staff and admin.is_superuser
    assert user_roles(admin) == {Role.ADMIN}

    second = run_bootstrap(capsys)
    assert "password" not in second
    assert django_user_model.objects.count() == 1


def test_no_admin_is_created_when_users_exist(capsys, make_user, django_user_model):
    make_user("someone")
    assert "password" not in run_bootstrap(capsys)
    assert not django_user_model.objects.filter(username="admin").exists()


def test_role_groups_exist_after_migrations(django_user_model):
    from django.contrib.auth.models import Group

    assert set(Group.objects.values_list("name", flat=True)) >= {role.value for role in Role}


@pytest.mark.django_db(transaction=True)
def test_the_role_groups_come_back_after_a_flush():
    from django.contrib.auth.models import Group

    call_command("flush", interactive=False, verbosity=0)

    assert set(Group.objects.values_list("name", flat=True)) == {role.value for role in Role}
