"""The ingest pipeline: the photos of one upload job, from its spooled files to catalogue rows.

Per photo: read and hash, check the content (`uploads.validation`), make the thumbnails from one decode
(`gallery.thumbnails`), store the original and the thumbnails, then create the rows in one short transaction,
so that a row exists only when its files do. Reading, decoding and storing run on a thread pool
(`UPLOAD_WORKERS`); every database write happens on the job's own thread.
"""

import logging
import threading
import zipfile
from collections import defaultdict, deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from gallery import files
from gallery.locks import LockBusy, album_lock
from gallery.models import Article, Image, Thumbnail, name_key
from gallery.paths import original_name
from gallery.services import (
    album_get_or_create,
    album_touch,
    article_counts_refresh,
    article_delete,
    article_get_or_create,
    article_photos_replace,
    article_positions_compact,
    image_create,
    name_clean,
)
from gallery.specs import THUMBNAIL_SPECS
from gallery.thumbnails import thumbnail_files_store, thumbnail_storage_name, thumbnails_render
from uploads.archive import Entry, archive_entries, entry_read, file_entry
from uploads.layout import layout_warnings, placements
from uploads.leases import lease_renew
from uploads.models import UploadJob, UploadResult
from uploads.validation import Limits, PictureInfo, Refused, damaged, picture_inspect

logger = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 2.0
PROGRESS_SECONDS = 0.5
Outcome = UploadResult.Outcome


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
    """Progress of one article within a job (replace mode switches it when `remaining` reaches 0).

    `article` is None until the first photo for a new article has passed its content check: an article is
    created only for a photo that is about to be stored, never for refused files.
    """

    key: str  # the SKU's comparison key (`gallery.models.name_key`)
    sku: str
    article: Article | None
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
        self._results_bulk(
            [entry for entry in self.entries if entry.refusal is not None and entry.index not in done]
        )
        self._counts_from_results()
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
        try:
            with album_lock(self.album.pk):
                try:
                    self._process([entry for entry in photos if entry.index not in done])
                finally:
                    self._created_empty_drop()
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

    def _articles(self, photos: list[Entry]) -> dict[str, _ArticleWork]:
        """Find each photo's article (existing ones only: new ones are made by `_article_for`); photos whose
        article name is unusable are refused."""
        by_name: dict[str, _ArticleWork | Refused] = {}
        self.work_of: dict[int, _ArticleWork] = {}
        works: dict[str, _ArticleWork] = {}
        for entry in photos:
            sku = self.placement[entry.index].article
            if sku not in by_name:
                try:
                    cleaned = name_clean(sku, field="article")
                except ValidationError as exc:
                    by_name[sku] = Refused(
                        "invalid_article",
                        gettext_noop("article “{name}”: {problems}"),
                        name=sku,
                        problems="; ".join(exc.messages),
                    )
                else:
                    key = name_key(cleaned)
                    if key not in works:
                        works[key] = self._work_new(key, cleaned)
                    by_name[sku] = works[key]
            work = by_name[sku]
            if isinstance(work, Refused):
                self._result_refused(entry, work)
                continue
            work.remaining += 1
            self.work_of[entry.index] = work
        return works

    def _work_new(self, key: str, sku: str) -> _ArticleWork:
        article = Article.objects.filter(album=self.album, sku_key=key).first()
        last = None
        if article is not None:
            article.album = self.album  # pool threads name files from it: no query there
            last = article.images.order_by("-position").values_list("position", flat=True).first()
        return _ArticleWork(key, sku, article, base_position=0 if last is None else last + 1)

    def _article_for(self, work: _ArticleWork) -> Article:
        """The work's article, created now if the upload is the first to put a photo in it."""
        if work.article is None:
            work.article, created = article_get_or_create(album=self.album, sku=work.sku)
            work.article.album = self.album
            if created:
                self.created.append(work.article)
        return work.article

    # --- the pipeline -------------------------------------------------------------------------------------

    def _process(self, photos: list[Entry]) -> None:
        works = self._articles(photos)
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
        sha = prepared.sha256
        existing_id = self.known[work.key].get(sha)
        twin = self.claimed.get((work.key, sha))
        if existing_id is not None or twin is not None:  # then the article exists: it holds the first copy
            prepared.source.close()
            if self.replace and existing_id is not None:
                work.kept.append((self.placement[entry.index].order, existing_id, entry))
            else:
                self._result_duplicate(entry, work.article, existing_id, twin)
            self._article_step(entry)
            return
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
            self.known[work.key][image.sha256] = image.pk
            self.job.added += 1
        self._article_step(entry)

    def _rows_create(self, image: Image, thumbnails: list[Thumbnail], journal: UploadResult) -> None:
        image_create(image=image, thumbnails=thumbnails)
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
        with transaction.atomic():  # the replaced photos go to the trash, files and all
            ordered = sorted(
                [(order, (image, thumbnails)) for order, image, thumbnails, _journal in work.stored]
                + [(order, image_id) for order, image_id, _entry in work.kept],
                key=lambda pair: pair[0],
            )
            removed = article_photos_replace(article=article, photos=[photo for _order, photo in ordered])
            for _order, image, _thumbnails, journal in work.stored:
                _result_settle(journal, outcome=Outcome.ADDED, image=image)
            for _order, image_id, entry in work.kept:
                self._result_duplicate(entry, article, image_id, None, kept=True)
        self.job.added += len(work.stored)
        self.job.removed += removed

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
        lease_renew(self.job, "added", "duplicates", "refused", "removed")

    def _created_empty_drop(self) -> None:
        """Remove the articles this run made whose every photo failed after its content check (rare: the
        decoder refused it), so no upload leaves an empty article behind."""
        for article in self.created:
            if not Image.objects.filter(article_id=article.pk).exists():
                article_delete(article=article)

    def _finish(self) -> None:
        if not self.replace:
            self._positions_compact()
        changed = self.job.added or self.job.removed
        if changed:
            album_touch(album_id=self.album.pk)

    def _positions_compact(self) -> None:
        """Add mode: earlier photos of each article first, then this upload's in layout order, from 0."""
        added = dict(self.job.results.filter(outcome=Outcome.ADDED).values_list("image_id", "entry_index"))
        by_article: dict[int, list[int]] = defaultdict(list)
        for pk, article_id in Image.objects.filter(pk__in=[pk for pk in added if pk]).values_list(
            "pk", "article_id"
        ):
            by_article[article_id].append(pk)
        for article_id, mine in by_article.items():
            mine.sort(key=lambda pk: (self.placement[added[pk]].order, added[pk]))
            article_positions_compact(article_id=article_id, last=mine)
