"""Russian and English pages: the language follows the browser, the switcher overrides it."""

import re

import pytest
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext

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


def test_login_and_error_pages_are_translated(client, no_role_user):
    assert "Войти" in client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    client.force_login(no_role_user)
    assert "Нет доступа" in client.get("/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()


@pytest.mark.parametrize(
    ("count", "expected"), [(1, "1 артикул"), (3, "3 артикула"), (5, "5 артикулов"), (21, "21 артикул")]
)
def test_russian_plurals_have_three_forms(count, expected):
    with translation.override("ru"):
        assert ngettext("%(counter)s article", "%(counter)s articles", count) % {"counter": count} == expected


def test_compiled_catalogue_is_committed_and_loaded():
    with translation.override("ru"):
        assert gettext("Download original") == "Скачать оригинал"
        assert gettext("Copy link") == "Копировать ссылку"
        assert gettext("There is nothing at this address.") == "По этому адресу ничего нет."


def test_catalogue_holds_no_fuzzy_guesses():
    """makemessages marks guessed translations fuzzy (“Status” → “Статистика”); they must be fixed."""
    catalogue = (settings.LOCALE_PATHS[0] / "ru" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    fuzzy = [line for line in catalogue.splitlines() if line.startswith("#,") and "fuzzy" in line]
    assert fuzzy == []


CYRILLIC = re.compile("[а-яё]", re.IGNORECASE)
NAMES_ALIKE_IN_BOTH = {"SHA-256", "ID", "id"}


@pytest.mark.parametrize("app", ["gallery", "uploads", "accounts", "exports", "django_tasks_database"])
def test_every_app_model_and_field_of_ours_has_a_russian_name(app):
    """The admin labels its sections, columns and forms with these; untranslated they show English in a
    Russian UI."""
    config = apps.get_app_config(app)
    with translation.override("ru"):
        untranslated = [] if CYRILLIC.search(str(config.verbose_name)) else [f"app: {config.verbose_name}"]
        for model in config.get_models():
            names = [model._meta.verbose_name, model._meta.verbose_name_plural]
            names += [
                field.verbose_name for field in model._meta.get_fields() if hasattr(field, "verbose_name")
            ]
            untranslated += [
                f"{model.__name__}: {name}"
                for name in map(str, names)
                if name not in NAMES_ALIKE_IN_BOTH and not CYRILLIC.search(name)
            ]
    assert untranslated == []


def test_the_admin_speaks_russian(client, make_user):
    client.force_login(make_user("chief", Role.ADMIN, is_staff=True))
    html = client.get("/admin/gallery/album/add/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Название" in html and "Публичные ссылки" in html


BRACE_PLACEHOLDER = re.compile(r"\{(\w*)\}")


def test_russian_texts_keep_every_placeholder_of_the_english_one():
    """Stored refusals are filled in when shown (`str.format`): a lost placeholder would break the page."""
    catalogue = (settings.LOCALE_PATHS[0] / "ru" / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    mismatched = []
    for entry in catalogue.split("\n\n"):
        if "python-brace-format" not in entry:
            continue
        msgid, _, msgstr = entry.partition("\nmsgstr ")
        english = set(BRACE_PLACEHOLDER.findall(msgid.partition("msgid ")[2]))
        russian = set(BRACE_PLACEHOLDER.findall(msgstr))
        if english != russian:
            mismatched.append((msgid, msgstr))
    assert mismatched == []
