"""The inbox: photos put into storage by hand, catalogued with the upload rules (an ingest).

- `incoming/<album>/<article>/<photo>` (the inbox, `SYNC_INBOX`; `<album>` and `<article>` are names,
  Cyrillic welcome, and photos directly in `<album>/` follow the Ozon `RC18_1.jpg` naming);
- any file under `originals/` that no row references (a restored backup, a file copied next to others): its
  folders name the album and article (an existing album's or article's slug counts as that one).

Each is validated, its thumbnails made, then the hand-copied file is removed (the photo now lives under its
generated name). An original that changed in place is re-processed the same way (`original_changed`).
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from core.text import text_clean
from gallery import files
from gallery.files import ORIGINALS_PREFIX
from gallery.integrity import CatalogueCheck, Progress, SyncOptions
from gallery.models import Album, Article, Image, name_key
from gallery.paths import original_name
from gallery.services import (
    album_get_or_create,
    article_get_or_create,
    image_content_replace,
    image_create,
)
from gallery.thumbnails import (
    RenderedThumbnail,
    thumbnail_files_discard,
    thumbnail_files_store,
    thumbnails_render,
)
from uploads.layout import placements
from uploads.names import is_junk, path_parts
from uploads.validation import Limits, PictureInfo, Refused, damaged, picture_inspect

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class Stray:
    """A file no row references, and where the layout rule places it."""

    path: str
    size: int
    album: str
    article: str
    order: tuple
    file_name: str


class InboxCataloguing(CatalogueCheck):
    """A catalogue check that also catalogues hand-copied files and re-processes changed originals."""

    def __init__(self, options: SyncOptions, progress: Progress) -> None:
        super().__init__(options, progress)
        self.limits = Limits.current()
        self.inbox = settings.SYNC_INBOX.strip("/") + "/"

    def _strays(self, files: list[tuple[str, int]], *, album: Album | None = None) -> list[Stray]:
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
                    Stray(path, size, placement.album, placement.article, placement.order, parts[-1])
                )
        return strays

    def _new_album(self, strays: list[Stray]) -> None:
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

    def _catalogue(self, album: Album, strays: list[Stray]) -> None:
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

    def _article_for(self, album: Album, stray: Stray) -> Article | None:
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

    def _catalogue_one(self, album: Album, article: Article, stray: Stray, position: int) -> bool:
        """Validate, store and catalogue one hand-copied file; True when a photo was added."""
        if Image.objects.filter(file=stray.path).exists():
            return False  # catalogued meanwhile (an upload finished before this album's lock was taken)
        if stray.size > self.limits.file_bytes:
            self.report.note("refused", stray.path, f"larger than {self.limits.file_bytes} bytes")
            return False
        read = self._noting_failures(stray, "read", lambda: self._read(stray.path))
        if read is None:
            return False
        sha, info = read
        if article.pk and article.images.filter(sha256=sha).exists():
            self.report.note("duplicates", stray.path, f"already in {album.name} / {article.sku}")
            if not self.options.dry_run:
                self.delete_later([stray.path])
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
        stored = self._noting_failures(stray, "store", lambda: self._store(image, stray.path, target))
        if stored is None:
            return False
        written, rendered_thumbnails = stored
        try:
            thumbnails = thumbnail_files_store(image=image, rendered=rendered_thumbnails)
            try:
                with transaction.atomic():
                    image_create(image=image, thumbnails=thumbnails)
                    if stray.path != image.file.name:
                        self.delete_later([stray.path])
            except BaseException:
                thumbnail_files_discard(thumbnails)
                raise
        except BaseException:
            if written:
                files.delete(image.file.name)
            raise
        self.report.note("catalogued", stray.path, f"{album.name} / {article.sku}")
        return True

    def _noting_failures(self, stray: Stray, doing: str, step: Callable[[], T]) -> T | None:
        """`step()`'s result, or None when it refuses the file (noted "refused" with the reason) or storage
        fails (an error "cannot <doing>")."""
        try:
            return step()
        except Refused as refused:
            self.report.note("refused", stray.path, refused.message)
        except OSError as exc:
            self.report.error(stray.path, f"cannot {doing}: {exc}")
        return None

    def _read(self, path: str) -> tuple[str, PictureInfo]:
        """The file's sha256 and what its picture is; raises Refused or OSError."""
        sha = files.file_sha256(path)
        with files.open_file(path) as source:
            return sha, picture_inspect(source, max_pixels=self.limits.pixels)

    def _store(self, image: Image, source: str, target: str) -> tuple[bool, list[RenderedThumbnail]]:
        """Place the original under `target` (as `image.file`) and render its thumbnails; returns (written,
        rendered thumbnails); raises Refused or OSError."""
        image.file.name, written = self._place_original(source, target)
        return written, self._render(image)

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

    def original_changed(self, image: Image, size: int) -> bool:
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
            image_content_replace(image=image, thumbnails=thumbnails)
            stale = [
                name
                for name in [*old_files, old_name]
                if name not in {new_name, *(t.file.name for t in thumbnails)}
            ]
            self.delete_later(stale)
        self.report.note("changed", old_name, f"now {new_name}")
        return True
