"""Test factories for the catalogue, shared by every app's tests: real small pictures, real files."""

import hashlib
import io

from PIL import Image as PILImage

from gallery import files, services
from gallery.models import Album, Article, Image
from gallery.paths import original_name
from gallery.specs import FORMAT_EXTENSIONS
from gallery.thumbnails import image_thumbnails_generate


def picture_bytes(
    width: int = 64, height: int = 48, *, fmt: str = "JPEG", color: tuple = (200, 40, 40), **options
) -> bytes:
    """Encode a plain picture of the given size and colour (`options` go to Pillow's `save`)."""
    mode = "RGBA" if fmt in {"PNG", "WEBP"} and len(color) == 4 else "RGB"
    buffer = io.BytesIO()
    PILImage.new(mode, (width, height), color).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def album_make(name: str = "Весна 2026", **fields) -> Album:
    album, _ = services.album_get_or_create(name=name)
    if fields:
        Album.objects.filter(pk=album.pk).update(**fields)
        album.refresh_from_db()
    return album


def article_make(album: Album | None = None, sku: str = "АРТ-001 (синий)") -> Article:
    article, _ = services.article_get_or_create(album=album or album_make(), sku=sku)
    return article


def image_make(
    article: Article | None = None,
    *,
    width: int = 64,
    height: int = 48,
    fmt: str = "JPEG",
    color: tuple = (200, 40, 40),
    position: int | None = None,
    original: str = "фото 1.jpg",
    uploaded_by=None,
    with_thumbnails: bool = True,
) -> Image:
    """Store a real picture as an original, create its row and (by default) its real thumbnail ladder."""
    article = article or article_make()
    content = picture_bytes(width=width, height=height, fmt=fmt, color=color)
    sha = hashlib.sha256(content).hexdigest()
    if position is None:
        position = article.images.count()
    image = Image(
        article=article,
        original_name=original,
        position=position,
        sha256=sha,
        bytes=len(content),
        width=width,
        height=height,
        format=fmt,
        uploaded_by=uploaded_by,
    )
    name = original_name(
        album_slug=article.album.slug, article_slug=article.slug, sha256=sha, extension=FORMAT_EXTENSIONS[fmt]
    )
    image.file.name = files.store(name, content)
    services.image_create(image=image, thumbnails=[])
    if with_thumbnails:
        image_thumbnails_generate(image=image)
    services.article_counts_refresh(articles=Article.objects.filter(pk=article.pk))
    services.album_counters_refresh(album_id=article.album_id)
    return image
