"""Writes to the catalogue: every create, rename and delete of albums, articles and photos."""

import logging
import unicodedata

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Sum

from gallery.models import Album, Article, Image, link_token_new, name_key
from gallery.slugs import slug_unique

logger = logging.getLogger(__name__)

NAME_MAX_LENGTH = 200


def name_clean(name: str, *, field: str) -> str:
    """A name or SKU as the user wrote it, NFC-normalised and trimmed; raises ValidationError if unusable."""
    cleaned = unicodedata.normalize("NFC", name or "").strip()
    cleaned = "".join(ch for ch in cleaned if unicodedata.category(ch) != "Cc")
    if not cleaned:
        raise ValidationError({field: "must not be empty"})
    if len(cleaned) > NAME_MAX_LENGTH:
        raise ValidationError({field: f"must be at most {NAME_MAX_LENGTH} characters"})
    return cleaned


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
    name = name_clean(name, field="album")

    def create() -> Album:
        slug = slug_unique(name, fallback="album", taken=lambda s: Album.objects.filter(slug=s).exists())
        return Album.objects.create(name=name, slug=slug, created_by=user)

    return _created_or_existing(Album, {"name_key": name_key(name)}, create)


def album_create(*, name: str, description: str = "", user: AbstractBaseUser | None = None) -> Album:
    """Create a new album; raises ValidationError if the name is taken (case-insensitively)."""
    name = name_clean(name, field="album")
    if Album.objects.filter(name_key=name_key(name)).exists():
        raise ValidationError({"album": f"an album named “{name}” already exists"})
    album, _ = album_get_or_create(name=name, user=user)
    if description:
        album.description = description
        album.save(update_fields=["description", "updated_at"])
    return album


def album_rename(*, album: Album, name: str) -> Album:
    """Rename an album; its slug and files stay where they are."""
    name = name_clean(name, field="album")
    if Album.objects.filter(name_key=name_key(name)).exclude(pk=album.pk).exists():
        raise ValidationError({"album": f"an album named “{name}” already exists"})
    album.name = name
    album.save(update_fields=["name", "name_key", "updated_at"])
    return album


def album_link_token_regenerate(*, album: Album) -> Album:
    """Give the album a fresh random link token: every public link made with the old one answers 404."""
    album.link_token = link_token_new()
    album.save(update_fields=["link_token", "updated_at"])
    logger.info("album %s: public link token regenerated", album.pk)
    return album


def article_get_or_create(*, album: Album, sku: str) -> tuple[Article, bool]:
    """The article `sku` in `album` (case-insensitively), created with a unique slug if missing."""
    sku = name_clean(sku, field="article")

    def create() -> Article:
        slug = slug_unique(
            sku, fallback="article", taken=lambda s: Article.objects.filter(album=album, slug=s).exists()
        )
        return Article.objects.create(album=album, sku=sku, slug=slug)

    return _created_or_existing(Article, {"album": album, "sku_key": name_key(sku)}, create)


def album_counters_refresh(*, album_id: int) -> None:
    """Recompute an album's article/photo counts, bytes and last upload from its rows."""
    totals = Image.objects.filter(album_id=album_id).aggregate(
        images=Count("id"), bytes=Sum("bytes"), last=Max("created_at")
    )
    Album.objects.filter(pk=album_id).update(
        articles_count=Article.objects.filter(album_id=album_id).count(),
        images_count=totals["images"] or 0,
        bytes_total=totals["bytes"] or 0,
        last_upload_at=totals["last"],
    )


def image_delete(*, image: Image) -> None:
    """Delete a photo; its files and thumbnails leave storage once the transaction commits."""
    album_id = image.album_id
    with transaction.atomic():
        image.delete()
        album_counters_refresh(album_id=album_id)


def article_delete(*, article: Article) -> None:
    """Delete an article with its photos and their files."""
    album_id = article.album_id
    with transaction.atomic():
        article.delete()
        album_counters_refresh(album_id=album_id)


def album_delete(*, album: Album) -> None:
    """Delete an album with everything in it and its files."""
    with transaction.atomic():
        album.delete()
