"""Upload jobs and sync runs in the admin: read-only records of what happened to each file."""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from uploads.models import SyncRun, UploadJob
from uploads.sync import SyncOptions
from uploads.tasks import sync_run_enqueue

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
        "error_text",
        "created_at",
        "started_at",
        "finished_at",
        "results_table",
    ]

    @admin.display(description=_("error"))
    def error_text(self, job: UploadJob) -> str:
        return job.error_text

    @admin.display(description=_("per-file results"))
    def results_table(self, job: UploadJob) -> str:
        results = list(job.results.order_by("entry_index")[: RESULTS_SHOWN + 1])
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (result.name, result.get_outcome_display(), result.reason_text, result.image_id or "")
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


class SyncStartForm(forms.Form):
    dry_run = forms.BooleanField(required=False, initial=True, label=_("Dry run (change nothing)"))
    album = forms.CharField(required=False, max_length=200, label=_("Only this album"))
    delete_missing = forms.BooleanField(required=False, label=_("Remove rows whose file is gone"))
    thumbnails = forms.BooleanField(required=False, label=_("Generate missing thumbnails, delete orphans"))
    checksum = forms.BooleanField(required=False, label=_("Hash every original (slow)"))


@admin.register(SyncRun)
class SyncRunAdmin(ReadOnlyAdmin):
    change_list_template = "admin/uploads/syncrun/change_list.html"
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

    def get_urls(self):
        return [
            path("start/", self.admin_site.admin_view(self.start_view), name="uploads_syncrun_start"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context=None):
        return super().changelist_view(request, {**(extra_context or {}), "start_form": SyncStartForm()})

    def start_view(self, request: HttpRequest) -> HttpResponse:
        """Queue a sync for the task worker, like `POST /api/sync`."""
        form = SyncStartForm(request.POST or None)
        if request.method != "POST" or not form.is_valid():
            messages.error(request, _("Choose the sync options and start it from this page."))
            return HttpResponseRedirect(reverse("admin:uploads_syncrun_changelist"))
        run = sync_run_enqueue(options=SyncOptions(**form.cleaned_data), user=request.user)
        messages.success(
            request, _("Sync #%d is queued; this list shows it once the worker has run it.") % run.pk
        )
        return HttpResponseRedirect(reverse("admin:uploads_syncrun_changelist"))
