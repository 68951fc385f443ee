"""Dates as instants: the one "local midnight of a date" that every date filter and statistic uses."""

import datetime

from django.utils import timezone


def local_midnight(day: datetime.date) -> datetime.datetime:
    """Midnight starting `day` in the current time zone (`TIME_ZONE` unless one is activated): a day is
    `[local_midnight(day), local_midnight(day + 1 day))`, compared as instants so indexes apply."""
    return datetime.datetime.combine(day, datetime.time.min, timezone.get_current_timezone())
