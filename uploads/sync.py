"""Reconcile storage and the catalogue in both directions (`manage.py sync_storage`, `POST /api/sync`).

What a run does, album by album, holding the album's lock (`gallery.locks`) so that no upload or other sync
works on the album meanwhile:

- photos put into storage by hand are catalogued with the upload rules (layout, content validation,
  thumbnails), then the hand-copied file is removed (the photo now lives under its generated name):
  - `incoming/<album>/<article>/<photo>` (the inbox; `<album>` and `<article>` are names, Cyrillic welcome,
    and photos directly in `<album>/` follow the Ozon `RC18_1.jpg` naming);
  - any file under `originals/` that no row references (a restored backup, a file copied next to others):
    its folders name the album and article (an existing album's or article's slug counts as that one);
- rows whose original is gone are reported, and removed only with `delete_missing`;
- originals whose size differs from their row (or whose hash does, with `checksum`) are re-processed:
  new content hash, dimensions and thumbnails, and the file moves to its new content-addressed name;
- missing thumbnails (no row, or the row's file is gone) and orphan thumbnail files (no row) are reported,
  and generated or deleted with `thumbnails`.

Only the Storage API is used (listing, open, save, delete), so it works on the filesystem and on S3 alike.
`dry_run` reports everything and changes nothing. A second run right after a first one finds nothing to do.
"""

import logging
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.services import action_log_record
from gallery import files
from gallery.files import ORIGINALS_PREFIX, THUMBNAILS_PREFIX
from gallery.locks import LockBusy, album_lock, named_lock
from gallery.models import Album, Article, Image, Thumbnail, name_key
from gallery.paths import original_name
from gallery.services import (
    album_counters_refresh,
    album_get_or_create,
    article_counts_refresh,
    article_get_or_create,
    images_delete,
)
from gallery.specs import THUMBNAIL_SPECS
from gallery.thumbnails import (
    image_thumbnails_generate,
    thumbnail_files_discard,
    thumbnail_files_store,
    thumbnails_render,
)
from uploads.layout import placements
from uploads.models import SyncRun
from uploads.names import is_junk, path_parts, text_clean
from uploads.validation import Limits, Refused, damaged, picture_inspect

logger = logging.getLogger(__name__)

SYNC_LOCK = "sync"
CHECK_CHUNK = 1000  # photos (with their thumbnail rows) read at a time: memory stays flat on big albums
PROGRESS_EVERY = 50

# Summary lines, in the order they are shown: counter key → what it counts.
COUNTERS: dict[str, str] = {
    "checked": "photos checked",
    "catalogued": "hand-copied files catalogued",
    "duplicates": "hand-copied files already catalogued",
    "ignored": "junk files ignored",
    "refused": "files refused",
    "missing": "photos whose original is missing",
    "removed": "rows of missing photos removed",
    "changed": "changed originals re-processed",
    "thumbnails_missing": "thumbnails missing",
    "thumbnails_made": "thumbnails generated",
    "thumbnails_orphan": "orphan thumbnail files",
    "thumbnails_deleted": "orphan thumbnail files deleted",
    "errors": "errors",
}


@dataclass(frozen=True)
class SyncOptions:
    dry_run: bool = False
    album: str = ""  # limit to the album with this name (or slug); "" = everything
    delete_missing: bool = False
    thumbnails: bool = False
    checksum: bool = False  # hash every original, not only those whose size changed


@dataclass
class SyncReport:
    """What a run found and did. `problems` names each file concerned (path, what, detail)."""

    options: SyncOptions
    counts: Counter = field(default_factory=Counter)
    problems: list[dict] = field(default_factory=list)
    unresolved: int = 0  # discrepancies left as they were (dry run, or an option not given)

    def note(self, counter: str, path: str, detail: str = "", *, resolved: bool = True) -> None:
        self.counts[counter] += 1
        if counter in ("refused", "errors", "missing", "changed", "catalogued", "removed", "duplicates"):
            self.problems.append({"path": path, "what": counter, "detail": detail})
        if not resolved:
            self.unresolved += 1

    def error(self, path: str, detail: str) -> None:
        self.note("errors", path, detail, resolved=False)

    @property
    def in_sync(self) -> bool:
        """Storage and catalogue agree after this run (nothing left to fix, no errors)."""
        return self.unresolved == 0

    @property
    def failed(self) -> bool:
        return bool(
            self.counts["errors"] or self.counts["refused"] or self.counts["missing"] > self.counts["removed"]
        )

    def summary(self) -> list[tuple[str, int]]:
        return [(label, self.counts[key]) for key, label in COUNTERS.items()]

    def as_dict(self) -> dict:
        return {
            "counts": {key: self.counts[key] for key in COUNTERS},
            "problems": self.problems[:500],
            "problems_total": len(self.problems),
            "unresolved": self.unresolved,
            "in_sync": self.in_sync,
        }


Progress = Callable[[str, int, int], None]  # (stage, done, total)


def _no_progress(stage: str, done: int, total: int) -> None:
    return None


@dataclass
class _Stray:
    """A file no row references, and where the layout rule places it."""

    path: str
    size: int
    album: str
    article: str
    order: tuple
    file_name: str


class _Sync:
    def __init__(self, options: SyncOptions, progress: Progress) -> None:
        self.options = options
        self.progress = progress
        self.report = SyncReport(options)
        self.limits = Limits.current()
        self.inbox = settings.SYNC_INBOX.strip("/") + "/"

    # --- the run ------------------------------------------------------------------------------------------

    def run(self) -> SyncReport:
        albums_by_slug = {album.slug: album for album in Album.objects.all()}
        outside = list(files.walk(self.inbox))
        for folder in files.folders(ORIGINALS_PREFIX):
            if folder not in albums_by_slug:
                outside += files.walk(f"{ORIGINALS_PREFIX}{folder}/")
        outside += [(path, size) for path, size in files.top_files(ORIGINALS_PREFIX)]
        by_album: dict[str, list[_Stray]] = defaultdict(list)
        for stray in self._strays(outside):
            by_album[name_key(stray.album)].append(stray)
        albums = self._albums_in_scope()
        if self.options.album:
            wanted = {name_key(self.options.album.strip())} | {album.name_key for album in albums}
            by_album = {key: strays for key, strays in by_album.items() if key in wanted}
            if not albums and not by_album:
                self.report.error(
                    self.options.album, "no album has this name or slug, and the inbox has none"
                )
        total, done = len(albums) + len(set(by_album) - {album.name_key for album in albums}), 0
        for album in albums:
            self.progress("albums", done, total)
            self._album_locked(album, by_album.pop(album.name_key, []))
            done += 1
        for album_strays in by_album.values():
            self.progress("albums", done, total)
            self._new_album(album_strays)
            done += 1
        if not self.options.album:
            slugs = set(Album.objects.values_list("slug", flat=True))  # with the albums this run created
            for folder in files.folders(THUMBNAILS_PREFIX):
                if folder not in slugs:
                    self._orphans_handle(
                        [path for path, _size in files.walk(f"{THUMBNAILS_PREFIX}{folder}/")]
                    )
        self.progress("albums", total, total)
        return self.report

    def _albums_in_scope(self) -> list[Album]:
        albums = Album.objects.order_by("name_key")
        if self.options.album:
            wanted = self.options.album.strip()
            albums = albums.filter(name_key=name_key(wanted)) | albums.filter(slug=wanted)
        return list(albums)

    # --- hand-copied files ----------------------------------------------------------------------------------

    def _strays(self, files: list[tuple[str, int]], *, album: Album | None = None) -> list[_Stray]:
        """Place unreferenced files by the layout rule (inside `album`'s folder when given); junk is counted
        and skipped."""
        groups: dict[str, list[tuple[str, int, list[str]]]] = defaultdict(list)
        for path, size in files:
            root = self.inbox if path.startswith(self.inbox) else ORIGINALS_PREFIX
            parts = [text_clean(part) for part in path_parts(path[len(root) :])]
            if not parts or is_junk(parts):
                self.report.note("ignored", path)
                continue
            if len(parts) < 2:
                self.report.note(
                    "refused", path, f"put photos in an album folder: {root}<album>/<article>/<photo>"
                )
                continue
            if album is not None:
                parts[0] = album.name
            groups[f"{root}{parts[0]}"].append((path, size, parts))
        strays = []
        for files_of_group in groups.values():
            top = files_of_group[0][2][0]
            placed = placements([parts for _path, _size, parts in files_of_group], archive_name=top)
            for (path, size, parts), placement in zip(files_of_group, placed, strict=True):
                strays.append(
                    _Stray(path, size, placement.album, placement.article, placement.order, parts[-1])
                )
        return strays

    def _new_album(self, strays: list[_Stray]) -> None:
        name = strays[0].album
        if self.options.dry_run:
            for stray in strays:
                self.report.note(
                    "catalogued", stray.path, f"would go to {name} / {stray.article}", resolved=False
                )
            return
        try:
            album, _created = album_get_or_create(name=name)
        except ValidationError as exc:
            for stray in strays:
                self.report.note("refused", stray.path, f"album “{name}”: {'; '.join(exc.messages)}")
            return
        self._album_locked(album, strays, new=True)

    def _catalogue(self, album: Album, strays: list[_Stray]) -> None:
        articles: dict[str, Article] = {}
        next_position: dict[int, int] = {}
        for stray in sorted(strays, key=lambda item: (name_key(item.article), item.order, item.path)):
            article = articles.get(stray.article)
            if article is None:
                article = self._article_for(album, stray)
                if article is None:
                    continue
                articles[stray.article] = article
            if article.pk not in next_position:
                last = article.images.aggregate(last=Max("position"))["last"]
                next_position[article.pk] = 0 if last is None else last + 1
            if self._catalogue_one(album, article, stray, next_position[article.pk]):
                next_position[article.pk] += 1

    def _article_for(self, album: Album, stray: _Stray) -> Article | None:
        existing = Article.objects.filter(album=album, slug=stray.article).first()
        if existing is not None and stray.path.startswith(ORIGINALS_PREFIX):
            return existing  # an existing article's folder
        if self.options.dry_run:
            return Article.objects.filter(album=album, sku_key=name_key(stray.article)).first() or Article(
                album=album, sku=stray.article, slug=stray.article
            )
        try:
            return article_get_or_create(album=album, sku=stray.article)[0]
        except ValidationError as exc:
            self.report.note("refused", stray.path, f"article “{stray.article}”: {'; '.join(exc.messages)}")
            return None

    def _catalogue_one(self, album: Album, article: Article, stray: _Stray, position: int) -> bool:
        """Validate, store and catalogue one hand-copied file; True when a photo was added."""
        if Image.objects.filter(file=stray.path).exists():
            return False  # catalogued meanwhile (an upload finished before this album's lock was taken)
        if stray.size > self.limits.file_bytes:
            self.report.note("refused", stray.path, f"larger than {self.limits.file_bytes} bytes")
            return False
        try:
            sha = files.file_sha256(stray.path)
            with files.open_file(stray.path) as source:
                info = picture_inspect(source, max_pixels=self.limits.pixels)
        except Refused as refused:
            self.report.note("refused", stray.path, refused.message)
            return False
        except OSError as exc:
            self.report.error(stray.path, f"cannot read: {exc}")
            return False
        if article.pk and article.images.filter(sha256=sha).exists():
            self.report.note("duplicates", stray.path, f"already in {album.name} / {article.sku}")
            if not self.options.dry_run:
                self._delete_later([stray.path])
            return False
        if self.options.dry_run:
            self.report.note(
                "catalogued", stray.path, f"would go to {album.name} / {article.sku}", resolved=False
            )
            return True
        image = Image(
            article=article,
            album=album,
            original_name=stray.file_name[:255],
            position=position,
            sha256=sha,
            bytes=stray.size,
            width=info.width,
            height=info.height,
            format=info.format,
        )
        target = original_name(
            album_slug=album.slug, article_slug=article.slug, sha256=sha, extension=info.extension
        )
        try:
            image.file.name, written = self._place_original(stray.path, target)
            rendered_thumbnails = self._render(image)
        except Refused as refused:
            self.report.note("refused", stray.path, refused.message)
            return False
        except OSError as exc:
            self.report.error(stray.path, f"cannot store: {exc}")
            return False
        try:
            thumbnails = thumbnail_files_store(image=image, rendered=rendered_thumbnails)
            try:
                with transaction.atomic():
                    image.save()
                    Thumbnail.objects.bulk_create(thumbnails)
                    if stray.path != image.file.name:
                        self._delete_later([stray.path])
            except BaseException:
                thumbnail_files_discard(thumbnails)
                raise
        except BaseException:
            if written:
                files.delete(image.file.name)
            raise
        self.report.note("catalogued", stray.path, f"{album.name} / {article.sku}")
        return True

    def _place_original(self, source: str, target: str) -> tuple[str, bool]:
        """Copy `source` to its generated name `target` (unless it is that name); returns (name, written)."""
        if source == target:
            return target, False
        return files.copy(source, target), True  # anything at `target` is an orphan left by a crash

    def _render(self, image: Image):
        try:
            with files.open_file(image.file.name) as source:
                return thumbnails_render(source)
        except Exception as exc:  # any decoder failure means the picture's data is bad
            raise damaged(exc) from exc

    # --- rows against files --------------------------------------------------------------------------------

    def _album_locked(self, album: Album, strays: list[_Stray], *, new: bool = False) -> None:
        """Under the album's lock: catalogue hand-copied files, then check rows against files."""
        try:
            with album_lock(album.pk):
                self._album_work(album, strays, new=new)
        except LockBusy as exc:
            self.report.error(f"{ORIGINALS_PREFIX}{album.slug}/", str(exc))

    def _album_work(self, album: Album, strays: list[_Stray], *, new: bool = False) -> None:
        listing = {} if new else dict(files.walk(f"{ORIGINALS_PREFIX}{album.slug}/"))
        referenced = set(album.images.values_list("file", flat=True))
        strays = strays + self._strays(
            [(path, size) for path, size in listing.items() if path not in referenced], album=album
        )
        if strays:
            self._catalogue(album, strays)
            if not new and not self.options.dry_run:
                listing = dict(files.walk(f"{ORIGINALS_PREFIX}{album.slug}/"))
        if not new:
            self._album_check(album, listing)
        if not self.options.dry_run:
            article_counts_refresh(articles=album.articles.all())  # the whole album: sync also repairs
            album_counters_refresh(album_id=album.pk)

    def _album_check(self, album: Album, originals: dict[str, int]) -> None:
        thumbnails = dict(files.walk(f"{THUMBNAILS_PREFIX}{album.slug}/"))
        images = album.images.select_related("article").prefetch_related("thumbnails").order_by("id")
        total = images.count()
        missing: list[Image] = []
        for index, image in enumerate(images.iterator(chunk_size=CHECK_CHUNK)):
            if index % PROGRESS_EVERY == 0:
                self.progress(f"album {album.slug}", index, total)
            self.report.counts["checked"] += 1
            name = image.file.name
            size = originals.get(name)
            if size is None and files.exists(name):
                size = files.size(name)  # stored outside the album's folder
            if size is None:
                missing.append(image)
                continue
            if (size != image.bytes or self.options.checksum) and self._changed(image, size):
                continue
            self._thumbnails_check(image, thumbnails)
        self._orphan_thumbnails(album, thumbnails)  # before rows of missing photos go, with their files
        self._missing(missing)

    def _missing(self, missing: list[Image]) -> None:
        for image in missing:
            self.report.note(
                "missing", image.file.name, f"{image.article.sku} / {image.original_name}", resolved=False
            )
        if missing and self.options.delete_missing and not self.options.dry_run:
            images_delete(images=missing)
            for image in missing:
                self.report.note("removed", image.file.name, f"{image.article.sku} / {image.original_name}")
            self.report.unresolved -= len(missing)

    def _changed(self, image: Image, size: int) -> bool:
        """Re-process an original whose content changed; False when it has not (the hash matches)."""
        try:
            sha = files.file_sha256(image.file.name)
        except OSError as exc:
            self.report.error(image.file.name, f"cannot read: {exc}")
            return True
        if sha == image.sha256:
            return False
        old_name = image.file.name
        try:
            with files.open_file(old_name) as source:
                info = picture_inspect(source, max_pixels=self.limits.pixels)
        except Refused as refused:
            self.report.error(old_name, f"changed and no longer accepted: {refused.message}")
            return True
        clash = image.article.images.filter(sha256=sha).exclude(pk=image.pk).first()
        if clash is not None:
            self.report.error(old_name, f"changed into a copy of photo #{clash.pk} of the same article")
            return True
        if self.options.dry_run:
            self.report.note("changed", old_name, "would be re-processed", resolved=False)
            return True
        album, article = image.album, image.article
        target = original_name(
            album_slug=album.slug, article_slug=article.slug, sha256=sha, extension=info.extension
        )
        old_thumbnails = list(image.thumbnails.all())
        old_files = [thumb.file.name for thumb in old_thumbnails]
        try:
            new_name, written = self._place_original(old_name, target)
        except OSError as exc:
            self.report.error(old_name, f"cannot store: {exc}")
            return True
        image.file.name, image.sha256, image.bytes = new_name, sha, size
        image.width, image.height, image.format = info.width, info.height, info.format
        try:
            rendered_thumbnails = self._render(image)
            thumbnails = thumbnail_files_store(image=image, rendered=rendered_thumbnails)
        except (Refused, OSError) as exc:
            if written:
                files.delete(new_name)
            self.report.error(old_name, f"changed, but its thumbnails cannot be made: {exc}")
            return True
        with transaction.atomic():
            Thumbnail.objects.filter(pk__in=[thumb.pk for thumb in old_thumbnails]).delete()
            image.save(update_fields=["file", "sha256", "bytes", "width", "height", "format"])
            Thumbnail.objects.bulk_create(thumbnails)
            stale = [
                name
                for name in [*old_files, old_name]
                if name not in {new_name, *(t.file.name for t in thumbnails)}
            ]
            self._delete_later(stale)
        self.report.note("changed", old_name, f"now {new_name}")
        return True

    def _thumbnails_check(self, image: Image, thumbnails: dict[str, int]) -> None:
        rows = list(image.thumbnails.all())
        gone = [thumb for thumb in rows if thumb.file.name not in thumbnails]
        missing = len(THUMBNAIL_SPECS) - len(rows) + len(gone)
        if not missing:
            return
        resolved = self.options.thumbnails and not self.options.dry_run
        for _ in range(missing):
            self.report.note("thumbnails_missing", image.file.name, resolved=resolved)
        if not resolved:
            return
        try:
            # Rows whose file is gone are rewritten in place (deleting them would delete, on commit, the
            # file regenerated under the same name).
            image_thumbnails_generate(image=image, missing_only=not gone)
        except Exception as exc:  # a photo that no longer decodes is reported, the run goes on
            self.report.error(image.file.name, f"thumbnails cannot be made: {exc}")
            return
        self.report.counts["thumbnails_made"] += missing

    def _orphan_thumbnails(self, album: Album, thumbnails: dict[str, int]) -> None:
        known = set(Thumbnail.objects.filter(image__album=album).values_list("file", flat=True))
        self._orphans_handle([name for name in thumbnails if name not in known])

    def _orphans_handle(self, orphans: list[str]) -> None:
        resolved = self.options.thumbnails and not self.options.dry_run
        for name in orphans:
            self.report.note("thumbnails_orphan", name, resolved=resolved)
            if resolved:
                files.delete(name)
                self.report.counts["thumbnails_deleted"] += 1

    def _delete_later(self, names: list[str]) -> None:
        """Delete files once the current transaction commits (at once outside one)."""
        files.delete_on_commit(names)


def storage_sync(*, options: SyncOptions, progress: Progress = _no_progress) -> SyncReport:
    """Run one reconciliation (see the module docstring); raises LockBusy if another sync is running."""
    with named_lock(SYNC_LOCK, timeout=0):
        return _Sync(options, progress).run()


def sync_run_create(*, options: SyncOptions, trigger: str, user=None) -> SyncRun:
    """Record a sync that is about to run (command) or to be queued (API)."""
    return SyncRun.objects.create(trigger=trigger, user=user, options=asdict(options))


def sync_run_execute(*, run: SyncRun, progress: Progress = _no_progress, request=None) -> SyncReport:
    """Run the sync `run` describes, keep its outcome on the row and write it to the action log.

    Raises LockBusy (recorded as a failed run) when another sync is running.
    """
    options = SyncOptions(**run.options)
    run.status, run.started_at = SyncRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    try:
        report = storage_sync(options=options, progress=progress)
    except Exception as exc:
        run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
        run.error = f"another sync is running: {exc}" if isinstance(exc, LockBusy) else f"failed: {exc}"
        run.save(update_fields=["status", "finished_at", "error"])
        raise
    outcome = report.as_dict()
    run.status, run.finished_at = SyncRun.Status.DONE, timezone.now()
    run.counts, run.problems, run.in_sync = outcome["counts"], outcome["problems"], report.in_sync
    run.save(update_fields=["status", "finished_at", "counts", "problems", "in_sync"])
    action_log_record(
        action="storage_sync",
        user=run.user,
        request=request,
        username="" if run.user else "manage.py sync_storage",
        obj=run,
        details={"options": run.options, "counts": run.counts, "in_sync": report.in_sync},
    )
    return report


def sync_run(*, options: SyncOptions, progress: Progress = _no_progress, user=None) -> SyncReport:
    """Run a sync now (the management command)."""
    run = sync_run_create(options=options, trigger=SyncRun.Trigger.COMMAND, user=user)
    return sync_run_execute(run=run, progress=progress)


def sync_run_enqueue(*, options: SyncOptions, user) -> SyncRun:
    """Queue a sync for the task worker (the API); it starts once this transaction commits."""
    from uploads.tasks import storage_sync_process

    run = sync_run_create(options=options, trigger=SyncRun.Trigger.API, user=user)
    transaction.on_commit(lambda: storage_sync_process.enqueue(run.pk))
    return run
