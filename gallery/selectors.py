"""Reads of the catalogue, shaped so that query counts do not grow with the number of rows shown."""

import datetime

from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from gallery.models import Album, Article, Image, Thumbnail
from gallery.specs import THUMBNAIL_EXTENSIONS

THUMBNAIL_FORMAT_BY_EXTENSION = {extension: fmt for fmt, extension in THUMBNAIL_EXTENSIONS.items()}


def album_list() -> QuerySet[Album]:
    """All albums, by name; counters are columns, so no aggregation over photos."""
    return Album.objects.order_by("name_key")


def image_for_file(*, image_id: int | str, sha: str) -> Image:
    """The image whose id and content-hash prefix a file URL names; Http404 when they do not match."""
    image = Image.objects.filter(pk=int(image_id)).only("file", "sha256", "original_name").first()
    if image is None or not image.sha256.startswith(sha):
        raise Http404("No such file.")
    return image


def thumbnail_for_file(*, image_id: int | str, sha: str, size: int | str, extension: str) -> Thumbnail:
    """The rendition a thumbnail URL names (image id, hash prefix, size, extension); Http404 otherwise."""
    thumbnail = (
        Thumbnail.objects.filter(
            image_id=int(image_id),
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


def catalogue_totals() -> dict[str, int]:
    """Albums, articles, photos and thumbnails counted from their rows; bytes of originals and thumbnails."""
    images = Image.objects.aggregate(count=Count("id"), bytes=Sum("bytes"))
    thumbnails = Thumbnail.objects.aggregate(count=Count("id"), bytes=Sum("bytes"))
    return {
        "albums": Album.objects.count(),
        "articles": Article.objects.count(),
        "images": images["count"],
        "thumbnails": thumbnails["count"],
        "original_bytes": images["bytes"] or 0,
        "thumbnail_bytes": thumbnails["bytes"] or 0,
    }


def album_sizes(*, limit: int = 20) -> list[dict]:
    """The `limit` largest albums by bytes of originals (album counters), with their thumbnails' bytes."""
    albums = list(
        Album.objects.order_by("-bytes_total", "name_key").values(
            "id", "name", "slug", "articles_count", "images_count", "bytes_total"
        )[:limit]
    )
    thumbnail_bytes = dict(
        Thumbnail.objects.filter(image__album_id__in=[album["id"] for album in albums])
        .values_list("image__album_id")
        .annotate(total=Sum("bytes"))
        .order_by()
    )
    return [
        {
            "name": album["name"],
            "slug": album["slug"],
            "articles": album["articles_count"],
            "images": album["images_count"],
            "original_bytes": album["bytes_total"],
            "thumbnail_bytes": thumbnail_bytes.get(album["id"], 0),
        }
        for album in albums
    ]


def uploads_per_day(*, days: int = 90, today: datetime.date | None = None) -> list[dict]:
    """For each of the last `days` days (oldest first, in the site's time zone): photos added, their bytes
    (originals plus thumbnails), and the catalogue's total bytes at the end of that day (storage growth).

    Counts come from the photos still catalogued: deleted photos count neither on their day nor in the total.
    """
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    zone = timezone.get_current_timezone()
    since = datetime.datetime.combine(first, datetime.time.min, zone)
    images = {
        row["day"]: row
        for row in Image.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(count=Count("id"), bytes=Sum("bytes"))
        .order_by()
    }
    thumbnails = dict(
        Thumbnail.objects.filter(image__created_at__gte=since)
        .annotate(day=TruncDate("image__created_at", tzinfo=zone))
        .values_list("day")
        .annotate(bytes=Sum("bytes"))
        .order_by()
    )
    total = (Image.objects.filter(created_at__lt=since).aggregate(bytes=Sum("bytes"))["bytes"] or 0) + (
        Thumbnail.objects.filter(image__created_at__lt=since).aggregate(bytes=Sum("bytes"))["bytes"] or 0
    )
    series = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        row = images.get(day, {})
        added = (row.get("bytes") or 0) + (thumbnails.get(day) or 0)
        total += added
        series.append({"day": day, "images": row.get("count", 0), "bytes": added, "total_bytes": total})
    return series
