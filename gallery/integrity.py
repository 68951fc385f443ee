"""The catalogue's integrity against storage: every photo row has its original and its thumbnails' files,
and no thumbnail file is without its row.

A check goes album by album (the caller holds the album's lock, see `gallery.locks`): rows whose original is
gone are reported, and removed only with `delete_missing`; missing thumbnails (no row, or the row's file is
gone) and orphan thumbnail files are reported, and generated or deleted with `thumbnails`. An original whose
size differs from its row (or whose hash does, with `checksum`) is handed to `original_changed`, which the
caller implements (re-processing a picture follows the upload rules, which gallery does not know).
`dry_run` reports everything and changes nothing.
"""

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from gallery import files
from gallery.files import THUMBNAILS_PREFIX
from gallery.models import Album, Image, Thumbnail
from gallery.specs import THUMBNAIL_SPECS
from gallery.thumbnails import image_thumbnails_generate
from gallery.trash import images_purge

logger = logging.getLogger(__name__)

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


def no_progress(stage: str, done: int, total: int) -> None:
    return None


class CatalogueCheck:
    """Checks albums' rows against their files, noting what it finds (and fixes) in `self.report`."""

    def __init__(self, options: SyncOptions, progress: Progress) -> None:
        self.options = options
        self.progress = progress
        self.report = SyncReport(options)

    def original_changed(self, image: Image, size: int) -> bool:
        """Re-process an original whose content changed; False when it has not. Subclasses implement it."""
        raise NotImplementedError

    def album_check(self, album: Album, originals: dict[str, int]) -> None:
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
            if (size != image.bytes or self.options.checksum) and self.original_changed(image, size):
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
            images_purge(images=missing)
            for image in missing:
                self.report.note("removed", image.file.name, f"{image.article.sku} / {image.original_name}")
            self.report.unresolved -= len(missing)

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
        self.orphans_handle([name for name in thumbnails if name not in known])

    def orphans_handle(self, orphans: list[str]) -> None:
        resolved = self.options.thumbnails and not self.options.dry_run
        for name in orphans:
            self.report.note("thumbnails_orphan", name, resolved=resolved)
            if resolved:
                files.delete(name)
                self.report.counts["thumbnails_deleted"] += 1

    def delete_later(self, names: list[str]) -> None:
        """Delete files once the current transaction commits (at once outside one)."""
        files.delete_on_commit(names)
