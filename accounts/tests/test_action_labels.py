"""The action log speaks the reader's language: action codes and object types in words."""

import pytest

from accounts.services import action_log_record
from gallery.tests.factories import album_make

pytestmark = pytest.mark.django_db


def test_action_log_shows_actions_and_object_types_in_russian(client, app_admin):
    album = album_make("Весна 2026")
    action_log_record(action="public_links", user=app_admin, obj=album, details={"enabled": True})
    action_log_record(action="access_denied", user=app_admin, object_type="path", object_repr="/upload/")
    client.force_login(app_admin)
    html = client.get("/admin/accounts/actionlog/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "переключены публичные ссылки" in html and "доступ запрещён" in html
    assert "адрес страницы" in html and "альбом" in html
    assert ">public_links<" not in html and ">gallery.album<" not in html
