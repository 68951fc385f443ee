import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.timestamps import UtcTimestamp

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


def test_on_postgresql_a_utc_timestamp_is_read_as_a_plain_timestamp():
    if connection.vendor != "postgresql":
        pytest.skip("the AT TIME ZONE form is PostgreSQL's; elsewhere the column is read as it is")
    with CaptureQueriesContext(connection) as queries:
        list(get_user_model().objects.values(joined=UtcTimestamp("date_joined")))
    assert "AT TIME ZONE 'UTC'" in queries.captured_queries[0]["sql"]
