"""The catalogue: album → article (the seller's SKU) → photos, and each photo's thumbnails.

Names and SKUs are kept exactly as written; `*_key` columns hold their case-folded form (with "ё" read as
"е") so that uniqueness, exact lookups and searches ignore case for Cyrillic too (SQLite's `lower()` folds
ASCII only). Rows are created through
`gallery.services`, which keeps keys, slugs and the album counters right.

Deleted albums, articles and photos stay in the trash (`deleted_at` set) until `gallery.trash` purges them.
`objects`, the default manager, hides them, and so do reverse relations (`album.articles`, `article.images`
use the default manager's class); `all_objects` and `trashed` see them. Forward relations (`image.article`)
use the plain base manager, so a trashed photo still reaches its article. Names, SKUs and photo contents are
unique among live rows only; slugs stay unique among all rows, because they name the folders of the files.
"""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.text import text_clean


def name_key(name: str) -> str:
    """The comparison key of a name or SKU: `text_clean` (invisible characters dropped), case-folded, "ё"
    read as "е" (as Russian readers do: "ЁЛКА", "Елка" and "елка" are one name)."""
    return text_clean(name).casefold().replace("ё", "е")


class LiveManager(models.Manager):
    """Rows not in the trash: the default manager of the catalogue's models."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=True)


class TrashedManager(models.Manager):
    """Rows in the trash only."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(deleted_at__isnull=False)


LIVE = models.Q(deleted_at__isnull=True)
FILES_STAY = "_files_stay"  # set on a row being deleted whose files another row takes over


def _trash_field() -> models.DateTimeField:
    """`deleted_at`: when the row went to the trash; null while it is live."""
    return models.DateTimeField(verbose_name=_("in the trash since"), null=True, blank=True, editable=False)


def link_token_new() -> str:
    """A fresh random album link token (192 bits, URL-safe)."""
    return secrets.token_urlsafe(24)


class Album(models.Model):
    name = models.CharField(verbose_name=_("name"), max_length=200)
    name_key = models.CharField(verbose_name=_("comparison key"), max_length=200, editable=False)
    slug = models.SlugField(verbose_name=_("slug"), max_length=80, unique=True, editable=False)
    description = models.TextField(verbose_name=_("description"), blank=True)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(verbose_name=_("last change"), auto_now=True, db_index=True)
    public_links_enabled = models.BooleanField(verbose_name=_("public links"), default=False)
    link_token = models.CharField(
        verbose_name=_("link token"), max_length=64, unique=True, default=link_token_new, editable=False
    )
    # Counters kept by gallery.services.album_counters_refresh, so album lists never aggregate all photos.
    articles_count = models.PositiveIntegerField(verbose_name=_("articles"), default=0, editable=False)
    images_count = models.PositiveIntegerField(verbose_name=_("photos"), default=0, editable=False)
    bytes_total = models.PositiveBigIntegerField(verbose_name=_("size, bytes"), default=0, editable=False)
    last_upload_at = models.DateTimeField(
        verbose_name=_("last upload"), null=True, blank=True, editable=False
    )
    deleted_at = _trash_field()

    all_objects = models.Manager()
    objects = LiveManager()
    trashed = TrashedManager()

    class Meta:
        verbose_name = _("album")
        default_manager_name = "objects"
        verbose_name_plural = _("albums")
        ordering = ["name_key"]
        constraints = [
            models.UniqueConstraint(fields=["name_key"], condition=LIVE, name="album_unique_live_name"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.name_key = name_key(self.name)
        super().save(*args, **kwargs)


class Article(models.Model):
    album = models.ForeignKey(
        Album, verbose_name=_("album"), on_delete=models.CASCADE, related_name="articles"
    )
    sku = models.CharField(verbose_name=_("SKU"), max_length=200)
    sku_key = models.CharField(verbose_name=_("comparison key"), max_length=200, editable=False)
    slug = models.SlugField(verbose_name=_("slug"), max_length=80, editable=False)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True, db_index=True)
    # Kept by gallery.services.article_counts_refresh, so article lists and the "without photos" filter
    # never count photos.
    images_count = models.PositiveIntegerField(verbose_name=_("photos"), default=0, editable=False)
    deleted_at = _trash_field()

    all_objects = models.Manager()
    objects = LiveManager()
    trashed = TrashedManager()

    class Meta:
        verbose_name = _("article")
        default_manager_name = "objects"
        verbose_name_plural = _("articles")
        ordering = ["album", "sku_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["album", "sku_key"], condition=LIVE, name="article_unique_sku_in_album"
            ),
            models.UniqueConstraint(fields=["album", "slug"], name="article_unique_slug_in_album"),
        ]
        indexes = [
            models.Index(
                fields=["album", "sku_key"], condition=models.Q(images_count=0), name="article_without_photos"
            ),
            models.Index(fields=["deleted_at"], condition=~LIVE, name="article_in_trash"),
        ]

    def __str__(self) -> str:
        return self.sku

    def save(self, *args, **kwargs) -> None:
        self.sku_key = name_key(self.sku)
        super().save(*args, **kwargs)


class Image(models.Model):
    """One original photo. It exists only while its file exists in storage."""

    album = models.ForeignKey(
        Album, verbose_name=_("album"), on_delete=models.CASCADE, related_name="images", editable=False
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="images"
    )
    file = models.FileField(verbose_name=_("file"), max_length=300)
    original_name = models.CharField(verbose_name=_("file name"), max_length=255)
    position = models.PositiveIntegerField(verbose_name=_("position"), default=0)
    sha256 = models.CharField(verbose_name=_("SHA-256"), max_length=64)
    bytes = models.PositiveBigIntegerField(
        verbose_name=_("size, bytes"),
    )
    width = models.PositiveIntegerField(
        verbose_name=_("width"),
    )
    height = models.PositiveIntegerField(
        verbose_name=_("height"),
    )
    format = models.CharField(verbose_name=_("format"), max_length=10)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(verbose_name=_("uploaded"), auto_now_add=True)
    deleted_at = _trash_field()

    all_objects = models.Manager()
    objects = LiveManager()
    trashed = TrashedManager()

    class Meta:
        verbose_name = _("photo")
        default_manager_name = "objects"
        verbose_name_plural = _("photos")
        ordering = ["article", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["article", "sha256"], condition=LIVE, name="image_unique_content_in_article"
            ),
        ]
        indexes = [
            models.Index(fields=["album", "article", "position"], name="image_album_article_pos"),
            models.Index(fields=["article", "position"], name="image_article_position"),
            models.Index(fields=["created_at"], name="image_created_at"),
            models.Index(fields=["album", "created_at"], name="image_album_created_at"),
            models.Index(fields=["sha256"], name="image_sha256"),
            models.Index(fields=["deleted_at"], condition=~LIVE, name="image_in_trash"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.sha256[:12]})"

    def save(self, *args, **kwargs) -> None:
        self.album_id = self.article.album_id
        super().save(*args, **kwargs)


class Thumbnail(models.Model):
    """One rendition of an image (size × format); a row exists only when its file does."""

    # No index of its own: thumbnail_unique_spec (image, size, format) serves lookups by photo, and on
    # PostgreSQL migration 0007 adds a covering one that API pages read renditions from.
    image = models.ForeignKey(
        Image, verbose_name=_("photo"), on_delete=models.CASCADE, related_name="thumbnails", db_index=False
    )
    size = models.PositiveSmallIntegerField(
        verbose_name=_("size"),
    )
    format = models.CharField(verbose_name=_("format"), max_length=10)
    file = models.FileField(verbose_name=_("file"), max_length=300)
    width = models.PositiveIntegerField(
        verbose_name=_("width"),
    )
    height = models.PositiveIntegerField(
        verbose_name=_("height"),
    )
    bytes = models.PositiveBigIntegerField(
        verbose_name=_("size, bytes"),
    )

    class Meta:
        verbose_name = _("thumbnail")
        verbose_name_plural = _("thumbnails")
        ordering = ["image", "size", "format"]
        constraints = [
            models.UniqueConstraint(fields=["image", "size", "format"], name="thumbnail_unique_spec"),
        ]

    def __str__(self) -> str:
        return f"{self.image_id}-{self.size}.{self.format}"
