"""Upload jobs and sync runs in the admin: read-only records of what happened to each file."""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from uploads.models import SyncRun, UploadJob

RESULTS_SHOWN = 2000


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(UploadJob)
class UploadJobAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "source_name",
        "album",
        "user",
        "status",
        "total",
        "added",
        "duplicates",
        "ignored",
        "refused",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status", "kind", "mode", "created_at"]
    list_select_related = ["album", "user"]
    search_fields = ["source_name", "album__name"]
    date_hierarchy = "created_at"
    fields = [
        "source_name",
        "kind",
        "mode",
        "status",
        "album",
        "user",
        "album_requested",
        "article_requested",
        "total",
        "added",
        "duplicates",
        "ignored",
        "refused",
        "removed",
        "error_code",
        "error",
        "created_at",
        "started_at",
        "finished_at",
        "results_table",
    ]

    @admin.display(description=_("per-file results"))
    def results_table(self, job: UploadJob) -> str:
        results = list(job.results.order_by("entry_index")[: RESULTS_SHOWN + 1])
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (result.name, result.get_outcome_display(), result.reason or "", result.image_id or "")
                for result in results[:RESULTS_SHOWN]
            ),
        )
        more = _("(first %d shown)") % RESULTS_SHOWN if len(results) > RESULTS_SHOWN else ""
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>{}</table>{}",
            _("file"),
            _("outcome"),
            _("reason"),
            _("photo id"),
            rows,
            more,
        )


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    list_display = ["id", "created_at", "trigger", "user", "status", "in_sync", "summary", "finished_at"]
    list_filter = ["status", "trigger", "in_sync", "created_at"]
    list_select_related = ["user"]
    fields = [
        "status",
        "trigger",
        "user",
        "options",
        "in_sync",
        "counts_table",
        "problems_table",
        "error",
        "created_at",
        "started_at",
        "finished_at",
    ]

    @admin.display(description=_("summary"))
    def summary(self, run: SyncRun) -> str:
        return ", ".join(f"{key} {count}" for key, count in run.counts.items() if count)

    @admin.display(description=_("counts"))
    def counts_table(self, run: SyncRun) -> str:
        return format_html_join("", "<div>{}: {}</div>", run.counts.items())

    @admin.display(description=_("problems"))
    def problems_table(self, run: SyncRun) -> str:
        return format_html_join(
            "",
            "<div>{} <code>{}</code> {}</div>",
            ((problem["what"], problem["path"], problem.get("detail", "")) for problem in run.problems),
        )
