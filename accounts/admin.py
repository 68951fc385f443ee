"""The action log (read-only, filterable, downloadable as CSV) and audited users and groups in the admin."""

import csv
import datetime
import json

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _

from accounts.models import ActionLog, action_label, object_type_label
from core.admin import AuditedModelAdmin
from core.audit import audit
from core.dates import local_midnight
from core.spreadsheet import csv_cell_safe

CSV_COLUMNS = ["created_at", "username", "action", "object_type", "object_id", "object_repr", "ip", "details"]


class DateRangeFilter(admin.FieldListFilter):
    """From/to date inputs (inclusive days in the site's time zone) for a datetime field."""

    template = "admin/accounts/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.parameter_from = f"{field_path}__from"
        self.parameter_to = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.other_params = [
            (key, value) for key, value in request.GET.items() if key not in self.expected_parameters()
        ]

    def expected_parameters(self) -> list[str]:
        return [self.parameter_from, self.parameter_to]

    def _day(self, parameter: str) -> datetime.date | None:
        value = self.used_parameters.get(parameter)
        if isinstance(value, list):
            value = value[-1] if value else None
        try:
            return parse_date(value) if value else None
        except ValueError:  # well-formed but impossible, like 2026-02-30: ignored like a malformed one
            return None

    def queryset(self, request, queryset):
        start, end = self._day(self.parameter_from), self._day(self.parameter_to)
        if start:
            queryset = queryset.filter(**{f"{self.field_path}__gte": local_midnight(start)})
        if end:
            after = local_midnight(end + datetime.timedelta(days=1))
            queryset = queryset.filter(**{f"{self.field_path}__lt": after})
        return queryset

    def choices(self, changelist):
        yield {
            "from": self._day(self.parameter_from),
            "to": self._day(self.parameter_to),
            "parameter_from": self.parameter_from,
            "parameter_to": self.parameter_to,
            "other_params": self.other_params,
            "reset_url": changelist.get_query_string(remove=self.expected_parameters()),
        }


class UsernameFilter(admin.SimpleListFilter):
    title = _("user")
    parameter_name = "username"

    def lookups(self, request, model_admin):
        names = ActionLog.objects.exclude(username="").order_by("username").values_list("username", flat=True)
        return [(name, name) for name in names.distinct()]

    def queryset(self, request, queryset):
        return queryset.filter(username=self.value()) if self.value() else queryset


class ActionFilter(admin.SimpleListFilter):
    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        actions = ActionLog.objects.order_by("action").values_list("action", flat=True).distinct()
        return sorted(((action, action_label(action)) for action in actions), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


class _Echo:
    def write(self, value: str) -> str:
        return value


@admin.register(ActionLog)
class ActionLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "username", "action_display", "object_type_display", "object_repr", "ip"]
    list_filter = [UsernameFilter, ActionFilter, ("created_at", DateRangeFilter)]
    search_fields = ["object_repr", "object_id", "object_type"]
    search_help_text = _("Object name, id or type")
    change_list_template = "admin/accounts/actionlog/change_list.html"
    list_per_page = 100
    show_full_result_count = False

    @admin.display(description=_("action"), ordering="action")
    def action_display(self, entry: ActionLog) -> str:
        return action_label(entry.action)

    @admin.display(description=_("object type"), ordering="object_type")
    def object_type_display(self, entry: ActionLog) -> str:
        return object_type_label(entry.object_type)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        return [
            path("csv/", self.admin_site.admin_view(self.csv_view), name="accounts_actionlog_csv"),
            *super().get_urls(),
        ]

    def csv_view(self, request: HttpRequest) -> HttpResponse:
        """The rows the change list shows for the same filters and search, as a CSV download."""
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(reverse("admin:accounts_actionlog_changelist") + "?e=1")
        rows = changelist.get_queryset(request).order_by("-created_at", "-id")
        audit(
            request=request,
            action="action_log_export",
            details={"filters": {key: value for key, value in request.GET.items()}},
        )
        writer = csv.writer(_Echo())

        def lines():
            yield "\ufeff" + writer.writerow(CSV_COLUMNS)
            for entry in rows.iterator(chunk_size=2000):
                cells = [
                    timezone.localtime(entry.created_at).isoformat(timespec="seconds"),
                    entry.username,
                    entry.action,
                    entry.object_type,
                    entry.object_id,
                    entry.object_repr,
                    entry.ip or "",
                    json.dumps(entry.details, ensure_ascii=False),
                ]
                yield writer.writerow([csv_cell_safe(cell) for cell in cells])

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="action-log_{stamp}.csv"'
        return response


admin.site.unregister(User)
admin.site.unregister(Group)


# What a person may do comes from their roles (groups named after `accounts.roles.Role`); Django's per-model
# permissions open nothing here (the admin is for the administer capability, which has them all), and their
# names are stored in English, so the forms leave them out.


class TitledAdmin(AuditedModelAdmin):
    """Page titles said whole, in the right case: Django puts `verbose_name` into "Select %s to change" and
    "Add %s", which Russian declines ("Выберите пользователя", not "Выберите пользователь")."""

    changelist_title = ""
    add_title = ""

    def changelist_view(self, request, extra_context=None):
        return super().changelist_view(request, {"title": self.changelist_title, **(extra_context or {})})

    def add_view(self, request, form_url="", extra_context=None):
        return super().add_view(request, form_url, {"title": self.add_title, **(extra_context or {})})


@admin.register(User)
class AuditedUserAdmin(TitledAdmin, UserAdmin):
    changelist_title = _("Select a user to change")
    add_title = _("Add a user")
    fieldsets = [
        (name, options | {"fields": [f for f in options["fields"] if f != "user_permissions"]})
        for name, options in UserAdmin.fieldsets
    ]


@admin.register(Group)
class AuditedGroupAdmin(TitledAdmin, GroupAdmin):
    changelist_title = _("Select a group to change")
    add_title = _("Add a group")
    fields = ["name"]
