"""The catalogue's figures for the statistics page: totals, the largest albums, photos and bytes per day.

Counted from rows (album counters where they exist), never from storage; photos in the trash are counted
apart. Reads only, like `gallery.selectors`.
"""

import datetime

from django.db.models import Count, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from core.dates import local_midnight
from gallery.models import Album, Article, Image, Thumbnail


def catalogue_totals() -> dict[str, int]:
    """Albums, articles, photos and thumbnails counted from their rows; bytes of originals and thumbnails;
    the photos in the trash and the bytes their files still take (originals and thumbnails)."""
    images = Image.objects.aggregate(count=Count("id"), bytes=Sum("bytes"))
    trashed = Image.trashed.aggregate(count=Count("id"), bytes=Sum("bytes"))
    trashed_thumbnails = Thumbnail.objects.filter(image__deleted_at__isnull=False).aggregate(
        bytes=Sum("bytes")
    )
    thumbnails = Thumbnail.objects.filter(image__deleted_at__isnull=True).aggregate(
        count=Count("id"), bytes=Sum("bytes")
    )
    return {
        "albums": Album.objects.count(),
        "articles": Article.objects.count(),
        "images": images["count"],
        "thumbnails": thumbnails["count"],
        "original_bytes": images["bytes"] or 0,
        "thumbnail_bytes": thumbnails["bytes"] or 0,
        "trash_images": trashed["count"],
        "trash_bytes": (trashed["bytes"] or 0) + (trashed_thumbnails["bytes"] or 0),
    }


def album_sizes(*, limit: int = 20) -> list[dict]:
    """The `limit` largest albums by bytes of originals (album counters), with their thumbnails' bytes."""
    albums = list(
        Album.objects.order_by("-bytes_total", "name_key").values(
            "id", "name", "slug", "articles_count", "images_count", "bytes_total"
        )[:limit]
    )
    thumbnail_bytes = dict(
        Thumbnail.objects.filter(
            image__album_id__in=[album["id"] for album in albums], image__deleted_at__isnull=True
        )
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

    Counts come from the photos still catalogued: deleted photos (in the trash or gone) count neither on their
    day nor in the total.
    """
    today = today or timezone.localdate()
    first = today - datetime.timedelta(days=days - 1)
    zone = timezone.get_current_timezone()
    since = local_midnight(first)
    images = {
        row["day"]: row
        for row in Image.objects.filter(created_at__gte=since)
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values("day")
        .annotate(count=Count("id"), bytes=Sum("bytes"))
        .order_by()
    }
    thumbnails = dict(
        Thumbnail.objects.filter(image__created_at__gte=since, image__deleted_at__isnull=True)
        .annotate(day=TruncDate("image__created_at", tzinfo=zone))
        .values_list("day")
        .annotate(bytes=Sum("bytes"))
        .order_by()
    )
    earlier_thumbnails = Thumbnail.objects.filter(image__created_at__lt=since, image__deleted_at__isnull=True)
    total = (Image.objects.filter(created_at__lt=since).aggregate(bytes=Sum("bytes"))["bytes"] or 0) + (
        earlier_thumbnails.aggregate(bytes=Sum("bytes"))["bytes"] or 0
    )
    series = []
    for offset in range(days):
        day = first + datetime.timedelta(days=offset)
        row = images.get(day, {})
        added = (row.get("bytes") or 0) + (thumbnails.get(day) or 0)
        total += added
        series.append({"day": day, "images": row.get("count", 0), "bytes": added, "total_bytes": total})
    return series
