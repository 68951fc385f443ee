"""Russian and English pages: the language follows the browser, the switcher overrides it."""

import pytest
from django.utils import translation
from django.utils.translation import ngettext

from accounts.roles import Role
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


def test_russian_browser_gets_russian_pages(viewer_client):
    album = album_make("Весна 2026")
    image_make(article_make(album, "АРТ-1"))
    html = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9").content.decode()
    assert '<html lang="ru">' in html
    assert "Альбомы" in html and "Последняя загрузка" in html
    html = viewer_client.get(f"/a/{album.slug}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Артикул содержит" in html and "1 фото" in html


def test_english_browser_gets_english_pages(viewer_client):
    html = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9").content.decode()
    assert '<html lang="en">' in html
    assert "Albums" in html and "Альбомы" not in html


def test_switcher_overrides_the_browser(viewer_client):
    viewer_client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    html = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "No albums yet." in html


@pytest.mark.parametrize(
    ("count", "expected"), [(1, "1 артикул"), (3, "3 артикула"), (5, "5 артикулов"), (21, "21 артикул")]
)
def test_russian_plurals_have_three_forms(count, expected):
    with translation.override("ru"):
        assert ngettext("%(counter)s article", "%(counter)s articles", count) % {"counter": count} == expected


def test_gallery_models_and_fields_have_russian_names(untranslated_model_names):
    assert untranslated_model_names("gallery") == []


def test_the_admin_speaks_russian(client, make_user):
    client.force_login(make_user("chief", Role.ADMIN, is_staff=True))
    html = client.get("/admin/gallery/album/add/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Название" in html and "Публичные ссылки" in html
