"""Reads of the catalogue, shaped so that query counts do not grow with the number of rows shown."""

from django.db.models import QuerySet
from django.http import Http404

from gallery.models import Album, Image, Thumbnail
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
