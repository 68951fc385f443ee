"""Reads of the catalogue, shaped so that query counts do not grow with the number of rows shown."""

from django.db.models import QuerySet

from gallery.models import Album


def album_list() -> QuerySet[Album]:
    """All albums, by name; counters are columns, so no aggregation over photos."""
    return Album.objects.order_by("name_key")
