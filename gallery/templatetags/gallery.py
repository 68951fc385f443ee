"""Template helpers of the gallery pages: responsive thumbnails and pagination links."""

from django import template
from django.conf import settings
from django.http import QueryDict
from django.utils.html import format_html
from django.utils.translation import gettext as _

from gallery.links import download_url, original_url
from gallery.models import Image

register = template.Library()


@register.simple_tag
def picture(image: Image | None, sizes: str = "160px", alt: str = "") -> str:
    """A `<picture>` of `image`'s thumbnail rows: WebP and JPEG `srcset`s over the ladder, lazily loaded.

    Only the rows are read (`image.renditions`, attached by the selectors); storage is never asked.
    Without rows (photo still being processed) a placeholder is shown.
    """
    thumbnails = image.renditions if image is not None else []
    if not thumbnails:
        return format_html('<span class="placeholder">{}</span>', _("no preview"))
    by_format: dict[str, list] = {}
    for thumbnail in sorted(thumbnails, key=lambda t: t.width):
        by_format.setdefault(thumbnail.format, []).append(thumbnail)

    def srcset(rungs: list) -> str:
        return ", ".join(f"{t.url} {t.width}w" for t in rungs)

    fallback = by_format.get("jpeg") or next(iter(by_format.values()))
    smallest = fallback[0]
    webp = by_format.get("webp")
    source = (
        format_html('<source type="image/webp" srcset="{}" sizes="{}">', srcset(webp), sizes) if webp else ""
    )
    return format_html(
        '<picture>{}<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="lazy" '
        'decoding="async"></picture>',
        source,
        smallest.url,
        srcset(fallback),
        sizes,
        smallest.width,
        smallest.height,
        alt,
    )


@register.simple_tag
def zoom_url(image: Image) -> str:
    """The largest rendition the lightbox shows (the original when there are no rows yet)."""
    thumbnails = sorted(image.renditions, key=lambda t: (-t.size, t.format != "webp"))
    return thumbnails[0].url if thumbnails else original_url(image)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with `changes` applied (None removes a key), for pagination links."""
    query: QueryDict = context["request"].GET.copy()
    for key, value in changes.items():
        query.pop(key, None)
        if value not in (None, ""):
            query[key] = value
    return "?" + query.urlencode() if query else "?"


@register.simple_tag
def original(image: Image) -> str:
    """The protected URL of `image`'s original."""
    return original_url(image)


@register.simple_tag
def download(image: Image) -> str:
    """The protected URL that downloads `image`'s original under its uploaded name."""
    return download_url(image)


@register.simple_tag
def trash_days() -> int:
    """How many days deleted albums, articles and photos stay restorable (`TRASH_DAYS`)."""
    return settings.TRASH_DAYS
