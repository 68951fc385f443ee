import datetime

from django.utils import timezone

from core.dates import local_midnight


def test_local_midnight_is_the_start_of_the_day_in_the_current_time_zone(settings):
    settings.TIME_ZONE = "Europe/Moscow"
    with timezone.override("Europe/Moscow"):
        midnight = local_midnight(datetime.date(2026, 3, 1))
    assert midnight.isoformat() == "2026-03-01T00:00:00+03:00"
    assert midnight == datetime.datetime(2026, 2, 28, 21, 0, tzinfo=datetime.UTC)
