"""Writes to the catalogue: every create, rename and delete of albums, articles and photos.

A write that is a user's action of its own (public links, link tokens, moves) takes `actor` and records its
action-log entry itself (`core.audit.Actor`).

Deleting moves rows to the trash (`deleted_at`, see `gallery.models`): files stay, counters drop them at once;
`gallery.trash` restores them or deletes them for good.
"""

import contextlib
import itertools
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import Actor
from core.text import text_clean
from gallery import files
from gallery.locks import LockBusy, albums_locked
from gallery.models import FILES_STAY, Album, Article, Image, Thumbnail, link_token_new, name_key
from gallery.paths import original_name, thumbnail_name
from gallery.slugs import slug_unique
from gallery.specs import THUMBNAIL_EXTENSIONS

logger = logging.getLogger(__name__)

MOVE_LOCK_TIMEOUT = 5.0  # seconds a move waits for an album a sync or upload is working on

NAME_MAX_LENGTH = 200


def name_clean(name: str, *, field: str) -> str:
    """A name or SKU as the user wrote it, `text_clean`ed and trimmed; raises ValidationError if unusable
    (its message in the active language: the request's, or `LANGUAGE_CODE` in the task worker)."""
    cleaned = text_clean(name or "").strip()
    if not cleaned:
        raise ValidationError({field: gettext("must not be empty")})
    if len(cleaned) > NAME_MAX_LENGTH:
        limit = NAME_MAX_LENGTH
        raise ValidationError({field: gettext("must be at most {limit} characters").format(limit=limit)})
    return cleaned


def album_name_clean(name: str, *, field: str = "album") -> str:
    """An album name as `name_clean` makes it; also refused if it holds "/", since every API URL carries
    the album's name as one path segment (SKUs may hold "/": they are the URLs' last part)."""
    cleaned = name_clean(name, field=field)
    if "/" in cleaned:
        raise ValidationError({field: gettext("must not contain “/”")})
    return cleaned


def album_name_free(name: str, *, album: Album | None = None, field: str = "album") -> str:
    """`name` as `album_name_clean` makes it; raises ValidationError (keyed by `field`) if an album other
    than `album` already has it, case-insensitively. The admin's form calls it too: one rule, one message."""
    name = album_name_clean(name, field=field)
    others = Album.objects.filter(name_key=name_key(name)).exclude(pk=album.pk if album else None)
    if others.exists():
        raise ValidationError({field: gettext("An album with this name already exists (names ignore case).")})
    return name


def article_sku_free(
    sku: str, *, album: Album, article: Article | None = None, field: str = "article"
) -> str:
    """`sku` as `name_clean` makes it; raises ValidationError (keyed by `field`) if an article of `album`
    other than `article` already has it, case-insensitively. The admin's form calls it too."""
    sku = name_clean(sku, field=field)
    others = Article.objects.filter(album=album, sku_key=name_key(sku)).exclude(
        pk=article.pk if article else None
    )
    if others.exists():
        raise ValidationError({field: gettext("This album already has an article with this SKU.")})
    return sku


def _created_or_existing(model, lookup: dict, create):
    """Fetch the row matching `lookup`, or create it; a concurrent creator's row wins."""
    for _attempt in range(3):
        existing = model.objects.filter(**lookup).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                return create(), True
        except IntegrityError:
            continue
    raise IntegrityError(f"could not create {model.__name__} for {lookup}")


def album_get_or_create(*, name: str, user: AbstractBaseUser | None = None) -> tuple[Album, bool]:
    """The album called `name` (case-insensitively), created with a fresh unique slug if missing."""
    name = album_name_clean(name)

    def create() -> Album:
        slug = slug_unique(name, fallback="album", taken=lambda s: Album.all_objects.filter(slug=s).exists())
        return Album.objects.create(name=name, slug=slug, created_by=user)

    return _created_or_existing(Album, {"name_key": name_key(name)}, create)


def album_create(*, name: str, description: str = "", user: AbstractBaseUser | None = None) -> Album:
    """Create a new album; raises ValidationError if the name is taken (`album_name_free`)."""
    name = album_name_free(name)
    album, _ = album_get_or_create(name=name, user=user)
    if description:
        album.description = description
        album.save(update_fields=["description", "updated_at"])
    return album


def album_rename(*, album: Album, name: str) -> Album:
    """Rename an album; its slug and files stay where they are. Raises ValidationError if the name is taken
    (`album_name_free`)."""
    name = album_name_free(name, album=album)
    album.name = name
    album.save(update_fields=["name", "name_key", "updated_at"])
    return album


def album_touch(*, album_id: int) -> None:
    """Mark the album as changed now (the albums page sorts by last change)."""
    Album.objects.filter(pk=album_id).update(updated_at=timezone.now())


def album_link_token_regenerate(*, album: Album, actor: Actor | None) -> Album:
    """Give the album a fresh random link token: every public link made with the old one answers 404."""
    with transaction.atomic():
        album.link_token = link_token_new()
        album.save(update_fields=["link_token", "updated_at"])
        if actor is not None:
            actor.record(
                action="admin_regenerate_link_token" if actor.admin else "public_links_regenerate", obj=album
            )
    logger.info("album %s: public link token regenerated", album.pk)
    return album


def article_get_or_create(*, album: Album, sku: str) -> tuple[Article, bool]:
    """The article `sku` in `album` (case-insensitively), created with a unique slug if missing."""
    sku = name_clean(sku, field="article")

    def create() -> Article:
        slug = slug_unique(
            sku, fallback="article", taken=lambda s: Article.all_objects.filter(album=album, slug=s).exists()
        )
        return Article.objects.create(album=album, sku=sku, slug=slug)

    article, created = _created_or_existing(Article, {"album": album, "sku_key": name_key(sku)}, create)
    if created:
        album_counters_refresh(album_id=album.pk)
    return article, created


def album_counters_refresh(*, album_id: int) -> None:
    """Recompute an album's article/photo counts, bytes and last upload from its rows; marks it changed."""
    totals = Image.objects.filter(album_id=album_id).aggregate(
        images=Count("id"), bytes=Sum("bytes"), last=Max("created_at")
    )
    Album.objects.filter(pk=album_id).update(
        articles_count=Article.objects.filter(album_id=album_id).count(),
        images_count=totals["images"] or 0,
        bytes_total=totals["bytes"] or 0,
        last_upload_at=totals["last"],
        updated_at=timezone.now(),  # "last change" sorting sees uploads and deletions
    )


def article_counts_refresh(*, articles: QuerySet[Article]) -> None:
    """Recount the photos of `articles` into their `images_count`; only changed counts are written."""
    counted = Coalesce(
        Subquery(
            Image.objects.filter(article=OuterRef("pk"))
            .order_by()
            .values("article")
            .annotate(n=Count("pk"))
            .values("n")
        ),
        0,
    )
    articles.alias(counted=counted).exclude(images_count=F("counted")).update(images_count=counted)


NewPhoto = tuple[Image, list[Thumbnail]]  # an unsaved photo row and its thumbnails' rows, files stored


def image_create(*, image: Image, thumbnails: Iterable[Thumbnail]) -> Image:
    """Save a new photo's row and its thumbnails' rows, whose files are already stored, together or not at
    all.

    If the article's trash holds a photo with the same content (so with the same file names), that row
    becomes the new photo: it leaves the trash with the new row's facts, and no two rows share a file."""
    with transaction.atomic():
        twin = Image.trashed.select_for_update().filter(article_id=image.article_id, sha256=image.sha256)
        image.pk = twin.values_list("pk", flat=True).first()  # locked: the trash purge waits, or went first
        if image.pk is None:
            image.save()
            Thumbnail.objects.bulk_create(thumbnails)
            return image
        image.created_at = timezone.now()  # auto_now_add applies to inserts only
        image.save(force_update=True)
        for thumbnail in thumbnails:
            thumbnail.image = image
        Thumbnail.objects.bulk_create(
            thumbnails,
            update_conflicts=True,
            unique_fields=["image", "size", "format"],
            update_fields=["file", "width", "height", "bytes"],
        )
    return image


def image_content_replace(*, image: Image, thumbnails: list[Thumbnail]) -> None:
    """Save the new file and content facts set on `image` with its new thumbnails' rows, in one transaction;
    its old thumbnails' rows go with it, and their files after it commits."""
    with transaction.atomic():
        Thumbnail.objects.filter(image=image).delete()
        image.save(update_fields=["file", "sha256", "bytes", "width", "height", "format"])
        Thumbnail.objects.bulk_create(thumbnails)


def article_photos_replace(*, article: Article, photos: list[NewPhoto | int]) -> int:
    """Make `photos` exactly the article's photos, numbered from 0 in this order: new ones (`NewPhoto`) and
    ids of photos it already has (kept). Every other photo of the article goes to the trash and the article
    is recounted, in one transaction; returns how many were moved to the trash."""
    kept_ids = [photo for photo in photos if isinstance(photo, int)]
    with transaction.atomic():
        removed = list(article.images.exclude(pk__in=kept_ids).values_list("pk", flat=True))
        Image.objects.filter(pk__in=removed).update(deleted_at=timezone.now())
        for photo in photos:
            if not isinstance(photo, int):
                image_create(image=photo[0], thumbnails=photo[1])
        kept = Image.objects.in_bulk(kept_ids)
        ordered = [kept[photo] if isinstance(photo, int) else photo[0] for photo in photos]
        for position, image in enumerate(ordered):
            image.position = position
        Image.objects.bulk_update(ordered, ["position"])
        article_counts_refresh(articles=Article.objects.filter(pk=article.pk))
    return len(removed)


def article_positions_compact(*, article_id: int, last: list[int]) -> None:
    """Number the article's photos from 0: those not in `last` in their current order, then the photos of
    `last` in its order."""
    images = list(Image.objects.filter(article_id=article_id).order_by("position", "id"))
    by_pk = {image.pk: image for image in images}
    trailing = set(last)
    ordered = [image for image in images if image.pk not in trailing] + [
        by_pk[pk] for pk in last if pk in by_pk
    ]
    changed = []
    for position, image in enumerate(ordered):
        if image.position != position:
            image.position = position
            changed.append(image)
    Image.objects.bulk_update(changed, ["position"])


def image_delete(*, image: Image) -> None:
    """Move a photo to the trash (see `images_delete`)."""
    images_delete(images=[image])


def article_delete(*, article: Article) -> None:
    """Move an article with its photos to the trash (one moment: restoring it brings them back together)."""
    now = timezone.now()
    with transaction.atomic():
        Image.objects.filter(article=article).update(deleted_at=now)
        Article.objects.filter(pk=article.pk).update(deleted_at=now)
        article.deleted_at = now
        album_counters_refresh(album_id=article.album_id)


def album_delete(*, album: Album) -> None:
    """Move an album with its articles and photos to the trash (one moment, as `article_delete`)."""
    now = timezone.now()
    with transaction.atomic():
        Image.objects.filter(album=album).update(deleted_at=now)
        Article.objects.filter(album=album).update(deleted_at=now)
        Album.objects.filter(pk=album.pk).update(deleted_at=now)
        album.deleted_at = now


def album_public_links_set(*, album: Album, enabled: bool, actor: Actor | None) -> Album:
    """Switch an album's public links on or off (its token, and so its links, stay the same); nothing is
    written or recorded when the stored album already has them so."""
    now = timezone.now()
    with transaction.atomic():
        changed = (
            Album.objects.filter(pk=album.pk)
            .exclude(public_links_enabled=enabled)
            .update(public_links_enabled=enabled, updated_at=now)
        )
        album.public_links_enabled = enabled
        if changed:
            album.updated_at = now
        if changed and actor is not None:
            actor.record(
                action="admin_public_links" if actor.admin else "public_links",
                obj=album,
                details={"enabled": enabled},
            )
    return album


def article_rename(*, article: Article, sku: str) -> Article:
    """Change an article's SKU; its slug and files stay where they are. Raises ValidationError if the album
    has it already (`article_sku_free`)."""
    sku = article_sku_free(sku, album=article.album, article=article)
    article.sku = sku
    article.save(update_fields=["sku", "sku_key"])
    return article


def images_delete(*, images: Iterable[Image]) -> int:
    """Move photos (any albums) to the trash in one transaction, recounting their articles and albums;
    returns how many went (photos already in the trash do not count)."""
    ids = [image.pk for image in images]
    with transaction.atomic():
        touched = set(Image.objects.filter(pk__in=ids).values_list("album_id", "article_id"))
        deleted = Image.objects.filter(pk__in=ids).update(deleted_at=timezone.now())
        article_counts_refresh(articles=Article.objects.filter(pk__in={pair[1] for pair in touched}))
        for album_id in {pair[0] for pair in touched}:
            album_counters_refresh(album_id=album_id)
    return deleted


def article_images_reorder(*, article: Article, image_ids: list[int]) -> None:
    """Number the article's photos 0, 1, 2 … in the order of `image_ids`; the rest follow in their order."""
    current = list(article.images.order_by("position", "id").values_list("id", flat=True))
    unknown = set(image_ids) - set(current)
    if unknown:
        raise ValidationError({"images": f"not photos of article “{article.sku}”: {sorted(unknown)}"})
    order = list(dict.fromkeys(image_ids))
    order += [pk for pk in current if pk not in set(order)]
    with transaction.atomic():
        for position, pk in enumerate(order):
            Image.objects.filter(pk=pk).exclude(position=position).update(position=position)


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
