import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups() -> list[Group]:
    return [Group.objects.create(name=f"group {number}") for number in range(5)]


def test_any_of_finds_the_rows_in_finds_and_skips_none(groups):
    wanted = [groups[1].pk, groups[3].pk, None, 10**9]

    found = set(Group.objects.filter(pk__any_of=wanted).values_list("pk", flat=True))

    assert found == {groups[1].pk, groups[3].pk}
    assert found == set(Group.objects.filter(pk__in=wanted).values_list("pk", flat=True))


def test_any_of_an_empty_list_finds_nothing(groups):
    assert list(Group.objects.filter(pk__any_of=[])) == []
    assert list(Group.objects.filter(pk__any_of=[None])) == []


def test_on_postgresql_any_of_is_one_array_parameter_whatever_the_count(groups):
    if connection.vendor != "postgresql":
        pytest.skip("the array form is PostgreSQL's; elsewhere any_of is __in (the tests above)")
    with CaptureQueriesContext(connection) as queries:
        list(Group.objects.filter(pk__any_of=[group.pk for group in groups]))
        list(Group.objects.filter(user__pk__any_of=list(range(500))))
    first, second = (query["sql"] for query in queries.captured_queries)
    for sql in (first, second):
        assert "= ANY(" in sql and " IN (" not in sql
        assert "::integer[])" in sql  # the ids as one text parameter, cast to the column's type
    assert "'{0,1,2," in second


def test_any_of_prepares_values_that_are_not_ints_and_takes_a_subquery(groups):
    as_text = [str(groups[0].pk), str(groups[2].pk)]
    assert set(Group.objects.filter(pk__any_of=as_text)) == {groups[0], groups[2]}
    chosen = Group.objects.filter(name__in=["group 1", "group 4"]).values("pk")
    assert set(Group.objects.filter(pk__any_of=chosen)) == {groups[1], groups[4]}
