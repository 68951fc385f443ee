import pytest

from gallery.slugs import SLUG_MAX_LENGTH, slug_base, slug_unique


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Весна 2026", "vesna-2026"),
        ("АРТ-001 (синий)", "art-001-sinii"),
        ("Зима/Куртка 01", "zima-kurtka-01"),
        ("Summer SALE", "summer-sale"),
    ],
)
def test_cyrillic_names_are_transliterated(name, expected):
    assert slug_base(name, fallback="x") == expected


def test_name_without_letters_or_digits_gets_the_fallback():
    assert slug_base("№ !!!", fallback="album") == "no"
    assert slug_base("!!! ???", fallback="album") == "album"


def test_collisions_get_numbered_suffixes():
    taken = {"vesna-2026", "vesna-2026-2"}
    assert slug_unique("ВЕСНА 2026", fallback="album", taken=taken.__contains__) == "vesna-2026-3"


def test_long_names_stay_within_the_column_even_with_a_suffix():
    long_name = "очень длинное название " * 20
    base = slug_base(long_name, fallback="album")
    slug = slug_unique(long_name, fallback="album", taken={base}.__contains__)
    assert len(base) <= SLUG_MAX_LENGTH
    assert len(slug) <= SLUG_MAX_LENGTH
    assert slug.endswith("-2")
