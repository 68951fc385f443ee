"""The trash: what `gallery.services` deleted stays here `TRASH_DAYS` days, to be restored or purged.

A delete gives the row and everything under it one moment (`deleted_at`). Restoring the row brings back what
went with it (the rows of the same moment), and the parents it needs: a photo whose article is in the trash
brings the article back, an article whose album is in the trash brings the album back, each with what went
with it. A parent is never purged before its children (they went to the trash with it or before it), so a
photo in the trash always has its article and album. Files never leave storage while their rows are here.

Purging deletes rows for good in short transactions, photos first, then articles, then albums; their files
leave storage once each commits (`gallery.signal_handlers`). The task worker purges what is older than
`TRASH_DAYS` (`uploads.worker.DUTIES`); an administrator empties the whole trash from the admin.
"""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import Actor, audit
from gallery.locks import LockBusy, albums_locked
from gallery.models import Album, Article, Image
from gallery.moves import MOVE_LOCK_TIMEOUT
from gallery.services import album_counters_refresh, article_counts_refresh

PURGE_BATCH = 200  # rows per purge transaction (each photo's thumbnails go with it)
KINDS: dict[str, type[Model]] = {"album": Album, "article": Article, "photo": Image}


@dataclass
class TrashEntry:
    """One thing deleted on its own: an album, an article of a live album, a photo of a live article."""

    kind: str  # a key of KINDS
    row: Album | Article | Image


@dataclass
class TrashListing:
    entries: list[TrashEntry]  # the newest `limit`
    total: int  # entries in the whole trash


def trash_entries(*, limit: int = 500) -> TrashListing:
    """What the trash holds, newest deletion first, at most `limit` entries; rows that went with their album
    or article are part of that entry, not entries of their own (six queries)."""
    kinds = {
        "album": Album.trashed.all(),
        "article": Article.trashed.select_related("album").exclude(album__deleted_at=F("deleted_at")),
        "photo": Image.trashed.select_related("article", "album").exclude(
            article__deleted_at=F("deleted_at")
        ),
    }
    entries = [
        TrashEntry(kind, row)
        for kind, rows in kinds.items()
        for row in rows.order_by("-deleted_at", "-pk")[:limit]
    ]
    entries.sort(key=lambda entry: (entry.row.deleted_at, entry.kind, entry.row.pk), reverse=True)
    return TrashListing(entries[:limit], sum(rows.count() for rows in kinds.values()))


def trash_restore(*, kind: str, pk: int, actor: Actor | None) -> Album | Article | Image:
    """Bring the trashed `kind` row `pk` back with what went with it and the parents it needs (see the
    module). Raises ValidationError, restoring nothing, if a live album already has its name (an article its
    SKU, a photo its content), if it is not in the trash, or if its album stays busy."""
    row = KINDS[kind].trashed.filter(pk=pk).first()
    if row is None:
        raise ValidationError(gettext("This item is no longer in the trash."))
    album_id = row.pk if kind == "album" else row.album_id
    try:
        with albums_locked([album_id], timeout=MOVE_LOCK_TIMEOUT), transaction.atomic():
            {"album": _album_restore, "article": _article_restore, "photo": _photo_restore}[kind](row)
            article_counts_refresh(articles=Article.objects.filter(album_id=album_id))
            album_counters_refresh(album_id=album_id)
            if actor is not None:
                actor.record(action="trash_restore", obj=row, details={"kind": kind})
    except LockBusy as busy:
        raise ValidationError(str(busy)) from busy
    return row


def _row_restore(row: Album | Article, *, taken: bool, refusal: str, also: list[QuerySet]) -> None:
    """Bring `row` back with the rows that went to the trash with it (`also`, restored first), or raise
    ValidationError(`refusal`) when its name is `taken` by a live row, leaving everything as it was."""
    if taken:
        raise ValidationError(refusal)
    for rows in also:
        rows.update(deleted_at=None)
    type(row).trashed.filter(pk=row.pk).update(deleted_at=None)
    row.deleted_at = None


def _parent_restored_first(row: Article | Image, parent: Album | Article, restore: Callable) -> bool:
    """Restore `parent` first if it is in the trash (`restore(parent)`); True when that brought `row` back too
    (they went to the trash together)."""
    if parent.deleted_at is None:
        return False
    restore(parent)
    row.refresh_from_db(fields=["deleted_at"])
    return row.deleted_at is None


def _album_restore(album: Album) -> None:
    moment = album.deleted_at
    _row_restore(
        album,
        taken=Album.objects.filter(name_key=album.name_key).exists(),
        refusal=gettext("An album named “{name}” exists: rename it before restoring this one.").format(
            name=album.name
        ),
        also=[
            Image.trashed.filter(album=album, deleted_at=moment),
            Article.trashed.filter(album=album, deleted_at=moment),
        ],
    )


def _article_restore(article: Article) -> None:
    album = Album.all_objects.get(pk=article.album_id)
    if _parent_restored_first(article, album, _album_restore):
        return  # it went with the album
    _row_restore(
        article,
        taken=Article.objects.filter(album_id=article.album_id, sku_key=article.sku_key).exists(),
        refusal=gettext(
            "Album “{album}” has an article “{sku}” again: rename it before restoring this one."
        ).format(album=album.name, sku=article.sku),
        also=[Image.trashed.filter(article=article, deleted_at=article.deleted_at)],
    )


def _photo_restore(image: Image) -> None:
    """Back at its place among the article's photos: after those that were before it."""
    article = Article.all_objects.get(pk=image.article_id)
    if _parent_restored_first(image, article, _article_restore):
        return  # it went with the article
    live = list(Image.objects.filter(article_id=image.article_id).order_by("position", "id"))
    if any(other.sha256 == image.sha256 for other in live):
        raise ValidationError(
            gettext("Article “{sku}” already holds the same photo.").format(sku=article.sku)
        )
    before = sum(1 for other in live if (other.position, other.pk) < (image.position, image.pk))
    image.deleted_at = None
    ordered = [*live[:before], image, *live[before:]]
    for position, photo in enumerate(ordered):
        photo.position = position
    Image.all_objects.bulk_update(ordered, ["position", "deleted_at"])


def trash_purge(*, now: datetime.datetime | None = None) -> dict[str, int]:
    """Delete for good what has been in the trash longer than `TRASH_DAYS`; returns what went, by kind
    (empty when nothing did). A worker duty."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.TRASH_DAYS)
    purged = _purge(cutoff)
    if purged:
        audit(action="trash_purge", username="task worker", object_type="gallery.trash", details=purged)
    return purged


def trash_empty(*, actor: Actor | None) -> dict[str, int]:
    """Delete everything in the trash for good; returns what went, by kind."""
    purged = _purge(None)
    if actor is not None:
        actor.record(action="trash_empty", details=purged)
    return purged


def images_purge(*, images: Iterable[Image]) -> int:
    """Delete photos for good, live or trashed (their files leave storage after the commit), recounting
    their articles and albums; for rows whose file is gone, which the trash could not bring back."""
    ids = [image.pk for image in images]
    with transaction.atomic():
        touched = set(Image.all_objects.filter(pk__in=ids).values_list("album_id", "article_id"))
        deleted = _rows_delete(Image, ids)
        article_counts_refresh(articles=Article.objects.filter(pk__in={pair[1] for pair in touched}))
        for album_id in {pair[0] for pair in touched}:
            album_counters_refresh(album_id=album_id)
    return deleted


def articles_purge(*, articles: Iterable[Article]) -> int:
    """Delete articles for good with their photos, recounting their albums; for empty articles an upload
    made and could not fill, which nobody deleted and so the trash should not show."""
    articles = list(articles)
    with transaction.atomic():
        deleted = _rows_delete(Article, [article.pk for article in articles])
        for album_id in {article.album_id for article in articles}:
            album_counters_refresh(album_id=album_id)
    return deleted


def _purge(cutoff: datetime.datetime | None) -> dict[str, int]:
    purged: dict[str, int] = {}
    for kind, model in (("photo", Image), ("article", Article), ("album", Album)):
        rows = model.trashed.all() if cutoff is None else model.trashed.filter(deleted_at__lt=cutoff)
        while True:
            with transaction.atomic():
                # locked, so that an upload bringing a trashed photo back (`image_create`) waits for this
                ids = list(rows.select_for_update().order_by("pk").values_list("pk", flat=True)[:PURGE_BATCH])
                if not ids:
                    break
                purged[kind] = purged.get(kind, 0) + _rows_delete(model, ids)
    return purged


def _rows_delete(model: type[Model], ids: list[int]) -> int:
    """Delete rows one query per model (cascading to what is under them); files follow on commit."""
    _total, by_model = model.all_objects.filter(pk__in=ids).delete()
    return by_model.get(model._meta.label, 0)
