"""Writes that move photos and articles between articles and albums, their files following.

A service module in the conventions' sense (it writes Album, Article, Image and Thumbnail rows and their
files): files are copied to their new names first, rows switched and each move recorded (`core.audit.Actor`)
in one transaction, old files removed after it commits. Every move holds the locks of the albums involved
(`gallery.locks`) and is refused with a ValidationError if one stays busy for `MOVE_LOCK_TIMEOUT`.
"""

import contextlib
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils.translation import gettext

from core.audit import Actor
from gallery import files
from gallery.locks import LockBusy, albums_locked
from gallery.models import FILES_STAY, Album, Article, Image, Thumbnail, name_key
from gallery.paths import original_name, thumbnail_name
from gallery.services import (
    album_counters_refresh,
    article_counts_refresh,
    article_delete,
    article_get_or_create,
    name_clean,
)
from gallery.slugs import slug_unique
from gallery.specs import THUMBNAIL_EXTENSIONS

MOVE_LOCK_TIMEOUT = 5.0  # seconds a move waits for an album a sync or upload is working on


@dataclass
class _Relocation:
    """Where one photo's files go: new names for the original and each thumbnail row."""

    image: Image
    original: str
    thumbnails: dict[int, str] = field(default_factory=dict)

    def old_names(self) -> list[str]:
        names = [self.image.file.name] + [thumb.file.name for thumb in self.image.thumbnails.all()]
        return [name for name in names if name not in self.new_names()]

    def new_names(self) -> set[str]:
        return {self.original, *self.thumbnails.values()}


def _file_copy(source: str, target: str, *, size: int, created: list[str]) -> str:
    """Copy `source` to `target` unless a file of the right size is already there (names are
    content-addressed); names actually written are appended to `created`."""
    if source == target:
        return target
    if files.exists(target) and files.size(target) == size:
        return target
    stored = files.copy(source, target)
    created.append(stored)
    return stored


def _relocations_copy(images: list[Image], *, album_slug: str, article_slug: str) -> tuple[list, list[str]]:
    """Copy the files of `images` to their names under `album_slug/article_slug`; returns the plans and
    the names written (for cleanup if the rows cannot follow)."""
    created: list[str] = []
    plans: list[_Relocation] = []
    try:
        for image in images:
            extension = image.file.name.rsplit(".", 1)[-1]
            target = original_name(
                album_slug=album_slug, article_slug=article_slug, sha256=image.sha256, extension=extension
            )
            plan = _Relocation(image, _file_copy(image.file.name, target, size=image.bytes, created=created))
            for thumb in image.thumbnails.all():
                thumb_target = thumbnail_name(
                    album_slug=album_slug,
                    article_slug=article_slug,
                    sha256=image.sha256,
                    size=thumb.size,
                    extension=THUMBNAIL_EXTENSIONS[thumb.format],
                )
                plan.thumbnails[thumb.pk] = _file_copy(
                    thumb.file.name, thumb_target, size=thumb.bytes, created=created
                )
            plans.append(plan)
    except BaseException:
        files.discard(created)
        raise
    return plans, created


def _relocations_apply(
    plans: list[_Relocation], created: list[str], *, article: Article, positions: Iterator[int] | None, also
) -> None:
    """Point the rows at their new files in one transaction (plus `also()`, in it); old files are removed
    after it commits, the copies if it fails."""
    try:
        with transaction.atomic():
            present = set(
                Image.all_objects.select_for_update()
                .filter(pk__in=[plan.image.pk for plan in plans])
                .values_list("pk", flat=True)
            )
            old_names: list[str] = []
            for plan in plans:
                if plan.image.pk not in present:
                    continue  # purged meanwhile: its copies are removed with the unused ones below
                changes = {"article": article, "album_id": article.album_id, "file": plan.original}
                if positions is not None:
                    changes["position"] = next(positions)
                Image.all_objects.filter(pk=plan.image.pk).update(**changes)
                for thumb_pk, name in plan.thumbnails.items():
                    Thumbnail.objects.filter(pk=thumb_pk).update(file=name)
                old_names += plan.old_names()
            also()
            unused = [
                name
                for plan in plans
                if plan.image.pk not in present
                for name in plan.new_names()
                if name in created
            ]
            files.delete_on_commit(old_names + unused)
    except BaseException:
        files.discard(created)
        raise


def _rows_delete_keeping_files(images: QuerySet[Image]) -> None:
    """Delete photo rows and their thumbnails' rows but not their files, which other rows take over."""
    for image in images.prefetch_related("thumbnails"):
        for thumbnail in image.thumbnails.all():
            setattr(thumbnail, FILES_STAY, True)
            thumbnail.delete()
        setattr(image, FILES_STAY, True)
        image.delete()


@dataclass
class ImagesMoveResult:
    moved: list[Image]
    duplicates: list[Image]  # the article already holds the same content: left where they were


@contextlib.contextmanager
def _albums_locked_for_move(album_ids: Iterable[int]) -> Iterator[None]:
    """The albums' locks (see `gallery.locks`) for a move; a busy album refuses it with a ValidationError."""
    try:
        with albums_locked(album_ids, timeout=MOVE_LOCK_TIMEOUT):
            yield
    except LockBusy as busy:
        raise ValidationError({"album": str(busy)}) from busy


def images_move(*, images: Iterable[Image], article: Article, actor: Actor | None) -> ImagesMoveResult:
    """Move photos into `article` (of any album), after its own photos; their files follow.

    Files are copied to their new names first, rows switched (and each move recorded) in one transaction,
    old files removed after it commits. A photo whose content the article already holds is not moved and is
    reported as a duplicate. Holds the locks of every album involved; raises ValidationError if one stays
    busy.
    """
    ids = [image.pk for image in images]
    album_ids = set(Image.objects.filter(pk__in=ids).values_list("album_id", flat=True)) | {article.album_id}
    with _albums_locked_for_move(album_ids):
        return _images_move(ids, article=article, actor=actor)


def _images_move(ids: list[int], *, article: Article, actor: Actor | None) -> ImagesMoveResult:
    images = list(
        Image.objects.filter(pk__in=ids)
        .prefetch_related("thumbnails")
        .order_by("article_id", "position", "id")
    )
    seen = set(article.images.values_list("sha256", flat=True))
    moving, duplicates = [], []
    for image in images:
        if image.article_id == article.pk:
            continue
        (duplicates if image.sha256 in seen else moving).append(image)
        seen.add(image.sha256)
    if not moving:
        return ImagesMoveResult(moved=[], duplicates=duplicates)
    # A trashed photo of the article with a moving photo's content has the names the move copies to: it goes
    # for good (it is the same photo), leaving those files to the moving one, so that no two rows share one.
    with transaction.atomic():
        _rows_delete_keeping_files(
            Image.trashed.filter(article=article, sha256__in=[image.sha256 for image in moving])
        )
    plans, created = _relocations_copy(moving, album_slug=article.album.slug, article_slug=article.slug)
    last = article.images.aggregate(last=Max("position"))["last"]
    album_ids = {image.album_id for image in moving} | {article.album_id}
    article_ids = {image.article_id for image in moving} | {article.pk}

    def refresh_counters_and_record() -> None:
        article_counts_refresh(articles=Article.objects.filter(pk__in=article_ids))
        for album_id in album_ids:
            album_counters_refresh(album_id=album_id)
        for image in moving if actor is not None else ():
            actor.record(
                action="admin_move_image" if actor.admin else "move_image",
                obj=image,
                details={"to_article": article.sku, "to_album": article.album.name},
            )

    _relocations_apply(
        plans,
        created,
        article=article,
        positions=itertools.count(0 if last is None else last + 1),
        also=refresh_counters_and_record,
    )
    return ImagesMoveResult(moved=moving, duplicates=duplicates)


def article_move(*, article: Article, album: Album, actor: Actor | None) -> Article:
    """Move an article with its photos to another album; files follow (copied first, old ones removed after
    commit), and the move is recorded with the rows. Raises ValidationError if that album already has an
    article with the same SKU, or if one of the two albums stays busy (see `gallery.locks`)."""
    if article.album_id == album.pk:
        return article
    with _albums_locked_for_move({article.album_id, album.pk}):
        return _article_move(article, album=album, actor=actor)


def _article_move(article: Article, *, album: Album, actor: Actor | None) -> Article:
    if Article.objects.filter(album=album, sku_key=article.sku_key).exists():
        raise ValidationError({"album": f"album “{album.name}” already has an article “{article.sku}”"})
    source_album_id, source_album_name = article.album_id, article.album.name
    slug = article.slug
    if Article.all_objects.filter(album=album, slug=slug).exists():
        slug = slug_unique(
            article.sku,
            fallback="article",
            taken=lambda s: Article.all_objects.filter(album=album, slug=s).exists(),
        )
    # the article's trashed photos too, so that a restore finds their files in its folder
    images = list(Image.all_objects.filter(article=article).prefetch_related("thumbnails").order_by("id"))
    plans, created = _relocations_copy(images, album_slug=album.slug, article_slug=slug)
    article.album, article.slug = album, slug

    def switch_article() -> None:
        article.save(update_fields=["album", "slug"])
        album_counters_refresh(album_id=source_album_id)
        album_counters_refresh(album_id=album.pk)
        if actor is not None:
            actor.record(
                action="admin_move_article" if actor.admin else "move_article",
                obj=article,
                details={"from_album": source_album_name, "to_album": album.name},
            )

    _relocations_apply(plans, created, article=article, positions=None, also=switch_article)
    return article


def articles_move(*, articles: Iterable[Article], album: Album, actor: Actor | None) -> list[Article]:
    """Move several articles to `album` (see `article_move`), refused before any of them moves if `album`
    already has one of their SKUs (the message names them all) or an album stays busy."""
    articles = [article for article in articles if article.album_id != album.pk]
    if not articles:
        return []
    with _albums_locked_for_move({article.album_id for article in articles} | {album.pk}):
        keys = [article.sku_key for article in articles]
        taken = list(
            Article.objects.filter(album=album, sku_key__in=keys)
            .order_by("sku_key")
            .values_list("sku", flat=True)
        )
        if taken:
            message = gettext("album “{album}” already has articles with these SKUs: {skus}")
            raise ValidationError({"album": message.format(album=album.name, skus=", ".join(taken))})
        return [_article_move(article, album=album, actor=actor) for article in articles]


def images_move_to_new_article(
    *, images: Iterable[Image], album: Album, sku: str, actor: Actor | None
) -> tuple[Article, ImagesMoveResult]:
    """Create the article `sku` in `album` and move `images` into it, all or nothing: refused if the album
    already has that SKU or an album stays busy; if the move fails, the new article goes again."""
    sku = name_clean(sku, field="sku")
    ids = [image.pk for image in images]
    album_ids = set(Image.objects.filter(pk__in=ids).values_list("album_id", flat=True)) | {album.pk}
    with _albums_locked_for_move(album_ids):
        if Article.objects.filter(album=album, sku_key=name_key(sku)).exists():
            message = gettext("album “{album}” already has an article “{sku}”")
            raise ValidationError({"sku": message.format(album=album.name, sku=sku)})
        article, _created = article_get_or_create(album=album, sku=sku)
        try:
            return article, _images_move(ids, article=article, actor=actor)
        except BaseException:
            article_delete(article=article)
            raise
