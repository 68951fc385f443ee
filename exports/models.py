"""Background exports: one row per export too large to stream (`EXPORT_BACKGROUND_ROWS`)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jobs import JobStatus


class ExportJob(models.Model):
    """An export the task worker writes into the storage (`exports.files`), kept `EXPORT_RETENTION_HOURS`."""

    Status = JobStatus

    class Error(models.TextChoices):
        SCOPE_GONE = (
            "scope_gone",
            _("The export's scope is no longer valid (an album was deleted or renamed)."),
        )
        WRITE_FAILED = (
            "write_failed",
            _("The file could not be written. Try again; if it keeps failing, tell an administrator."),
        )

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    params = models.JSONField(
        verbose_name=_("parameters"),
        help_text=_("What the export was asked for, checked again when it runs."),
    )
    file_format = models.CharField(verbose_name=_("format"), max_length=10)
    file_name = models.CharField(verbose_name=_("file name"), max_length=255)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    rows_total = models.PositiveIntegerField(verbose_name=_("rows"), default=0)
    rows_done = models.PositiveIntegerField(verbose_name=_("rows written"), default=0)
    file = models.CharField(verbose_name=_("stored file"), max_length=500, blank=True)
    bytes = models.PositiveBigIntegerField(verbose_name=_("bytes"), default=0)
    error_code = models.CharField(verbose_name=_("error"), max_length=20, choices=Error.choices, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True, db_index=True)
    finished_at = models.DateTimeField(verbose_name=_("finished"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(100 * self.rows_done / max(self.rows_total, 1))
