"""Uploads: accepting one (spool it, queue a job) and ingesting it in the task worker.

Ingest, per photo: read and hash, check the content (`uploads.validation`), make the thumbnails from one
decode (`gallery.thumbnails`), store the original and the thumbnails, then create the rows in one short
transaction, so that a row exists only when its files do. Reading, decoding and storing run on a thread pool
(`UPLOAD_WORKERS`); every database write happens on the job's own thread.

A job survives its worker being killed: before any file of a photo is written, a `pending` UploadResult names
those files (the journal). A restarted worker (`upload_jobs_recover`, run when `db_worker` starts) re-queues
the job; the job first removes the files of pending entries that have no row, then carries on with the
entries that have no result yet. After `UPLOAD_JOB_MAX_ATTEMPTS` starts it is failed, cleanly, instead.
"""

import logging
import os
import shutil
import socket
import threading
import uuid
import zipfile
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.move import file_move_safe
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from accounts.services import action_log_record
from gallery import files
from gallery.locks import LockBusy, album_lock
from gallery.models import Album, Article, Image, Thumbnail
from gallery.paths import original_name
from gallery.services import (
    album_counters_refresh,
    album_get_or_create,
    album_name_clean,
    article_counts_refresh,
    article_get_or_create,
    name_clean,
)
from gallery.specs import THUMBNAIL_SPECS
from gallery.thumbnails import thumbnail_files_store, thumbnail_storage_name, thumbnails_render
from uploads.archive import Entry, archive_entries, entry_read, file_entry
from uploads.layout import placements
from uploads.models import UploadJob, UploadResult
from uploads.validation import Limits, PictureInfo, Refused, damaged, picture_inspect

logger = logging.getLogger(__name__)

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
HEARTBEAT_SECONDS = 2.0
PROGRESS_SECONDS = 0.5
Outcome = UploadResult.Outcome


class UploadRejected(Exception):
    """An upload refused at the door; `status` is the HTTP status to answer (400 or 413)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def upload_too_large(size: int, limit: int) -> UploadRejected:
    """The 413 refusal of an upload of `size` bytes over `limit`, in the active language."""
    return UploadRejected(
        413,
        "too_large",
        gettext("{size} bytes; the upload limit is {limit} bytes").format(size=size, limit=limit),
    )


def worker_identity() -> str:
    """`host:pid` of this process, recorded on the jobs it runs."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _is_zip(upload: UploadedFile) -> bool:
    upload.seek(0)
    head = upload.read(4)
    upload.seek(0)
    return head in ZIP_SIGNATURES or (upload.name or "").lower().endswith(".zip")


def _spool(upload: UploadedFile, destination: Path) -> None:
    """Move (or, for small in-memory uploads, write) an uploaded file into the job's spool directory."""
    if hasattr(upload, "temporary_file_path"):
        upload.file.flush()
        file_move_safe(upload.temporary_file_path(), destination)
        return
    with destination.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)


def upload_job_create(
    *,
    user: AbstractBaseUser | None,
    files: Sequence[UploadedFile],
    album: str = "",
    article: str = "",
    mode: str = UploadJob.Mode.ADD,
) -> UploadJob:
    """Accept an upload: one ZIP, or photos for a given album and article. Queues its job; raises
    `UploadRejected` (413 too large, 400 not a ZIP/no file/bad values) without keeping anything."""
    limits = Limits.current()
    if not files:
        raise UploadRejected(400, "no_file", gettext("Choose a ZIP archive or one or more photos to upload."))
    if mode not in UploadJob.Mode.values:
        choices = ", ".join(UploadJob.Mode.values)
        raise UploadRejected(
            400, "invalid_mode", gettext("mode must be one of: {choices}").format(choices=choices)
        )
    size = sum(upload.size or 0 for upload in files)
    if size > limits.upload_bytes:
        raise upload_too_large(size, limits.upload_bytes)
    try:
        album = album_name_clean(album) if album.strip() else ""
        article = name_clean(article, field="article") if article.strip() else ""
    except ValidationError as exc:
        raise UploadRejected(400, "invalid_name", "; ".join(exc.messages)) from exc
    archives = [upload for upload in files if _is_zip(upload)]
    if archives:
        if len(files) > 1:
            raise UploadRejected(
                400, "one_archive", gettext("Upload one ZIP archive at a time, without other files.")
            )
        if not zipfile.is_zipfile(files[0]):
            raise UploadRejected(
                400, "not_a_zip", gettext("The file is not a ZIP archive, or it is damaged or cut short.")
            )
        kind = UploadJob.Kind.ARCHIVE
    elif not (album and article):
        raise UploadRejected(
            400,
            "not_a_zip",
            gettext("This is not a ZIP archive. To upload single photos, give the album and the article."),
        )
    else:
        kind = UploadJob.Kind.IMAGES
    spool = Path(settings.UPLOAD_SPOOL_DIR) / uuid.uuid4().hex
    spool.mkdir(parents=True)
    try:
        for index, upload in enumerate(files):
            _spool(upload, spool / f"{index:05d}")
        with transaction.atomic():
            job = UploadJob.objects.create(
                kind=kind,
                mode=mode,
                user=user if user is not None and user.is_authenticated else None,
                source_name=(files[0].name or "upload")[:255],
                album_requested=album,
                article_requested=article,
                spool=str(spool),
                file_names=[upload.name or "" for upload in files] if kind == UploadJob.Kind.IMAGES else [],
            )
            transaction.on_commit(partial(upload_job_enqueue, job.pk))
    except BaseException:
        shutil.rmtree(spool, ignore_errors=True)
        raise
    return job


def upload_job_enqueue(job_id: int) -> None:
    """Hand the job to the task worker (called once the job row is committed)."""
    from uploads.tasks import upload_job_process

    result = upload_job_process.enqueue(job_id)
    UploadJob.objects.filter(pk=job_id).update(task_id=str(result.id))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def job_abandoned(job: UploadJob) -> bool:
    """Whether a running job's worker is gone: a dead process on this host, or silent for too long."""
    host, _, pid = job.worker.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return not _pid_alive(int(pid))
    stale = timezone.now() - timedelta(seconds=settings.UPLOAD_JOB_STALE_SECONDS)
    return job.heartbeat_at is None or job.heartbeat_at < stale


def upload_jobs_recover() -> list[int]:
    """Re-queue running jobs whose worker is gone; returns their ids. Safe to call at any time."""
    recovered = []
    for job in UploadJob.objects.filter(status=UploadJob.Status.RUNNING):
        if job_abandoned(job) and UploadJob.objects.filter(
            pk=job.pk, status=UploadJob.Status.RUNNING, worker=job.worker
        ).update(status=UploadJob.Status.QUEUED, worker=""):
            logger.warning("upload job %s lost its worker %s; queued again", job.pk, job.worker)
            upload_job_enqueue(job.pk)
            recovered.append(job.pk)
    return recovered


def _job_claim(job_id: int) -> UploadJob | None:
    with transaction.atomic():
        job = UploadJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if job.status == UploadJob.Status.RUNNING and not job_abandoned(job):
            return None  # a live worker has it
        now = timezone.now()
        job.status = UploadJob.Status.RUNNING
        job.attempts += 1
        job.worker = worker_identity()
        job.heartbeat_at = now
        job.started_at = job.started_at or now
        job.save(update_fields=["status", "attempts", "worker", "heartbeat_at", "started_at"])
    return job


def _storage_names_unreferenced(names: list[str]) -> list[str]:
    referenced = set(Image.objects.filter(file__in=names).values_list("file", flat=True))
    referenced |= set(Thumbnail.objects.filter(file__in=names).values_list("file", flat=True))
    return [name for name in names if name not in referenced]


def _journal_sweep(job: UploadJob) -> None:
    """Remove files written for unfinished entries (and replaced-away files) that no row references."""
    pending = list(job.results.filter(outcome=Outcome.PENDING))
    names = [name for result in pending for name in result.files] + list(job.files_to_delete)
    if not names and not pending:
        return
    for name in _storage_names_unreferenced(names):
        files.delete(name)
    job.results.filter(pk__in=[result.pk for result in pending]).delete()
    job.files_to_delete = []
    job.save(update_fields=["files_to_delete"])


def _job_finish(job: UploadJob, status: str, *, refused: Refused | None = None) -> None:
    job.status = status
    if refused is not None:
        job.error_code, job.error, job.error_params = refused.code, refused.template, refused.params
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "error_code", "error", "error_params", "finished_at"])
    shutil.rmtree(job.spool, ignore_errors=True)
    if job.album_id:
        article_counts_refresh(articles=Article.objects.filter(pk__in=job.results.values("article_id")))
        album_counters_refresh(album_id=job.album_id)
    action_log_record(
        action="upload",
        user=job.user,
        obj=job.album,
        object_type="" if job.album else "uploads.uploadjob",
        object_id="" if job.album else str(job.pk),
        object_repr="" if job.album else job.source_name,
        details={
            "job": job.pk,
            "source": job.source_name,
            "mode": job.mode,
            "status": job.status,
            "total": job.total,
            "added": job.added,
            "duplicates": job.duplicates,
            "ignored": job.ignored,
            "refused": job.refused,
            "removed": job.removed,
            **({"error": refused.message} if refused is not None else {}),
        },
    )


def _job_fail(job: UploadJob, refused: Refused) -> None:
    logger.warning("upload job %s failed: %s", job.pk, refused.message)
    _journal_sweep(job)
    job.refresh_from_db()
    _job_finish(job, UploadJob.Status.FAILED, refused=refused)


def upload_job_run(*, job_id: int) -> None:
    """Run (or resume) an upload job to its end; what the task worker calls. Never raises for bad input."""
    job = _job_claim(job_id)
    if job is None:
        return
    try:
        _journal_sweep(job)
        if job.attempts > settings.UPLOAD_JOB_MAX_ATTEMPTS:
            raise Refused(
                "gave_up",
                gettext_noop("the worker stopped {count} times while processing this upload; gave up"),
                count=job.attempts - 1,
            )
        if job.kind == UploadJob.Kind.ARCHIVE:
            images_ingest_zip(job=job)
        else:
            images_ingest_files(job=job)
    except Refused as refused:
        _job_fail(job, refused)
    except Exception:
        logger.exception("upload job %s crashed", job.pk)
        _job_fail(
            job,
            Refused(
                "internal_error", gettext_noop("The upload stopped on an internal error; it was logged.")
            ),
        )


def images_ingest_zip(*, job: UploadJob) -> None:
    """Ingest the job's ZIP archive: every entry is placed by `uploads.layout` and reported on."""
    limits = Limits.current()
    path = Path(job.spool) / "00000"
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive_entries(archive, limits=limits)
    except FileNotFoundError as exc:
        raise Refused(
            "spool_missing", gettext_noop("the uploaded file is no longer there; upload it again")
        ) from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise Refused(
            "not_a_zip", gettext_noop("the file is not a readable ZIP archive ({detail})"), detail=str(exc)
        ) from exc
    with _ThreadArchives(path) as archives:
        _Ingest(job, entries, archives.get, limits).run()


def images_ingest_files(*, job: UploadJob) -> None:
    """Ingest single uploaded photos into the job's album and article, through the same path as a ZIP."""
    limits = Limits.current()
    spool = Path(job.spool)
    if not spool.is_dir():
        raise Refused(
            "spool_missing", gettext_noop("the uploaded files are no longer there; upload them again")
        )
    entries = [
        file_entry(index, name=name, path=spool / f"{index:05d}", limits=limits)
        for index, name in enumerate(job.file_names)
    ]
    _Ingest(job, entries, lambda: None, limits).run()


class _ThreadArchives:
    """One open ZipFile per pool thread (ZipFile reads share a file position), all closed at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.local = threading.local()
        self.opened: list[zipfile.ZipFile] = []
        self.lock = threading.Lock()

    def get(self) -> zipfile.ZipFile:
        archive = getattr(self.local, "archive", None)
        if archive is None:
            archive = self.local.archive = zipfile.ZipFile(self.path)
            with self.lock:
                self.opened.append(archive)
        return archive

    def __enter__(self) -> "_ThreadArchives":
        return self

    def __exit__(self, *exc_info) -> None:
        for archive in self.opened:
            archive.close()


def _refused_fields(refused: Refused) -> dict:
    """How a refusal is stored on its result row: its code, English template and values (`reason_text`)."""
    return {
        "outcome": Outcome.REFUSED,
        "code": refused.code,
        "reason": refused.template,
        "reason_params": refused.params,
    }


def _result_settle(journal: UploadResult, **fields) -> UploadResult:
    """Replace a pending journal row by the entry's final result (call inside a transaction).

    The final row is a new row, so result ids grow in the order entries finish: API clients follow the
    results with `after=<last id seen>`.
    """
    journal.delete()
    return UploadResult.objects.create(
        job_id=journal.job_id,
        entry_index=journal.entry_index,
        name=journal.name,
        article=journal.article,
        **fields,
    )


@dataclass
class _Prepared:
    entry: Entry
    source: BinaryIO
    sha256: str
    info: PictureInfo


@dataclass
class _ArticleWork:
    """Progress of one article within a job (replace mode switches it when `remaining` reaches 0)."""

    article: Article
    base_position: int
    remaining: int = 0
    stored: list[tuple[tuple, Image, list[Thumbnail], UploadResult]] = field(default_factory=list)
    kept: list[tuple[tuple, int, Entry]] = field(default_factory=list)


class _Ingest:
    """One run of a job over its entries. Pool threads only read, decode and store files."""

    def __init__(
        self,
        job: UploadJob,
        entries: list[Entry],
        archive: Callable[[], zipfile.ZipFile | None],
        limits: Limits,
    ) -> None:
        self.job = job
        self.entries = entries
        self.archive = archive
        self.limits = limits
        self.replace = job.mode == UploadJob.Mode.REPLACE
        self.last_progress = 0.0

    # --- set-up -------------------------------------------------------------------------------------------

    def run(self) -> None:
        job = self.job
        done = dict(job.results.values_list("entry_index", "outcome"))
        photos = [entry for entry in self.entries if not entry.ignored and entry.refusal is None]
        self.placement = dict(
            zip(
                (entry.index for entry in photos),
                placements(
                    [entry.parts for entry in photos],
                    archive_name=job.source_name,
                    album=job.album_requested,
                    article=job.article_requested,
                ),
                strict=True,
            )
        )
        job.total = len(self.entries)
        job.ignored = sum(1 for entry in self.entries if entry.ignored)
        self._results_bulk(
            [entry for entry in self.entries if entry.refusal is not None and entry.index not in done]
        )
        self._counts_from_results()
        if not photos:
            job.save(update_fields=["total", "ignored"])
            _job_finish(job, UploadJob.Status.DONE)
            return
        album_name = next(iter(self.placement.values())).album
        try:
            self.album, _ = album_get_or_create(name=album_name, user=job.user)
        except ValidationError as exc:
            raise Refused(
                "invalid_album",
                gettext_noop("album “{name}”: {problems}"),
                name=album_name,
                problems="; ".join(exc.messages),
            ) from exc
        job.album = self.album
        job.save(update_fields=["total", "ignored", "album"])
        try:
            with album_lock(self.album.pk):
                self._process([entry for entry in photos if entry.index not in done])
        except LockBusy as exc:
            raise Refused(
                "album_busy",
                gettext_noop(
                    "the album is busy (a sync, upload or move is working on it); waited {seconds} s"
                ),
                seconds=f"{exc.timeout:g}",
            ) from exc
        self._finish()

    def _results_bulk(self, refused: list[Entry]) -> None:
        UploadResult.objects.bulk_create(
            [
                UploadResult(
                    job=self.job,
                    entry_index=entry.index,
                    name=entry.name[:1000],
                    **_refused_fields(entry.refusal),
                )
                for entry in refused
            ]
        )

    def _counts_from_results(self) -> None:
        counts = dict.fromkeys(Outcome.values, 0)
        for outcome in self.job.results.values_list("outcome", flat=True):
            counts[outcome] += 1
        self.job.added = counts[Outcome.ADDED]
        self.job.duplicates = counts[Outcome.DUPLICATE]
        self.job.refused = counts[Outcome.REFUSED]

    def _articles(self, photos: list[Entry]) -> dict[int, _ArticleWork]:
        """Resolve (create) each photo's article; photos whose article name is unusable are refused."""
        by_name: dict[str, Article | Refused] = {}
        self.work_of: dict[int, _ArticleWork] = {}
        works: dict[int, _ArticleWork] = {}
        for entry in photos:
            sku = self.placement[entry.index].article
            if sku not in by_name:
                try:
                    by_name[sku] = article_get_or_create(album=self.album, sku=sku)[0]
                    by_name[sku].album = self.album  # pool threads name files from it: no query there
                except ValidationError as exc:
                    by_name[sku] = Refused(
                        "invalid_article",
                        gettext_noop("article “{name}”: {problems}"),
                        name=sku,
                        problems="; ".join(exc.messages),
                    )
            article = by_name[sku]
            if isinstance(article, Refused):
                self._result_refused(entry, article)
                continue
            if article.pk not in works:
                last = article.images.order_by("-position").values_list("position", flat=True).first()
                works[article.pk] = _ArticleWork(article, base_position=0 if last is None else last + 1)
            works[article.pk].remaining += 1
            self.work_of[entry.index] = works[article.pk]
        return works

    # --- the pipeline -------------------------------------------------------------------------------------

    def _process(self, photos: list[Entry]) -> None:
        works = self._articles(photos)
        self.known: dict[int, dict[str, int]] = {work.article.pk: {} for work in works.values()}
        for article_id, sha, image_id in Image.objects.filter(article_id__in=list(works)).values_list(
            "article_id", "sha256", "id"
        ):
            self.known[article_id][sha] = image_id
        self.claimed: dict[tuple[int, str], str] = {}
        # Articles one after another, each in layout order: replace mode can switch them early.
        queue = deque(
            sorted(
                (entry for entry in photos if entry.index in self.work_of),
                key=lambda entry: (
                    self.work_of[entry.index].article.pk,
                    self.placement[entry.index].order,
                    entry.index,
                ),
            )
        )
        self.rank: dict[int, int] = {}  # entry index → place among this run's photos of its article
        seen: dict[int, int] = {}
        for entry in queue:
            article_id = self.work_of[entry.index].article.pk
            self.rank[entry.index] = seen[article_id] = seen.get(article_id, -1) + 1
        workers = max(1, settings.UPLOAD_WORKERS)
        limit = workers * 2  # photos in flight: bounds memory whatever the archive's size
        # Prepared photos are taken in queue order, so which of two identical files counts as the duplicate
        # does not depend on thread timing; storing (the slow part) completes in any order.
        preparing: deque[tuple[Future, Entry]] = deque()
        storing: dict[Future, tuple[Entry, UploadResult]] = {}
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest") as pool:
            try:
                while queue or preparing or storing:
                    while queue and len(preparing) + len(storing) < limit:
                        entry = queue.popleft()
                        preparing.append((pool.submit(self._prepare, entry), entry))
                    waiting = [*storing, *(future for future, _entry in list(preparing)[:1])]
                    wait(waiting, timeout=HEARTBEAT_SECONDS, return_when=FIRST_COMPLETED)
                    while preparing and preparing[0][0].done():
                        future, entry = preparing.popleft()
                        self._prepared(future, entry, pool, storing)
                    for future in [future for future in storing if future.done()]:
                        self._stored(future, *storing.pop(future))
                    self._progress()
            finally:
                for future in [*storing, *(future for future, _entry in preparing)]:
                    future.cancel()
        self._progress(force=True)

    def _prepare(self, entry: Entry) -> _Prepared:
        """Pool thread: read the entry, hash it, check its content (no decoding)."""
        source = entry_read(self.archive(), entry, limits=self.limits)
        try:
            sha256 = files.sha256_of(source)
            source.seek(0)
            info = picture_inspect(source, max_pixels=self.limits.pixels)
        except BaseException:
            source.close()
            raise
        return _Prepared(entry, source, sha256, info)

    def _store(self, prepared: _Prepared, image: Image) -> tuple[Image, list[Thumbnail]]:
        """Pool thread: make the thumbnails (one decode), then store the original and the thumbnails."""
        with prepared.source as source:
            try:
                rendered = thumbnails_render(source)
            except Exception as exc:  # any decoder failure means the picture's data is bad
                raise damaged(exc) from exc
            source.seek(0)
            name = (
                image.file.name
            )  # anything already there is an orphan of a killed run, named in its journal
            image.file.name = files.store(name, File(source, name=name))
        try:
            thumbnails = thumbnail_files_store(image=image, rendered=rendered)
        except BaseException:
            files.delete(image.file.name)
            raise
        return image, thumbnails

    def _prepared(self, future: Future, entry: Entry, pool: ThreadPoolExecutor, storing: dict) -> None:
        try:
            prepared = future.result()
        except Refused as refused:
            self._result_refused(entry, refused)
            self._article_step(entry)
            return
        work = self.work_of[entry.index]
        article = work.article
        sha = prepared.sha256
        existing_id = self.known[article.pk].get(sha)
        twin = self.claimed.get((article.pk, sha))
        if existing_id is not None or twin is not None:
            prepared.source.close()
            if self.replace and existing_id is not None:
                work.kept.append((self.placement[entry.index].order, existing_id, entry))
            else:
                self._result_duplicate(entry, article, existing_id, twin)
            self._article_step(entry)
            return
        self.claimed[(article.pk, sha)] = entry.name
        image = Image(
            article=article,
            album=self.album,
            original_name=entry.parts[-1][:255],
            position=work.base_position + self.rank[entry.index],
            sha256=sha,
            bytes=entry.size,
            width=prepared.info.width,
            height=prepared.info.height,
            format=prepared.info.format,
            uploaded_by=self.job.user,
        )
        image.file.name = original_name(
            album_slug=self.album.slug,
            article_slug=article.slug,
            sha256=sha,
            extension=prepared.info.extension,
        )
        journal = UploadResult.objects.create(
            job=self.job,
            entry_index=entry.index,
            name=entry.name[:1000],
            outcome=Outcome.PENDING,
            article=article,
            files=[image.file.name]
            + [thumbnail_storage_name(image=image, spec=spec) for spec in THUMBNAIL_SPECS],
        )
        storing[pool.submit(self._store, prepared, image)] = (entry, journal)

    def _stored(self, future: Future, entry: Entry, journal: UploadResult) -> None:
        try:
            image, thumbnails = future.result()
        except Refused as refused:
            with transaction.atomic():
                _result_settle(journal, **_refused_fields(refused))
            self.job.refused += 1
            self._article_step(entry)
            return
        work = self.work_of[entry.index]
        if self.replace:
            work.stored.append((self.placement[entry.index].order, image, thumbnails, journal))
        else:
            with transaction.atomic():
                self._rows_create(image, thumbnails, journal)
                # counted with the photo, not once the article is done: an export sized meanwhile has a
                # column for it
                article_counts_refresh(articles=Article.objects.filter(pk=work.article.pk))
            self.known[work.article.pk][image.sha256] = image.pk
            self.job.added += 1
        self._article_step(entry)

    def _rows_create(self, image: Image, thumbnails: list[Thumbnail], journal: UploadResult) -> None:
        image.save()
        Thumbnail.objects.bulk_create(thumbnails)
        _result_settle(journal, outcome=Outcome.ADDED, image=image)

    def _article_step(self, entry: Entry) -> None:
        work = self.work_of[entry.index]
        work.remaining -= 1
        if work.remaining == 0 and self.replace:
            self._article_switch(work)  # add mode counted each photo as it was stored

    def _article_switch(self, work: _ArticleWork) -> None:
        """Replace mode: make the article's photos exactly the upload's, in one transaction."""
        if not work.stored and not work.kept:
            return  # nothing usable arrived for it: leave the article as it was
        article = work.article
        kept_ids = {image_id for _order, image_id, _entry in work.kept}
        old = list(article.images.exclude(pk__in=kept_ids).prefetch_related("thumbnails"))
        with transaction.atomic():
            self.job.files_to_delete = [image.file.name for image in old] + [
                thumb.file.name for image in old for thumb in image.thumbnails.all()
            ]
            self.job.save(update_fields=["files_to_delete"])
            Image.objects.filter(pk__in=[image.pk for image in old]).delete()
            for _order, image, thumbnails, journal in work.stored:
                self._rows_create(image, thumbnails, journal)
            kept = Image.objects.in_bulk(kept_ids)
            ordered = sorted(
                [(order, image) for order, image, _thumbs, _journal in work.stored]
                + [(order, kept[image_id]) for order, image_id, _entry in work.kept],
                key=lambda pair: pair[0],
            )
            for position, (_order, image) in enumerate(ordered):
                image.position = position
            Image.objects.bulk_update([image for _order, image in ordered], ["position"])
            for _order, image_id, entry in work.kept:
                self._result_duplicate(entry, article, image_id, None, kept=True)
            article_counts_refresh(articles=Article.objects.filter(pk=article.pk))
        UploadJob.objects.filter(pk=self.job.pk).update(files_to_delete=[])
        self.job.files_to_delete = []
        self.job.added += len(work.stored)
        self.job.removed += len(old)

    # --- results and progress -----------------------------------------------------------------------------

    def _result_refused(self, entry: Entry, refused: Refused) -> None:
        UploadResult.objects.create(
            job=self.job,
            entry_index=entry.index,
            name=entry.name[:1000],
            **_refused_fields(refused),
        )
        self.job.refused += 1

    def _result_duplicate(
        self, entry: Entry, article: Article, image_id: int | None, twin: str | None, *, kept: bool = False
    ) -> None:
        if kept:
            reason, params = gettext_noop("already in article “{sku}”: kept"), {"sku": article.sku}
        elif image_id is not None:
            reason, params = (
                gettext_noop("the same photo is already in article “{sku}”"),
                {"sku": article.sku},
            )
        else:
            reason, params = (
                gettext_noop("the same photo appears earlier in this upload ({name})"),
                {"name": twin},
            )
        UploadResult.objects.create(
            job=self.job,
            entry_index=entry.index,
            name=entry.name[:1000],
            outcome=Outcome.DUPLICATE,
            code="duplicate",
            reason=reason,
            reason_params=params,
            article=article,
            image_id=image_id,
        )
        self.job.duplicates += 1

    def _progress(self, *, force: bool = False) -> None:
        now = timezone.now()
        if not force and now.timestamp() - self.last_progress < PROGRESS_SECONDS:
            return
        self.last_progress = now.timestamp()
        self.job.heartbeat_at = now
        self.job.save(update_fields=["added", "duplicates", "refused", "removed", "heartbeat_at"])

    def _finish(self) -> None:
        if not self.replace:
            self._positions_compact()
        changed = self.job.added or self.job.removed
        if changed:
            Album.objects.filter(pk=self.album.pk).update(updated_at=timezone.now())
        _job_finish(self.job, UploadJob.Status.DONE)

    def _positions_compact(self) -> None:
        """Add mode: earlier photos of each article first, then this upload's in layout order, from 0."""
        added = dict(self.job.results.filter(outcome=Outcome.ADDED).values_list("image_id", "entry_index"))
        article_ids = set(
            Image.objects.filter(pk__in=[pk for pk in added if pk]).values_list("article_id", flat=True)
        )
        for article_id in article_ids:
            images = list(Image.objects.filter(article_id=article_id).order_by("position", "id"))
            earlier = [image for image in images if image.pk not in added]
            mine = sorted(
                (image for image in images if image.pk in added),
                key=lambda image: (self.placement[added[image.pk]].order, added[image.pk]),
            )
            changed = []
            for position, image in enumerate(earlier + mine):
                if image.position != position:
                    image.position = position
                    changed.append(image)
            Image.objects.bulk_update(changed, ["position"])
