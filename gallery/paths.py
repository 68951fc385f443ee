"""Storage names of originals and thumbnails: generated and content-addressed, never a user's file name."""

from gallery.files import ORIGINALS_PREFIX, THUMBNAILS_PREFIX

SHA_PREFIX_LENGTH = 16


def original_name(*, album_slug: str, article_slug: str, sha256: str, extension: str) -> str:
    """`originals/<album>/<article>/<sha256[:16]>.<ext>`: changes whenever the photo changes."""
    return f"{ORIGINALS_PREFIX}{album_slug}/{article_slug}/{sha256[:SHA_PREFIX_LENGTH]}.{extension}"


def thumbnail_name(*, album_slug: str, article_slug: str, sha256: str, size: int, extension: str) -> str:
    """`thumbnails/<album>/<article>/<sha256[:16]>-<size>.<ext>`."""
    return f"{THUMBNAILS_PREFIX}{album_slug}/{article_slug}/{sha256[:SHA_PREFIX_LENGTH]}-{size}.{extension}"
