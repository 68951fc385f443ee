"""The ingest pipeline: the photos of one upload job, from its spooled files to catalogue rows.

Per photo: read and hash, check the content (`uploads.validation`), make the thumbnails from one decode
(`gallery.thumbnails`), store the original and the thumbnails, then create the rows in one short transaction,
so that a row exists only when its files do. Reading, checking and rendering run on `UPLOAD_WORKERS` threads,
storing on threads of its own (`uploads.ingest_files`); every database write happens on the job's own thread:
result rows (`uploads.ingest_results`), articles and their order (`uploads.ingest_articles`), photo rows
(here, through `gallery.services`).
"""

import contextlib
import logging
import zipfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from gallery.locks import LockBusy, album_lock
from gallery.models import Article, Image, Thumbnail
from gallery.paths import original_name
from gallery.services import (
    album_get_or_create,
    album_touch,
    article_get_or_create,
    article_photo_counted,
    image_create,
)
from gallery.specs import THUMBNAIL_SPECS
from gallery.thumbnails import thumbnail_storage_name
from uploads.archive import Entry, archive_entries, file_entry
from uploads.ingest_articles import (
    ArticleWork,
    article_switch,
    articles_empty_drop,
    articles_plan,
    positions_compact,
)
from uploads.ingest_files import (
    Prepared,
    ThreadArchives,
    photo_prepare,
    photo_render,
    photo_store,
)
from uploads.ingest_results import (
    job_counts_from_results,
    refused_fields,
    result_duplicate,
    result_pending,
    result_refused,
    result_settle,
    results_refused_bulk,
)
from uploads.layout import layout_warnings, placements
from uploads.leases import lease_renew
from uploads.models import UploadJob, UploadResult
from uploads.spool import spool_folder
from uploads.validation import Limits, Refused

logger = logging.getLogger(__name__)


class AlbumBusy(Exception):
    """The job's album is locked by another job, sync or move; the job should wait in the queue."""


HEARTBEAT_SECONDS = 2.0
ALBUM_TRY_SECONDS = 1.0  # then the job goes back to the queue (`uploads.jobs`) instead of holding a worker
PROGRESS_SECONDS = 0.5
Outcome = UploadResult.Outcome


def images_ingest_zip(*, job: UploadJob) -> None:
    """Ingest the job's ZIP archive: every entry is placed by `uploads.layout` and reported on."""
    limits = Limits.current()
    with spool_folder(job) as folder:
        path = folder / "00000"
        try:
            with zipfile.ZipFile(path) as archive:
                entries = archive_entries(archive, limits=limits)
        except (zipfile.BadZipFile, OSError) as exc:
            raise Refused(
                "not_a_zip",
                gettext_noop("the file is not a readable ZIP archive ({detail})"),
                detail=str(exc),
            ) from exc
        with ThreadArchives(path) as archives:
            _Ingest(job, entries, archives.get, limits).run()


def images_ingest_files(*, job: UploadJob) -> None:
    """Ingest single uploaded photos into the job's album and article, through the same path as a ZIP."""
    limits = Limits.current()
    with spool_folder(job) as folder:
        entries = [
            file_entry(index, name=name, path=folder / f"{index:05d}", limits=limits)
            for index, name in enumerate(job.file_names)
        ]
        _Ingest(job, entries, lambda: None, limits).run()


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
        self.created: list[Article] = []  # articles this run made (see `_article_for`)

    # --- set-up -------------------------------------------------------------------------------------------

    def run(self) -> None:
        job = self.job
        done = dict(job.results.values_list("entry_index", "outcome"))
        photos = [entry for entry in self.entries if not entry.ignored and entry.refusal is None]
        layout = {
            "archive_name": job.source_name,
            "album": job.album_requested,
            "article": job.article_requested,
        }
        paths = [entry.parts for entry in photos]
        self.placement = dict(
            zip((entry.index for entry in photos), placements(paths, **layout), strict=True)
        )
        job.layout_warnings = [warning.as_dict() for warning in layout_warnings(paths, **layout)]
        job.total = len(self.entries)
        job.ignored = sum(1 for entry in self.entries if entry.ignored)
        results_refused_bulk(
            job=job,
            entries=[
                entry for entry in self.entries if entry.refusal is not None and entry.index not in done
            ],
        )
        job_counts_from_results(job)
        if not photos:
            job.save(update_fields=["total", "ignored", "layout_warnings"])
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
        job.save(update_fields=["total", "ignored", "album", "layout_warnings"])
        with contextlib.ExitStack() as held:
            try:
                held.enter_context(album_lock(self.album.pk, timeout=ALBUM_TRY_SECONDS))
            except LockBusy as exc:
                raise AlbumBusy(self.album.name) from exc
            if job.waiting_since is not None:  # it has the album now: no longer waiting
                job.waiting_since = None
                job.save(update_fields=["waiting_since"])
            try:
                self._process([entry for entry in photos if entry.index not in done])
            finally:
                articles_empty_drop(self.created)
        self._finish()

    def _article_for(self, work: ArticleWork) -> Article:
        """The work's article, created now if the upload is the first to put a photo in it."""
        if work.article is None:
            work.article, created = article_get_or_create(album=self.album, sku=work.sku)
            work.article.album = self.album
            if created:
                self.created.append(work.article)
        return work.article

    # --- the pipeline -------------------------------------------------------------------------------------

    def _process(self, photos: list[Entry]) -> None:
        works, self.work_of = articles_plan(
            job=self.job, album=self.album, photos=photos, placement=self.placement
        )
        self.known: dict[str, dict[str, int]] = {key: {} for key in works}
        existing = {work.article.pk: key for key, work in works.items() if work.article is not None}
        for article_id, sha, image_id in Image.objects.filter(article_id__in=list(existing)).values_list(
            "article_id", "sha256", "id"
        ):
            self.known[existing[article_id]][sha] = image_id
        self.claimed: dict[tuple[str, str], str] = {}
        rank_of_work = {key: number for number, key in enumerate(works)}
        # Articles one after another, each in layout order: replace mode can switch them early.
        queue = deque(
            sorted(
                (entry for entry in photos if entry.index in self.work_of),
                key=lambda entry: (
                    rank_of_work[self.work_of[entry.index].key],
                    self.placement[entry.index].order,
                    entry.index,
                ),
            )
        )
        self.rank: dict[int, int] = {}  # entry index → place among this run's photos of its article
        seen: dict[str, int] = {}
        for entry in queue:
            key = self.work_of[entry.index].key
            self.rank[entry.index] = seen[key] = seen.get(key, -1) + 1
        workers = max(1, settings.UPLOAD_WORKERS)
        # Photos in flight: bounds memory whatever the archive's size. Four per thread (one rendering, one
        # ready, two waiting on the storage) measured no faster on S3 and took the peak RSS of a 1 GB ZIP of
        # 32 MB photos from 273 to 368 MB (each multipart upload holds its parts).
        limit = workers * 2
        # Prepared photos are taken in queue order, so which of two identical files counts as the duplicate
        # does not depend on thread timing; storing (the slow part) completes in any order.
        preparing: deque[tuple[Future, Entry]] = deque()
        storing: dict[Future, tuple[Entry, UploadResult]] = {}
        # `workers` threads read, check and render (the CPU work); storing waits on the storage on threads of
        # its own, one per photo in flight, so its round trips overlap the rendering of the next photos.
        with (
            ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ingest") as pool,
            ThreadPoolExecutor(max_workers=limit, thread_name_prefix="ingest-store") as storers,
        ):
            try:
                while queue or preparing or storing:
                    while queue and len(preparing) + len(storing) < limit:
                        entry = queue.popleft()
                        future = pool.submit(photo_prepare, entry, archive=self.archive, limits=self.limits)
                        preparing.append((future, entry))
                    waiting = [*storing, *(future for future, _entry in list(preparing)[:1])]
                    wait(waiting, timeout=HEARTBEAT_SECONDS, return_when=FIRST_COMPLETED)
                    while preparing and preparing[0][0].done():
                        future, entry = preparing.popleft()
                        self._prepared(future, entry, pool, storers, storing)
                    for future in [future for future in storing if future.done()]:
                        self._stored(future, *storing.pop(future))
                    self._progress()
            finally:
                pool.shutdown(cancel_futures=True)  # renders not started never start
                for future in [*storing, *(future for future, _entry in preparing)]:
                    future.cancel()
        self._progress(force=True)

    def _prepared(
        self,
        future: Future,
        entry: Entry,
        pool: ThreadPoolExecutor,
        storers: ThreadPoolExecutor,
        storing: dict,
    ) -> None:
        try:
            prepared: Prepared = future.result()
        except Refused as refused:
            result_refused(job=self.job, entry=entry, refused=refused)
            self._article_step(entry)
            return
        work = self.work_of[entry.index]
        sha = prepared.sha256
        existing_id = self.known[work.key].get(sha)
        twin = self.claimed.get((work.key, sha))
        if existing_id is not None or twin is not None:  # then the article exists: it holds the first copy
            prepared.source.close()
            if self.replace and existing_id is not None:
                work.kept.append((self.placement[entry.index].order, existing_id, entry))
            else:
                result_duplicate(
                    job=self.job, entry=entry, article=work.article, image_id=existing_id, twin=twin
                )
            self._article_step(entry)
            return
        # Rendering needs no row: it starts before the journal is written, so a render thread never waits
        # on this thread's database writes.
        rendered = pool.submit(photo_render, prepared)
        article = self._article_for(work)
        self.claimed[(work.key, sha)] = entry.name
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
        journal = result_pending(
            job=self.job,
            entry=entry,
            article=article,
            names=[image.file.name]
            + [thumbnail_storage_name(image=image, spec=spec) for spec in THUMBNAIL_SPECS],
        )
        storing[storers.submit(photo_store, prepared, image, rendered)] = (entry, journal)

    def _stored(self, future: Future, entry: Entry, journal: UploadResult) -> None:
        try:
            image, thumbnails = future.result()
        except Refused as refused:
            with transaction.atomic():
                result_settle(journal, **refused_fields(refused))
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
                article_photo_counted(article_id=work.article.pk)
            self.known[work.key][image.sha256] = image.pk
            self.job.added += 1
        self._article_step(entry)

    def _rows_create(self, image: Image, thumbnails: list[Thumbnail], journal: UploadResult) -> None:
        image_create(image=image, thumbnails=thumbnails)
        result_settle(journal, outcome=Outcome.ADDED, image=image)

    def _article_step(self, entry: Entry) -> None:
        work = self.work_of[entry.index]
        work.remaining -= 1
        if work.remaining == 0 and self.replace:
            article_switch(job=self.job, work=work)  # add mode counted each photo as it was stored

    # --- progress and the end -----------------------------------------------------------------------------

    def _progress(self, *, force: bool = False) -> None:
        now = timezone.now()
        if not force and now.timestamp() - self.last_progress < PROGRESS_SECONDS:
            return
        self.last_progress = now.timestamp()
        lease_renew(self.job, "added", "duplicates", "refused", "removed")

    def _finish(self) -> None:
        if not self.replace:
            positions_compact(job=self.job, placement=self.placement)
        changed = self.job.added or self.job.removed
        if changed:
            album_touch(album_id=self.album.pk)
