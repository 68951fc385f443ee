"""Accounts in Russian: the sign-in and no-access pages, and every accounts model and field."""

import pytest

pytestmark = pytest.mark.django_db


def test_login_and_error_pages_are_translated(client, no_role_user):
    assert "Войти" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    client.force_login(no_role_user)
    assert "Нет доступа" in client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()


def test_accounts_models_and_fields_have_russian_names(untranslated_model_names):
    assert untranslated_model_names("accounts") == []
