"""The Russian catalogue (`locale/ru`): committed compiled, no fuzzy guesses, placeholders kept; the names of
the task queue's admin (django-tasks' own models) in Russian too."""

import re

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext

pytestmark = pytest.mark.django_db


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


def test_the_task_queue_models_and_fields_have_russian_names(untranslated_model_names):
    assert untranslated_model_names("django_tasks_database") == []


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
