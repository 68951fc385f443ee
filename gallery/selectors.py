"""Reads of the catalogue, shaped so that query counts do not grow with the number of rows shown.

Thumbnail rows are the truth about renditions: nothing here asks storage whether a file exists. Deep pages
use keyset pagination (`gallery.pagination`), so their cost does not grow with the page number.
"""

import datetime
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404

from core.dates import local_midnight
from core.timestamps import UtcIsoText
from gallery.links import files_url_prefix, photo_url_base, rendition_url_at
from gallery.models import Album, Article, Image, Thumbnail, name_key
from gallery.pagination import Page, keyset_page
from gallery.specs import THUMBNAIL_EXTENSIONS, THUMBNAIL_FORMAT_BY_EXTENSION

ALBUM_ORDERINGS: dict[str, tuple[str, ...]] = {
    "name": ("name_key", "id"),
    "changed": ("-updated_at", "-id"),
}
ARTICLE_ORDERING: tuple[str, ...] = ("sku_key",)  # unique within an album
ALBUM_IMAGE_ORDERING: tuple[str, ...] = ("article_id", "position", "id")
ARTICLE_IMAGE_ORDERING: tuple[str, ...] = ("position", "id")


def album_list() -> QuerySet[Album]:
    """All albums, by name; counters are columns, so no aggregation over photos."""
    return Album.objects.order_by("name_key")


class Rendition(NamedTuple):
    """What pages and the API need of a Thumbnail row: plain values and its URL path; no storage."""

    size: int
    format: str
    width: int
    height: int
    bytes: int
    url: str


RenditionRow = tuple[int, int, str, int, int, int]
"""(photo id, size, format, width, height, bytes) of one Thumbnail row."""


def rendition_rows(image_ids: list[int]) -> dict[int, list[RenditionRow]]:
    """Each photo's `RenditionRow`s, by size then format, keyed by photo id (every id present, also without
    renditions): one query. The rows are the database's own tuples: pages of 500 photos read 3 000."""
    by_image: dict[int, list] = {image_id: [] for image_id in image_ids}
    rows = Thumbnail.objects.filter(image_id__any_of=image_ids).order_by()  # sorted here: cheaper than in SQL
    for row in rows.values_list("image_id", "size", "format", "width", "height", "bytes"):
        by_image[row[0]].append(row)
    for renditions in by_image.values():
        renditions.sort()
    return by_image


def _renditions(base: str, rows: list[RenditionRow]) -> list[Rendition]:
    return [
        Rendition(
            size, fmt, width, height, size_bytes, rendition_url_at(base, size=size, extension=extension)
        )
        for _, size, fmt, width, height, size_bytes in rows
        for extension in (THUMBNAIL_EXTENSIONS[fmt],)
    ]


def renditions_attach(images: list[Image]) -> list[Image]:
    """Set `image.renditions` (by size, then format) on each of `images` from one query of their rows."""
    by_image = rendition_rows([image.pk for image in images])
    prefix = files_url_prefix()
    for image in images:
        image.renditions = _renditions(
            photo_url_base(image.pk, image.sha256, prefix=prefix), by_image[image.pk]
        )
    return images


class Cover(NamedTuple):
    """The photo shown for an album or an article: what `{% picture %}` and the API need, its renditions."""

    renditions: list[Rendition]


def _covers(image_ids: list[int | None]) -> dict[int, Cover]:
    """The renditions of the photos `image_ids` (None and missing ids skipped), by photo id: two queries."""
    photos = Image.objects.filter(pk__any_of=[i for i in image_ids if i]).order_by()  # no join to order by
    hashes = dict(photos.values_list("id", "sha256"))
    by_image = rendition_rows(list(hashes))
    prefix = files_url_prefix()
    return {
        pk: Cover(_renditions(photo_url_base(pk, sha256, prefix=prefix), by_image[pk]))
        for pk, sha256 in hashes.items()
    }


def album_by_name(name: str) -> Album:
    """The album called exactly `name` (case-insensitively); Http404 otherwise."""
    album = Album.objects.filter(name_key=name_key(name)).first()
    if album is None:
        raise Http404(f"No album named “{name}”.")
    return album


def article_by_sku(*, album: Album, sku: str) -> Article:
    """The article `sku` of `album` (case-insensitively); Http404 otherwise, also for other albums' SKUs."""
    article = Article.objects.filter(album=album, sku_key=name_key(sku)).first()
    if article is None:
        raise Http404(f"No article “{sku}” in album “{album.name}”.")
    return article


def album_page(*, search: str = "", sort: str = "name", cursor: str | None = None, limit: int) -> Page:
    """Albums whose name contains `search`, sorted by `sort` (`name` or `changed`), each with `.cover`."""
    first_image = Image.objects.filter(album=OuterRef("pk")).order_by(*ALBUM_IMAGE_ORDERING).values("id")[:1]
    albums = Album.objects.annotate(cover_id=Subquery(first_image))
    if search:
        albums = albums.filter(name_key__contains=name_key(search))
    page = keyset_page(albums, ordering=ALBUM_ORDERINGS[sort], cursor=cursor, limit=limit)
    covers = _covers([album.cover_id for album in page.items])
    for album in page.items:
        album.cover = covers.get(album.cover_id)
    return page


# Upload dates a filter accepts (pages, API, exports): a day past the last still makes a valid datetime.
FILTER_DATE_MIN, FILTER_DATE_MAX = datetime.date(1970, 1, 1), datetime.date(9999, 12, 30)


@dataclass(frozen=True)
class ArticleFilters:
    """The album page's article filters; empty values filter nothing."""

    sku: str = ""
    uploaded_from: datetime.date | None = None
    uploaded_to: datetime.date | None = None
    uploaded_by: int | None = None
    without_photos: bool = False

    @property
    def active(self) -> bool:
        return self != ArticleFilters()


def _articles_filtered(album: Album, filters: ArticleFilters) -> QuerySet[Article]:
    articles = Article.objects.filter(album=album)
    if filters.sku:
        articles = articles.filter(sku_key__contains=name_key(filters.sku))
    if filters.without_photos:
        articles = articles.filter(images_count=0)
    uploads = Image.objects.filter(article=OuterRef("pk"))
    if filters.uploaded_from:
        uploads = uploads.filter(created_at__gte=local_midnight(filters.uploaded_from))
    if filters.uploaded_to:
        uploads = uploads.filter(
            created_at__lt=local_midnight(filters.uploaded_to + datetime.timedelta(days=1))
        )
    if filters.uploaded_by:
        uploads = uploads.filter(uploaded_by_id=filters.uploaded_by)
    if filters.uploaded_from or filters.uploaded_to or filters.uploaded_by:
        articles = articles.filter(Exists(uploads))
    return articles


def _cover_column(field: str) -> Subquery:
    """`field` of each article's first photo (its cover), or NULL."""
    first_image = Image.objects.filter(article=OuterRef("pk")).order_by(*ARTICLE_IMAGE_ORDERING)
    return Subquery(first_image.values(field)[:1])


def _articles_with_cover(album: Album, filters: ArticleFilters) -> QuerySet[Article]:
    return _articles_filtered(album, filters).annotate(cover_id=_cover_column("id"))


def article_page(
    *, album: Album, filters: ArticleFilters = ArticleFilters(), cursor: str | None = None, limit: int
) -> Page:
    """Articles of `album` by SKU, each with `.images_count` and `.cover` (first photo's `Cover` or None)."""
    page = keyset_page(
        _articles_with_cover(album, filters), ordering=ARTICLE_ORDERING, cursor=cursor, limit=limit
    )
    covers = _covers([article.cover_id for article in page.items])
    for article in page.items:
        article.album = album
        article.cover = covers.get(article.cover_id)
    return page


ARTICLE_ROW_FIELDS: tuple[str, ...] = ("id", "sku", "slug", "images_count")
# Timestamps of the row pages, read as `UtcIsoText` (written by PostgreSQL) under another name, then renamed.
_CREATED_AT = {"created_text": UtcIsoText("created_at")}


def _created_at_renamed(row: dict) -> None:
    row["created_at"] = row.pop("created_text")


def article_rows_page(*, album: Album, cursor: str | None = None, limit: int) -> Page:
    """`article_page` as dicts of `ARTICLE_ROW_FIELDS`, `created_at` (RFC 3339 text) and `cover`: (photo
    id, sha256, `rendition_rows`) of its cover, or None. No model instances, as pages of up to 500 articles
    need to be cheap: the cover's hash comes with the article's row, its renditions in one more query."""
    rows = _articles_with_cover(album, ArticleFilters()).values(
        *ARTICLE_ROW_FIELDS, "sku_key", "cover_id", cover_sha256=_cover_column("sha256"), **_CREATED_AT
    )
    page = keyset_page(rows, ordering=ARTICLE_ORDERING, cursor=cursor, limit=limit)
    renditions = rendition_rows([row["cover_id"] for row in page.items if row["cover_id"] is not None])
    for row in page.items:
        cover_id, sha256 = row.pop("cover_id"), row.pop("cover_sha256")
        row["cover"] = None if cover_id is None else (cover_id, sha256, renditions[cover_id])
        del row["sku_key"]
        _created_at_renamed(row)
    return page


@dataclass
class SearchGroup:
    """One album in the global search's answer: whether its name matched, and its matching articles."""

    album: Album
    name_matched: bool
    articles: list[Article]


@dataclass
class SearchAnswer:
    groups: list[SearchGroup]
    articles_truncated: bool  # more articles matched than `articles_limit`
    albums_truncated: bool  # more album names matched than `albums_limit`


def articles_with_sku_containing(*, text: str) -> QuerySet[Article]:
    """Articles of every album whose SKU contains `text` (case-insensitive, "ё" = "е"), by album name then
    SKU, with `.album` and `.cover_id` (their first photo)."""
    first_image = (
        Image.objects.filter(article=OuterRef("pk")).order_by(*ARTICLE_IMAGE_ORDERING).values("id")[:1]
    )
    return (
        Article.objects.filter(sku_key__contains=name_key(text.strip()))
        .select_related("album")
        .annotate(cover_id=Subquery(first_image))
        .order_by("album__name_key", "sku_key")
    )


def catalogue_search(*, text: str, articles_limit: int = 200, albums_limit: int = 50) -> SearchAnswer:
    """Albums whose name and articles whose SKU contain `text` (case-insensitive, "ё" = "е"), across all
    albums, grouped by album (by name, articles by SKU), each article with `.cover`: four queries.

    SKU matching is `sku_key LIKE '%…%'`, which PostgreSQL answers from the trigram index on `sku_key`
    (migration 0002), so it does not scan all articles.
    """
    key = name_key(text.strip())
    if not key:
        return SearchAnswer(groups=[], articles_truncated=False, albums_truncated=False)
    albums = list(Album.objects.filter(name_key__contains=key).order_by("name_key")[: albums_limit + 1])
    articles = list(articles_with_sku_containing(text=text)[: articles_limit + 1])
    answer = SearchAnswer(
        groups=[],
        articles_truncated=len(articles) > articles_limit,
        albums_truncated=len(albums) > albums_limit,
    )
    articles, albums = articles[:articles_limit], albums[:albums_limit]
    covers = _covers([article.cover_id for article in articles])
    groups = {album.pk: SearchGroup(album, True, []) for album in albums}
    for article in articles:
        article.cover = covers.get(article.cover_id)
        groups.setdefault(article.album_id, SearchGroup(article.album, False, [])).articles.append(article)
    answer.groups = sorted(groups.values(), key=lambda group: group.album.name_key)
    return answer


def uploaders() -> QuerySet:
    """Users who uploaded any photo, by username (the "uploaded by" filter's choices).

    Not per album: finding one photo of a user is an index probe (`uploaded_by` is indexed), whereas
    "any photo of this user in this album" could scan a whole big album for users who never uploaded there.
    """
    uploaded = Image.objects.filter(uploaded_by=OuterRef("pk"))
    return get_user_model().objects.filter(Exists(uploaded)).order_by("username")


IMAGE_ROW_FIELDS: tuple[str, ...] = (
    *("id", "article_id", "position", "original_name", "format", "width", "height", "bytes", "sha256"),
    "file",
)


def image_page(
    *, album: Album, article: Article | None = None, cursor: str | None = None, limit: int
) -> Page:
    """Photos of `album` (by article, then position) or of one `article` (by position), as dicts of
    `IMAGE_ROW_FIELDS` plus `created_at` (RFC 3339 text), `sku` and `renditions` (`rendition_rows`): plain
    rows, no model instances, as pages of up to 500 photos with 3 000 renditions need to be cheap."""
    if article is None:
        images, ordering = Image.objects.filter(album=album), ALBUM_IMAGE_ORDERING
    else:
        images, ordering = Image.objects.filter(article=article), ARTICLE_IMAGE_ORDERING
    page = keyset_page(
        images.values(*IMAGE_ROW_FIELDS, **_CREATED_AT), ordering=ordering, cursor=cursor, limit=limit
    )
    # SKUs by id rather than a join: on a deep page PostgreSQL would merge-join from the first article.
    skus = (
        {article.pk: article.sku}
        if article
        else dict(
            Article.objects.filter(pk__any_of=list({row["article_id"] for row in page.items}))
            .order_by()
            .values_list("id", "sku")
        )
    )
    renditions = rendition_rows([row["id"] for row in page.items])
    for row in page.items:
        row["sku"] = skus[row["article_id"]]
        row["renditions"] = renditions[row["id"]]
        _created_at_renamed(row)
    return page


def article_images(*, article: Article) -> list[Image]:
    """All photos of `article` in their order, with renditions (two queries)."""
    return renditions_attach(list(article.images.order_by(*ARTICLE_IMAGE_ORDERING)))


def image_for_file(*, image_id: int | str, sha: str) -> Image:
    """The image whose id and content-hash prefix a file URL names; Http404 when they do not match."""
    image = Image.objects.filter(pk=int(image_id)).only("file", "sha256", "original_name").first()
    if image is None or not image.sha256.startswith(sha):
        raise Http404("No such file.")
    return image


def image_for_download(*, image_id: int | str, sha: str) -> Image:
    """Like `image_for_file`, with what the download name needs (the article's SKU, position, format)."""
    image = (
        Image.objects.filter(pk=int(image_id))
        .select_related("article")
        .only("file", "sha256", "position", "format", "article__sku")
        .first()
    )
    if image is None or not image.sha256.startswith(sha):
        raise Http404("No such file.")
    return image


def images_to_download(
    *, album: Album | None = None, article_ids: list[int] | None = None, image_ids: list[int] | None = None
) -> QuerySet[Image]:
    """Photos for a ZIP, by SKU then position, with what their entry names need: those of `album`, narrowed
    to the articles `article_ids` and/or the photos `image_ids` (ids matching nothing are ignored)."""
    images = Image.objects.all()
    if album is not None:
        images = images.filter(album=album)
    if article_ids is not None:
        images = images.filter(article_id__in=article_ids)
    if image_ids is not None:
        images = images.filter(pk__in=image_ids)
    return (
        images.select_related("article")
        .only("file", "bytes", "position", "format", "article__sku")
        .order_by("article__sku_key", "article_id", "position", "id")
    )


def thumbnail_for_file(*, image_id: int | str, sha: str, size: int | str, extension: str) -> Thumbnail:
    """The rendition a thumbnail URL names (image id, hash prefix, size, extension); Http404 otherwise."""
    thumbnail = (
        Thumbnail.objects.filter(
            image_id=int(image_id),
            image__deleted_at__isnull=True,
            size=int(size),
            format=THUMBNAIL_FORMAT_BY_EXTENSION.get(extension, ""),
        )
        .select_related("image")
        .only("file", "image__sha256")
        .first()
    )
    if thumbnail is None or not thumbnail.image.sha256.startswith(sha):
        raise Http404("No such file.")
    return thumbnail
