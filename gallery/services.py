"""Writes to the catalogue: every create, rename and delete of albums, articles and photos.

A write that is a user's action of its own (public links, link tokens) takes `actor` and records its
action-log entry itself (`core.audit.Actor`).

Moving photos and articles (their files follow) is `gallery.moves`.

Deleting moves rows to the trash (`deleted_at`, see `gallery.models`): files stay, counters drop them at once;
`gallery.trash` restores them or deletes them for good.
"""

import logging
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext

from core.audit import Actor
from core.text import text_clean
from gallery.models import Album, Article, Image, Thumbnail, link_token_new, name_key
from gallery.slugs import slug_unique

logger = logging.getLogger(__name__)

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


def article_photo_counted(*, article_id: int) -> None:
    """Count one photo just added to the article, without recounting it (one cheap UPDATE per photo of an
    upload; the job recounts its articles with `article_counts_refresh` when it ends)."""
    Article.objects.filter(pk=article_id).update(images_count=F("images_count") + 1)


NewPhoto = tuple[Image, list[Thumbnail]]  # an unsaved photo row and its thumbnails' rows, files stored


def image_create(*, image: Image, thumbnails: Iterable[Thumbnail]) -> Image:
    """Save a new photo's row and its thumbnails' rows, whose files are already stored, together or not at
    all.

    If the article's trash holds a photo with the same content (so with the same file names), that row
    becomes the new photo: it leaves the trash with the new row's facts, and no two rows share a file."""
    with transaction.atomic(savepoint=False):  # every caller lets a failure end its own transaction
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
