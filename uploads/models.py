"""Upload jobs: one per ZIP or batch of photos, with counts and one result row per file."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.jobs import JobStatus
from gallery.models import Album, Article, Image
from uploads.validation import refusal_text


class UploadJob(models.Model):
    """One upload being ingested by the task worker. Written only by the uploads intake, jobs and ingest."""

    Status = JobStatus

    class Mode(models.TextChoices):
        ADD = "add", _("add")
        REPLACE = "replace", _("replace")

    class Kind(models.TextChoices):
        ARCHIVE = "zip", _("ZIP archive")
        IMAGES = "images", _("photos")

    kind = models.CharField(verbose_name=_("kind"), max_length=10, choices=Kind.choices)
    mode = models.CharField(verbose_name=_("mode"), max_length=10, choices=Mode.choices, default=Mode.ADD)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source_name = models.CharField(
        verbose_name=_("source"), max_length=255, help_text=_("The uploaded ZIP's or first photo's name.")
    )
    album_requested = models.CharField(verbose_name=_("album asked for"), max_length=200, blank=True)
    article_requested = models.CharField(verbose_name=_("article asked for"), max_length=200, blank=True)
    album = models.ForeignKey(
        Album, verbose_name=_("album"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    spool = models.CharField(
        verbose_name=_("spool key"),
        max_length=500,
        help_text=_("Where the uploaded files wait in the media storage until the job ends (uploads.spool)."),
    )
    file_names = models.JSONField(
        verbose_name=_("file names"),
        default=list,
        blank=True,
        help_text=_("Photo uploads: the files' names."),
    )
    layout_warnings = models.JSONField(
        verbose_name=_("layout warnings"),
        default=list,
        blank=True,
        help_text=_("What the ZIP layout rule merged that a person may not expect (uploads.layout)."),
    )

    total = models.PositiveIntegerField(verbose_name=_("files"), default=0)
    added = models.PositiveIntegerField(verbose_name=_("added"), default=0)
    duplicates = models.PositiveIntegerField(verbose_name=_("duplicates"), default=0)
    ignored = models.PositiveIntegerField(verbose_name=_("ignored"), default=0)
    refused = models.PositiveIntegerField(verbose_name=_("refused"), default=0)
    removed = models.PositiveIntegerField(
        verbose_name=_("removed"), default=0, help_text=_("Photos replaced away (replace mode).")
    )
    error_code = models.CharField(verbose_name=_("error code"), max_length=40, blank=True)
    error = models.TextField(
        verbose_name=_("error"), blank=True, help_text=_("English text; shown translated with its values.")
    )
    error_params = models.JSONField(verbose_name=_("error values"), default=dict, blank=True)

    task_id = models.CharField(verbose_name=_("task"), max_length=64, blank=True)
    attempts = models.PositiveSmallIntegerField(verbose_name=_("attempts"), default=0)
    worker = models.CharField(
        verbose_name=_("worker"),
        max_length=200,
        blank=True,
        help_text=_("host:pid of the process running it."),
    )
    heartbeat_at = models.DateTimeField(verbose_name=_("last heartbeat"), null=True, blank=True)
    waiting_since = models.DateTimeField(
        verbose_name=_("waiting for the album since"),
        null=True,
        blank=True,
        help_text=_("Set while the job waits in the queue for an album another job holds."),
    )
    # Storage names of photos replaced away, kept until their deletion is done (survives a killed worker).
    files_to_delete = models.JSONField(verbose_name=_("files to delete"), default=list, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(verbose_name=_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(verbose_name=_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("upload job")
        verbose_name_plural = _("upload jobs")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="uploadjob_user_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.source_name}"

    @property
    def processed(self) -> int:
        return self.added + self.duplicates + self.ignored + self.refused

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def layout_warning_texts(self) -> list[str]:
        """The layout warnings in the active language."""
        return [refusal_text(warning["template"], warning["params"]) for warning in self.layout_warnings]

    @property
    def waiting_text(self) -> str:
        """ "Waiting for the album …" in the active language while the job waits for its album; else empty."""
        if self.status != self.Status.QUEUED or self.waiting_since is None:
            return ""
        return _("waiting for the album “%(album)s”: another upload, sync or move is working on it") % {
            "album": self.album.name if self.album else self.album_requested
        }

    @property
    def error_text(self) -> str:
        """Why the job failed, in the active language; empty when it did not."""
        return refusal_text(self.error, self.error_params) if self.error else ""


class UploadResult(models.Model):
    """What happened to one file of an upload. Ignored clutter is only counted, not listed.

    A `pending` row is the job's journal: it names the storage files being written for the entry, so that a
    worker killed half-way can remove them (`files`) before the entry is processed again.
    """

    class Outcome(models.TextChoices):
        PENDING = "pending", _("in progress")
        ADDED = "added", _("added")
        DUPLICATE = "duplicate", _("duplicate")
        REFUSED = "refused", _("refused")

    job = models.ForeignKey(
        UploadJob, verbose_name=_("upload job"), on_delete=models.CASCADE, related_name="results"
    )
    entry_index = models.PositiveIntegerField(
        verbose_name=_("entry number"),
    )
    name = models.CharField(verbose_name=_("path in the upload"), max_length=1000)
    outcome = models.CharField(verbose_name=_("outcome"), max_length=10, choices=Outcome.choices)
    code = models.CharField(verbose_name=_("code"), max_length=40, blank=True)
    reason = models.TextField(
        verbose_name=_("reason"), blank=True, help_text=_("English text; shown translated with its values.")
    )
    reason_params = models.JSONField(verbose_name=_("reason values"), default=dict, blank=True)
    article = models.ForeignKey(
        Article, verbose_name=_("article"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    image = models.ForeignKey(
        Image, verbose_name=_("photo"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    files = models.JSONField(verbose_name=_("files"), default=list, blank=True)

    class Meta:
        verbose_name = _("upload result")
        verbose_name_plural = _("upload results")
        ordering = ["job", "entry_index"]
        constraints = [
            models.UniqueConstraint(fields=["job", "entry_index"], name="uploadresult_unique_entry"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"

    @property
    def reason_text(self) -> str:
        """The reason in the active language."""
        return refusal_text(self.reason, self.reason_params) if self.reason else ""


class SyncRun(models.Model):
    """One reconciliation of storage and catalogue (`manage.py sync_storage` or `POST /api/sync`)."""

    Status = JobStatus

    class Trigger(models.TextChoices):
        COMMAND = "command", _("management command")
        API = "api", _("API")

    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    trigger = models.CharField(verbose_name=_("started by"), max_length=10, choices=Trigger.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    options = models.JSONField(verbose_name=_("options"), default=dict, blank=True)
    counts = models.JSONField(verbose_name=_("counts"), default=dict, blank=True)
    problems = models.JSONField(
        verbose_name=_("problems"),
        default=list,
        blank=True,
        help_text=_("The first problems found (path, what)."),
    )
    in_sync = models.BooleanField(
        verbose_name=_("in sync"), null=True, help_text=_("Storage and database agreed when the run ended.")
    )
    error = models.TextField(verbose_name=_("error"), blank=True)
    worker = models.CharField(verbose_name=_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(verbose_name=_("last heartbeat"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(verbose_name=_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(verbose_name=_("finished"), null=True, blank=True)

    class Meta:
        verbose_name = _("sync run")
        verbose_name_plural = _("sync runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"sync #{self.pk} ({self.status})"


class TaskLease(models.Model):
    """The lease (`uploads.leases`) of a running background task that has no job row of its own (thumbnail
    regeneration): while its worker lives the heartbeat is fresh; once stale, the task is queued again.
    Written only by the task worker (`uploads.worker`)."""

    Status = JobStatus

    task_result = models.CharField(verbose_name=_("task"), max_length=64, unique=True)
    task_path = models.CharField(verbose_name=_("task path"), max_length=200)
    status = models.CharField(
        verbose_name=_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    worker = models.CharField(verbose_name=_("worker"), max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(verbose_name=_("last heartbeat"), null=True, blank=True)
    started_at = models.DateTimeField(verbose_name=_("started"), null=True, blank=True)

    class Meta:
        verbose_name = _("task lease")
        verbose_name_plural = _("task leases")

    def __str__(self) -> str:
        return f"{self.task_path} {self.task_result}"
