"""Reconcile storage and the catalogue in both directions (`manage.py sync_storage`, `POST /api/sync`).

A run goes album by album, holding the album's lock (`gallery.locks`) so that no upload or other sync works
on the album meanwhile: it catalogues the album's hand-copied files (`uploads.inbox`), then checks its rows
against its files (`gallery.integrity`). Only `gallery.files` touches storage, so it works on the filesystem
and on S3 alike. `dry_run` reports everything and changes nothing. A second run right after a first one finds
nothing to do. Each run is a SyncRun row, written to the action log when it ends.
"""

import logging
from collections import defaultdict
from dataclasses import asdict

from django.utils import timezone

from core.audit import audit
from gallery import files
from gallery.files import ORIGINALS_PREFIX, THUMBNAILS_PREFIX
from gallery.integrity import Progress, SyncOptions, SyncReport, no_progress
from gallery.locks import LockBusy, album_lock, named_lock
from gallery.models import Album, Image, name_key
from gallery.services import (
    album_counters_refresh,
    article_counts_refresh,
)
from uploads.inbox import InboxCataloguing, Stray
from uploads.leases import lease_heartbeat, lease_take
from uploads.models import SyncRun

logger = logging.getLogger(__name__)

SYNC_LOCK = "sync"


class _Sync(InboxCataloguing):
    """One run over every album in scope."""

    def run(self) -> SyncReport:
        albums_by_slug = {album.slug: album for album in Album.all_objects.all()}  # the trash's folders too
        outside = list(files.walk(self.inbox))
        for folder in files.folders(ORIGINALS_PREFIX):
            if folder not in albums_by_slug:
                outside += files.walk(f"{ORIGINALS_PREFIX}{folder}/")
        outside += [(path, size) for path, size in files.top_files(ORIGINALS_PREFIX)]
        by_album: dict[str, list[Stray]] = defaultdict(list)
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
            # with the albums this run created, and those in the trash
            slugs = set(Album.all_objects.values_list("slug", flat=True))
            for folder in files.folders(THUMBNAILS_PREFIX):
                if folder not in slugs:
                    self.orphans_handle([path for path, _size in files.walk(f"{THUMBNAILS_PREFIX}{folder}/")])
        self.progress("albums", total, total)
        return self.report

    def _albums_in_scope(self) -> list[Album]:
        albums = Album.objects.order_by("name_key")
        if self.options.album:
            wanted = self.options.album.strip()
            albums = albums.filter(name_key=name_key(wanted)) | albums.filter(slug=wanted)
        return list(albums)

    def _album_locked(self, album: Album, strays: list[Stray], *, new: bool = False) -> None:
        """Under the album's lock: catalogue hand-copied files, then check rows against files."""
        try:
            with album_lock(album.pk):
                self._album_work(album, strays, new=new)
        except LockBusy as exc:
            self.report.error(f"{ORIGINALS_PREFIX}{album.slug}/", str(exc))

    def _album_work(self, album: Album, strays: list[Stray], *, new: bool = False) -> None:
        listing = {} if new else dict(files.walk(f"{ORIGINALS_PREFIX}{album.slug}/"))
        referenced = set(Image.all_objects.filter(album=album).values_list("file", flat=True))  # trash too
        strays = strays + self._strays(
            [(path, size) for path, size in listing.items() if path not in referenced], album=album
        )
        if strays:
            self._catalogue(album, strays)
            if not new and not self.options.dry_run:
                listing = dict(files.walk(f"{ORIGINALS_PREFIX}{album.slug}/"))
        if not new:
            self.album_check(album, listing)
        if not self.options.dry_run:
            article_counts_refresh(articles=album.articles.all())  # the whole album: sync also repairs
            album_counters_refresh(album_id=album.pk)


def storage_sync(*, options: SyncOptions, progress: Progress = no_progress) -> SyncReport:
    """Run one reconciliation (see the module docstring); raises LockBusy if another sync is running."""
    with named_lock(SYNC_LOCK, timeout=0):
        return _Sync(options, progress).run()


def sync_run_create(*, options: SyncOptions, trigger: str, user=None) -> SyncRun:
    """Record a sync that is about to run (command) or to be queued (API)."""
    return SyncRun.objects.create(trigger=trigger, user=user, options=asdict(options))


def sync_run_execute(*, run: SyncRun, progress: Progress = no_progress, request=None) -> SyncReport | None:
    """Run the sync `run` describes under its lease (`uploads.leases`), keep its outcome on the row and write
    it to the action log; None when it was already finished or a live worker runs it.

    Raises LockBusy (recorded as a failed run) when another sync is running. An interruption (Ctrl-C, a
    stopped process) is recorded as a failure too; a killed one is found by its stale heartbeat.
    """
    options = SyncOptions(**run.options)
    if lease_take(SyncRun, run.pk) is None:
        return None
    run.refresh_from_db()
    try:
        with lease_heartbeat(run):
            report = storage_sync(options=options, progress=progress)
    except BaseException as exc:
        run.status, run.finished_at = SyncRun.Status.FAILED, timezone.now()
        if isinstance(exc, LockBusy):
            run.error = f"another sync is running: {exc}"
        elif isinstance(exc, Exception):
            run.error = f"failed: {exc}"
        else:
            run.error = f"interrupted ({type(exc).__name__})"
        run.save(update_fields=["status", "finished_at", "error"])
        raise
    outcome = report.as_dict()
    run.status, run.finished_at = SyncRun.Status.DONE, timezone.now()
    run.counts, run.problems, run.in_sync = outcome["counts"], outcome["problems"], report.in_sync
    run.save(update_fields=["status", "finished_at", "counts", "problems", "in_sync"])
    audit(
        action="storage_sync",
        user=run.user,
        request=request,
        username="" if run.user else "manage.py sync_storage",
        obj=run,
        details={"options": run.options, "counts": run.counts, "in_sync": report.in_sync},
    )
    return report


def sync_run(*, options: SyncOptions, progress: Progress = no_progress, user=None) -> SyncReport:
    """Run a sync now (the management command)."""
    run = sync_run_create(options=options, trigger=SyncRun.Trigger.COMMAND, user=user)
    return sync_run_execute(run=run, progress=progress)
