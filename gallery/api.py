"""JSON views of the gallery: albums, articles, photos and thumbnails, thin over `gallery.selectors`.

`<album>` and `<article>` are the exact name or SKU (case-insensitive, URL-encoded, Cyrillic included).
Lists are keyset-paginated: `limit` (1–500) and the opaque `cursor` from the previous page's `next_cursor`.
"""

import datetime
from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import BaseModel, Field

from core.access import Capability, require_capability
from core.api_json import json_answer
from core.api_schemas import ERROR_RESPONSES
from gallery import selectors
from gallery.links import (
    download_url_at,
    files_url_prefix,
    original_url_at,
    photo_url_base,
    rendition_url_at,
    request_origin,
)
from gallery.models import Album
from gallery.pagination import LIMIT_DEFAULT, LIMIT_MAX, InvalidCursor, Page
from gallery.specs import THUMBNAIL_EXTENSIONS

router = Router(tags=["gallery"])

SHA256_PATTERN = r"^[0-9a-f]{64}$"


class ThumbnailOut(BaseModel):
    size: int = Field(ge=1, description="The box the rendition fits in, in pixels (the ladder's rung).")
    format: Literal["jpeg", "webp"]
    url: str = Field(pattern=r"^https?://", description="Protected URL; needs the view capability.")
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    bytes: int = Field(ge=0)


class ImageOut(BaseModel):
    id: int = Field(ge=1)
    album: str = Field(min_length=1, description="The album's name.")
    sku: str = Field(min_length=1, description="The article's SKU, exactly as written.")
    position: int = Field(ge=0)
    original_name: str = Field(description="The file name it was uploaded under.")
    format: str = Field(min_length=1, examples=["JPEG"])
    width: int = Field(ge=1)
    height: int = Field(ge=1)
    bytes: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256_PATTERN)
    created_at: datetime.datetime
    url: str = Field(pattern=r"^https?://", description="The original, inline.")
    download_url: str = Field(pattern=r"^https?://", description="The original as an attachment.")
    thumbnails: list[ThumbnailOut]


class ImageThumbnailsOut(BaseModel):
    id: int = Field(ge=1)
    sku: str = Field(min_length=1)
    position: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256_PATTERN)
    thumbnails: list[ThumbnailOut]


class AlbumOut(BaseModel):
    id: int = Field(ge=1)
    name: str = Field(min_length=1)
    slug: str = Field(min_length=1)
    description: str
    articles_count: int = Field(ge=0)
    images_count: int = Field(ge=0)
    bytes_total: int = Field(ge=0)
    created_at: datetime.datetime
    updated_at: datetime.datetime
    last_upload_at: datetime.datetime | None
    cover_thumbnails: list[ThumbnailOut] = Field(description="The first photo's renditions; empty if none.")


class ArticleOut(BaseModel):
    id: int = Field(ge=1)
    sku: str = Field(min_length=1)
    slug: str = Field(min_length=1)
    created_at: datetime.datetime
    images_count: int = Field(ge=0)
    cover_thumbnails: list[ThumbnailOut] = Field(description="The first photo's renditions; empty if none.")


class PageOut(BaseModel):
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page; null on the last page.")


class AlbumPage(PageOut):
    items: list[AlbumOut]


class ArticlePage(PageOut):
    items: list[ArticleOut]


class ImagePage(PageOut):
    items: list[ImageOut]


class ThumbnailPage(PageOut):
    items: list[ImageThumbnailsOut]


class Paging(Schema):
    limit: int = Field(LIMIT_DEFAULT, ge=1, le=LIMIT_MAX, description="Items per page (at most 500).")
    cursor: str | None = Field(None, max_length=1000, description="`next_cursor` of the previous page.")


class AlbumQuery(Paging):
    search: str = Field("", max_length=200, description="Part of the album name (case-insensitive).")
    sort: Literal["name", "changed"] = Field("name", description="By name, or most recently changed first.")


class CursorError(HttpError):
    code = "invalid_cursor"


def _page(load, **kwargs) -> Page:
    try:
        return load(**kwargs)
    except InvalidCursor as exc:
        raise CursorError(400, str(exc)) from exc


def _thumbnails(origin: str, cover: selectors.Cover | None) -> list[dict]:
    if cover is None:
        return []
    return [
        {
            "size": rendition.size,
            "format": rendition.format,
            "url": origin + rendition.url,
            "width": rendition.width,
            "height": rendition.height,
            "bytes": rendition.bytes,
        }
        for rendition in cover.renditions
    ]


def _rendition_dicts(base: str, rows: list[selectors.RenditionRow]) -> list[dict]:
    return [
        {
            "size": size,
            "format": fmt,
            "url": rendition_url_at(base, size=size, extension=THUMBNAIL_EXTENSIONS[fmt]),
            "width": width,
            "height": height,
            "bytes": size_bytes,
        }
        for _, size, fmt, width, height, size_bytes in rows
    ]


def _image(prefix: str, album: Album, row: dict) -> dict:
    """`ImageOut` of an `image_page` row; `prefix` is `files_url_prefix(origin)`."""
    base = photo_url_base(row["id"], row["sha256"], prefix=prefix)
    return {
        "id": row["id"],
        "album": album.name,
        "sku": row["sku"],
        "position": row["position"],
        "original_name": row["original_name"],
        "format": row["format"],
        "width": row["width"],
        "height": row["height"],
        "bytes": row["bytes"],
        "sha256": row["sha256"],
        "created_at": row["created_at"],
        "url": original_url_at(base, row["file"]),
        "download_url": download_url_at(base),
        "thumbnails": _rendition_dicts(base, row["renditions"]),
    }


def _image_thumbnails(prefix: str, album: Album, row: dict) -> dict:
    """`ImageThumbnailsOut` of an `image_page` row."""
    return {
        "id": row["id"],
        "sku": row["sku"],
        "position": row["position"],
        "sha256": row["sha256"],
        "thumbnails": _rendition_dicts(
            photo_url_base(row["id"], row["sha256"], prefix=prefix), row["renditions"]
        ),
    }


@router.get(
    "/albums", response={200: AlbumPage, **ERROR_RESPONSES}, summary="Albums, with counters and a cover"
)
@require_capability(Capability.VIEW)
def albums(request: HttpRequest, query: Query[AlbumQuery]) -> HttpResponse:
    page = _page(
        selectors.album_page, search=query.search, sort=query.sort, cursor=query.cursor, limit=query.limit
    )
    origin = request_origin(request)
    items = [
        {
            **{
                field: getattr(album, field) for field in AlbumOut.model_fields if field != "cover_thumbnails"
            },
            "cover_thumbnails": _thumbnails(origin, album.cover),
        }
        for album in page.items
    ]
    return json_answer({"items": items, "next_cursor": page.next_cursor})


@router.get(
    "/articles/{album}",
    response={200: ArticlePage, **ERROR_RESPONSES},
    summary="Articles of an album, by SKU",
)
@require_capability(Capability.VIEW)
def articles(request: HttpRequest, album: str, paging: Query[Paging]) -> HttpResponse:
    found = selectors.album_by_name(album)
    page = _page(selectors.article_rows_page, album=found, cursor=paging.cursor, limit=paging.limit)
    prefix = files_url_prefix(request_origin(request))
    for row in page.items:
        cover = row.pop("cover")
        if cover is None:
            row["cover_thumbnails"] = []
        else:
            image_id, sha256, renditions = cover
            base = photo_url_base(image_id, sha256, prefix=prefix)
            row["cover_thumbnails"] = _rendition_dicts(base, renditions)
    return json_answer({"items": page.items, "next_cursor": page.next_cursor})


def _images_answer(
    request: HttpRequest, album: str, article: str | None, paging: Paging, shape
) -> HttpResponse:
    """A page of photos of `album` (or of one `article` in it), each shaped by `shape`."""
    found = selectors.album_by_name(album)
    found_article = selectors.article_by_sku(album=found, sku=article) if article is not None else None
    page = _page(
        selectors.image_page, album=found, article=found_article, cursor=paging.cursor, limit=paging.limit
    )
    prefix = files_url_prefix(request_origin(request))
    return json_answer(
        {"items": [shape(prefix, found, row) for row in page.items], "next_cursor": page.next_cursor}
    )


@router.get(
    "/files/{album}",
    response={200: ImagePage, **ERROR_RESPONSES},
    summary="Photos of an album, by article then position",
)
@require_capability(Capability.VIEW)
def album_files(request: HttpRequest, album: str, paging: Query[Paging]) -> HttpResponse:
    return _images_answer(request, album, None, paging, _image)


@router.get(
    "/files/{album}/{path:article}",
    response={200: ImagePage, **ERROR_RESPONSES},
    summary="Photos of an article, in their order",
)
@require_capability(Capability.VIEW)
def article_files(request: HttpRequest, album: str, article: str, paging: Query[Paging]) -> HttpResponse:
    return _images_answer(request, album, article, paging, _image)


@router.get(
    "/thumbnails/{album}",
    response={200: ThumbnailPage, **ERROR_RESPONSES},
    summary="Thumbnail URLs of an album's photos",
)
@require_capability(Capability.VIEW)
def album_thumbnails(request: HttpRequest, album: str, paging: Query[Paging]) -> HttpResponse:
    return _images_answer(request, album, None, paging, _image_thumbnails)


@router.get(
    "/thumbnails/{album}/{path:article}",
    response={200: ThumbnailPage, **ERROR_RESPONSES},
    summary="Thumbnail URLs of an article's photos",
)
@require_capability(Capability.VIEW)
def article_thumbnails(request: HttpRequest, album: str, article: str, paging: Query[Paging]) -> HttpResponse:
    return _images_answer(request, album, article, paging, _image_thumbnails)
