"""Reads for exports: the photos in an export's scope in sheet order; albums, not rows, set the queries.

An export runs the scope facts (`scope_facts`, at most three queries) and one streamed query per album
over its photos (`scope_article_photos`), fetched in chunks through a server-side cursor on PostgreSQL.
"""

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from operator import attrgetter
from typing import Any, NamedTuple

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Left

from core.timestamps import UtcTimestamp
from exports.presets import Layout
from exports.spec import ExportSpec
from gallery.models import Album, Article, Image, Thumbnail, name_key
from gallery.paths import SHA_PREFIX_LENGTH
from gallery.specs import FORMAT_EXTENSIONS, PICTURE_EXTENSIONS, THUMBNAIL_SIZES

CHUNK_SIZE = 5000
FALLBACK_SIZE = max(THUMBNAIL_SIZES)  # originals a marketplace refuses are linked as this JPEG rendition
FALLBACK_FORMAT = "jpeg"

LINK_FIELDS = ("article_id", "sku", "article_slug", "sha_prefix", "format")  # what every link needs
SIZE_FIELDS = ("width", "height")  # for presets with a minimum size, and the per_image layout
PER_IMAGE_FIELDS = ("original_name", "bytes", "sha256", "uploaded_at")  # fetched only when written


class ArticlePhotos(NamedTuple):
    """One article's photos in scope, in position order, each as `(ordinal, photo)`."""

    album: Album
    sku: str
    slug: str
    photos: list[tuple[int, Any]]


@dataclass(frozen=True)
class ScopeFacts:
    images: int  # photos in scope
    articles: int  # articles with at least one photo in scope
    most_photos: int  # the largest photo count of one article in scope
    found_articles: tuple[tuple[int, int, str], ...]  # (id, album id, sku) matched by the SKU list
    found_keys: frozenset[str]  # case-folded SKUs of the list that matched an article
    found_with_photos: frozenset[int]  # ids of the matched articles that have photos in scope


def scope_images(spec: ExportSpec) -> QuerySet[Image]:
    """The photos an export covers: its albums, its SKU list if any, its upload dates if any."""
    images = Image.objects.filter(album_id__in=[album.pk for album in spec.albums])
    if spec.skus:
        images = images.filter(article__sku_key__in=spec.sku_keys)
    if spec.uploaded_from:
        images = images.filter(created_at__gte=spec.uploaded_from)
    if spec.uploaded_before:
        images = images.filter(created_at__lt=spec.uploaded_before)
    return images


def scope_facts(spec: ExportSpec) -> ScopeFacts:
    """Counts that size the sheet before it is written, and the SKU list matches (at most three queries).

    Without a date range the scope is whole articles, so their photo counters (`Article.images_count`, kept by
    `gallery.services`) answer; a date range counts its photos (a grouped scan of them, about 0.1 s per
    100 000 photos on PostgreSQL).
    """
    articles = Article.objects.filter(album_id__in=[album.pk for album in spec.albums])
    if spec.skus:
        articles = articles.filter(sku_key__in=spec.sku_keys)
    if spec.dated:
        images = scope_images(spec).order_by()
        per_article = images.values("article_id").annotate(photos=Count("id"))
        totals = per_article.aggregate(images=Sum("photos"), articles=Count("*"), most=Max("photos"))
        with_photos_ids = images.values_list("article_id", flat=True).distinct()
    else:
        with_photos = articles.filter(images_count__gt=0)
        totals = with_photos.aggregate(
            images=Sum("images_count"), articles=Count("id"), most=Max("images_count")
        )
        with_photos_ids = with_photos.values_list("id", flat=True)
    found: tuple[tuple[int, int, str], ...] = ()
    found_with_photos: frozenset[int] = frozenset()
    if spec.skus:
        found = tuple(articles.order_by("album_id", "sku_key").values_list("id", "album_id", "sku"))
        found_with_photos = frozenset(with_photos_ids)
    return ScopeFacts(
        images=totals["images"] or 0,
        articles=totals["articles"],
        most_photos=totals["most"] or 0,
        found_articles=found,
        found_keys=frozenset(name_key(sku) for _, _, sku in found),
        found_with_photos=found_with_photos,
    )


def scope_article_photos(spec: ExportSpec) -> Iterator[ArticlePhotos]:
    """Each article with photos in scope: albums by name, articles by SKU, photos by position; one query per
    album, streamed in chunks.

    `ordinal` is the 1-based place of the photo in its article, counting every photo of the article even
    when a date range hides some. `photo` is a named tuple of `LINK_FIELDS`, plus only what the spec needs
    (fewer columns read is the cheapest speed-up): `SIZE_FIELDS` when the preset has a minimum size or the
    layout is per_image, `PER_IMAGE_FIELDS` for per_image, `has_rendition` (the linked thumbnail exists)
    when linking a thumbnail, `has_fallback` (the JPEG rendition linked for originals a marketplace refuses
    exists) when the preset refuses some format.
    """
    images = scope_images(spec).annotate(
        sku=F("article__sku"),
        article_slug=F("article__slug"),
        sha_prefix=Left("sha256", SHA_PREFIX_LENGTH),  # all a link needs: the transfer stays narrow
    )
    fields = LINK_FIELDS
    if spec.preset.has_min_size or spec.layout == Layout.PER_IMAGE:
        fields += SIZE_FIELDS
    if spec.layout == Layout.PER_IMAGE:
        # the upload time read through psycopg's C loader (`core.timestamps`): a tenth of a 100 000-row export
        images = images.annotate(uploaded_at=UtcTimestamp("created_at"))
        fields += PER_IMAGE_FIELDS
    if spec.size:
        images = images.annotate(has_rendition=_rendition_exists(spec.size, spec.thumbnail_format))
        fields += ("has_rendition",)
    elif not spec.preset.extensions >= PICTURE_EXTENSIONS:
        # looked up only for the formats the marketplace refuses: the others are linked as they are
        accepted = [
            fmt for fmt, extension in FORMAT_EXTENSIONS.items() if extension in spec.preset.extensions
        ]
        fallback = _rendition_exists(FALLBACK_SIZE, FALLBACK_FORMAT)
        images = images.annotate(
            has_fallback=Case(When(format__in=accepted, then=Value(False)), default=fallback)
        )
        fields += ("has_fallback",)
    dated = spec.dated
    if dated:
        earlier = (
            Image.objects.filter(article_id=OuterRef("article_id"))
            .filter(
                Q(position__lt=OuterRef("position")) | Q(position=OuterRef("position"), id__lt=OuterRef("id"))
            )
            .order_by()
            .values("article_id")
            .annotate(n=Count("id"))
            .values("n")
        )
        images = images.annotate(
            ordinal=Coalesce(Subquery(earlier, output_field=IntegerField()), Value(0)) + 1
        )
        fields += ("ordinal",)
    images = images.order_by("article__sku_key", "article_id", "position", "id")
    images = images.values_list(*fields, named=True)
    for album in sorted(spec.albums, key=attrgetter("name_key")):
        # one query per album, filtered on the article too: PostgreSQL sorts each album's photos in memory,
        # where one query over all albums sorts every photo at once and spills to disk at the default work_mem
        photos = images.filter(album_id=album.pk, article__album_id=album.pk).iterator(chunk_size=CHUNK_SIZE)
        for _, article_rows in itertools.groupby(photos, key=attrgetter("article_id")):
            rows = list(article_rows)
            group = [(photo.ordinal, photo) for photo in rows] if dated else list(enumerate(rows, start=1))
            yield ArticlePhotos(album, group[0][1].sku, group[0][1].article_slug, group)


def _rendition_exists(size: int, fmt: str) -> Exists:
    return Exists(Thumbnail.objects.filter(image_id=OuterRef("pk"), size=size, format=fmt))


def _public_images(*, token: str, article_slug: str) -> QuerySet[Image]:
    """Photos reachable through a public link: the token's album has public links on (indexed joins)."""
    return Image.objects.filter(
        album__link_token=token, album__public_links_enabled=True, article__slug=article_slug
    )


def public_original(*, token: str, article_slug: str, sha_prefix: str) -> Image | None:
    """The original a public content link names, or None: one query."""
    return (
        _public_images(token=token, article_slug=article_slug)
        .filter(sha256__startswith=sha_prefix)
        .only("file", "format")
        .first()
    )


def public_thumbnail(
    *, token: str, article_slug: str, sha_prefix: str, size: int, fmt: str
) -> Thumbnail | None:
    """The rendition a public content link names, or None: one query."""
    return (
        Thumbnail.objects.filter(
            image__deleted_at__isnull=True,
            image__album__link_token=token,
            image__album__public_links_enabled=True,
            image__article__slug=article_slug,
            image__sha256__startswith=sha_prefix,
            size=size,
            format=fmt,
        )
        .only("file")
        .first()
    )


def public_photo_at(*, token: str, article_slug: str, position: int) -> Image | None:
    """The article's `position`-th photo (1 = main) as the alias link sees it, or None: one query."""
    photos = _public_images(token=token, article_slug=article_slug).order_by("position", "id")
    return next(iter(photos.only("sha256", "format")[position - 1 : position]), None)
