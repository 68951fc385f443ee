"""The one place that turns a human name into a path-safe ASCII slug."""

from collections.abc import Callable

from slugify import slugify

SLUG_MAX_LENGTH = 80


def slug_base(name: str, *, fallback: str) -> str:
    """ASCII slug of `name`, Cyrillic transliterated (`Весна 2026` → `vesna-2026`); `fallback` if empty."""
    return slugify(name, max_length=SLUG_MAX_LENGTH, word_boundary=False) or fallback


def slug_unique(name: str, *, fallback: str, taken: Callable[[str], bool]) -> str:
    """A slug for `name` for which `taken(slug)` is false, adding `-2`, `-3` … on collisions."""
    base = slug_base(name, fallback=fallback)
    candidate, counter = base, 1
    while taken(candidate):
        counter += 1
        suffix = f"-{counter}"
        candidate = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
    return candidate
