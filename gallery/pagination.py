"""Keyset (cursor) pagination: page N costs what page 1 costs, however deep it lies.

A cursor is the URL-safe base64 of the ordering values of the last row shown; the next page continues
strictly after them. The ordering must end in a unique column (`id`) so rows never repeat or vanish.
"""

import base64
import binascii
import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Model, Q, QuerySet

LIMIT_DEFAULT = 100
LIMIT_MAX = 500


class InvalidCursor(ValueError):
    """A cursor this server did not issue for this ordering."""


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def _field_name(field: str) -> str:
    return field.removeprefix("-")


def _value_of(row: Model | dict, field: str) -> Any:
    name = _field_name(field)
    if isinstance(row, dict):  # a `.values()` row
        value = row[name]
    else:
        value = row
        for part in name.split("__"):
            value = getattr(value, part)
    return value.isoformat() if isinstance(value, datetime.datetime) else value


def cursor_encode(values: list) -> str:
    raw = json.dumps(values, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _plain_value(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    return (isinstance(value, str) and len(value) <= 400) or (isinstance(value, int) and abs(value) < 2**63)


def cursor_decode(cursor: str, *, width: int) -> list:
    """The values a cursor carries; raises InvalidCursor unless it is one of ours for this ordering."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidCursor("The cursor is not one this server issued.") from exc
    if (
        not isinstance(values, list)
        or len(values) != width
        or not all(_plain_value(value) for value in values)
    ):
        raise InvalidCursor("The cursor is not one this server issued.")
    return values


def _after(ordering: tuple[str, ...], values: list) -> Q:
    """Rows strictly after `values` in `ordering`, as (a > x) OR (a = x AND b > y) OR ...

    The leading `a >= x` is redundant for the result but lets the database start an index range scan there.
    """
    condition = Q()
    equal = Q()
    for field, value in zip(ordering, values, strict=True):
        name = _field_name(field)
        beyond = "lt" if field.startswith("-") else "gt"
        condition |= equal & Q(**{f"{name}__{beyond}": value})
        equal &= Q(**{name: value})
    first = ordering[0]
    leading = Q(**{f"{_field_name(first)}__{'lte' if first.startswith('-') else 'gte'}": values[0]})
    return leading & condition


def keyset_page(queryset: QuerySet, *, ordering: tuple[str, ...], cursor: str | None, limit: int) -> Page:
    """One page of `queryset` (instances or `.values()` rows holding the `ordering` fields) in `ordering`
    after `cursor` (None = first page); raises InvalidCursor."""
    if cursor:
        try:
            queryset = queryset.filter(_after(ordering, cursor_decode(cursor, width=len(ordering))))
            rows = list(queryset.order_by(*ordering)[: limit + 1])
        except (ValueError, TypeError, ValidationError) as exc:  # a value of the wrong type for its column
            raise InvalidCursor("The cursor is not one this server issued.") from exc
    else:
        rows = list(queryset.order_by(*ordering)[: limit + 1])
    if len(rows) <= limit:
        return Page(rows, None)
    rows = rows[:limit]
    return Page(rows, cursor_encode([_value_of(rows[-1], field) for field in ordering]))
