import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.timestamps import UtcIsoText, UtcTimestamp

pytestmark = pytest.mark.django_db

MOSCOW = datetime.timezone(datetime.timedelta(hours=3))


def test_a_utc_timestamp_is_the_fields_own_instant_in_utc_and_none_stays_none():
    joined = datetime.datetime(2026, 3, 8, 23, 30, 15, 123456, tzinfo=MOSCOW)
    user = get_user_model().objects.create(username="оператор", date_joined=joined, last_login=None)

    row = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(joined=UtcTimestamp("date_joined"), last=UtcTimestamp("last_login"))
        .get()
    )

    assert row["joined"] == joined
    assert row["joined"].utcoffset() == datetime.timedelta(0)
    assert (row["joined"].day, row["joined"].hour) == (8, 20)
    assert row["last"] is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="elsewhere the column is read as it is")
@pytest.mark.parametrize(
    ("expression", "sql"),
    [(UtcTimestamp, "AT TIME ZONE 'UTC'"), (UtcIsoText, "to_char(")],
    ids=["a utc timestamp is read as a plain timestamp", "utc iso text is written by the database"],
)
def test_on_postgresql(expression, sql):
    with CaptureQueriesContext(connection) as queries:
        list(get_user_model().objects.values(joined=expression("date_joined")))
    assert sql in queries.captured_queries[0]["sql"]


def test_utc_iso_text_is_the_fields_instant_in_utc_with_microseconds_and_none_stays_none():
    joined = datetime.datetime(2026, 3, 8, 23, 30, 15, 123456, tzinfo=MOSCOW)
    on_the_second = datetime.datetime(2026, 3, 9, 0, 0, 0, tzinfo=MOSCOW)
    users = get_user_model().objects
    first = users.create(username="оператор", date_joined=joined, last_login=None)
    second = users.create(username="кладовщик", date_joined=on_the_second, last_login=on_the_second)

    rows = users.order_by("pk").values(joined=UtcIsoText("date_joined"), last=UtcIsoText("last_login"))

    assert list(rows.filter(pk__in=[first.pk, second.pk])) == [
        {"joined": "2026-03-08T20:30:15.123456+00:00", "last": None},
        {"joined": "2026-03-08T21:00:00.000000+00:00", "last": "2026-03-08T21:00:00.000000+00:00"},
    ]
    assert datetime.datetime.fromisoformat(rows.get(pk=first.pk)["joined"]) == joined
