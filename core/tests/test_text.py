"""Name cleaning: control, zero-width and bidirectional characters never survive into a name."""

import pytest

from core.text import text_clean

INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d",
             "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\ufeff"]  # fmt: skip


@pytest.mark.parametrize("character", INVISIBLE)
def test_every_invisible_and_bidi_control_is_removed(character):
    assert text_clean(f"{character}АРТ{character}-001{character}") == "АРТ-001"


def test_controls_go_and_nfc_joins_but_visible_text_stays():
    assert text_clean("e\u0301\x00.jpg") == "é.jpg"
    assert text_clean("Весна 2026 · №1 ё") == "Весна 2026 · №1 ё"
