"""Exports in Russian: the Russian UI names every exports model and field."""

import pytest

pytestmark = pytest.mark.django_db


def test_exports_models_and_fields_have_russian_names(untranslated_model_names):
    assert untranslated_model_names("exports") == []
