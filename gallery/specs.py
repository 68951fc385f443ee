"""The thumbnail ladder, its encoder settings and the accepted formats: one module, imported by everything."""

from dataclasses import dataclass

THUMBNAIL_SIZES: tuple[int, ...] = (160, 640, 1600)  # grid, preview, zoom: longest side fits in the box
THUMBNAIL_FORMATS: tuple[str, ...] = ("jpeg", "webp")

# Pillow save() options per thumbnail format. WebP `method` (0 fastest … 6 smallest) was chosen with
# `bench/ingest.py` on 12 MP photo-like JPEGs: WebP encoding is the largest single cost of a thumbnail ladder,
# and for the 1600 px rung method 0 took 41 ms against 148 ms for Pillow's default 4, for files 1.8% larger
# (method 6: 353 ms, 6% smaller than 0). Methods 3 and up switch on the slow RD-optimisation passes; 1 and 2
# were no smaller than 0 on photos. JPEG is baseline at every rung: at 1600 px progressive took 62 ms against
# 12 ms for files 4% smaller, and pages show the WebP rungs (the JPEG ones are the fallback for browsers
# without WebP, and what API clients download), so the progressive display rarely shows.
THUMBNAIL_ENCODE_OPTIONS: dict[str, dict] = {
    "jpeg": {"quality": 85},
    "webp": {"quality": 80, "method": 0},
}


@dataclass(frozen=True)
class PictureFormat:
    """A format accepted for originals: Pillow's name for it, the stored extension, the MIME type, its name
    for people."""

    pillow: str
    extension: str
    content_type: str
    label: str


# The one list of accepted formats; everything below (and every other app's list) is derived from it.
PICTURE_FORMATS: tuple[PictureFormat, ...] = (
    PictureFormat("JPEG", "jpg", "image/jpeg", "JPEG"),
    PictureFormat("PNG", "png", "image/png", "PNG"),
    PictureFormat("WEBP", "webp", "image/webp", "WebP"),
    PictureFormat("GIF", "gif", "image/gif", "GIF"),
    PictureFormat("TIFF", "tif", "image/tiff", "TIFF"),
    PictureFormat("BMP", "bmp", "image/bmp", "BMP"),
    PictureFormat("HEIF", "heic", "image/heic", "HEIC/HEIF"),
)
FORMAT_EXTENSIONS: dict[str, str] = {fmt.pillow: fmt.extension for fmt in PICTURE_FORMATS}
PICTURE_EXTENSIONS: frozenset[str] = frozenset(FORMAT_EXTENSIONS.values())
CONTENT_TYPES: dict[str, str] = {fmt.extension: fmt.content_type for fmt in PICTURE_FORMATS}
FORMATS_DESCRIPTION = ", ".join(fmt.label for fmt in PICTURE_FORMATS)  # "JPEG, PNG, WebP, …" for messages
THUMBNAIL_EXTENSIONS: dict[str, str] = {fmt: FORMAT_EXTENSIONS[fmt.upper()] for fmt in THUMBNAIL_FORMATS}
THUMBNAIL_FORMAT_BY_EXTENSION: dict[str, str] = {
    extension: fmt for fmt, extension in THUMBNAIL_EXTENSIONS.items()
}


@dataclass(frozen=True)
class ThumbnailSpec:
    size: int
    format: str

    @property
    def extension(self) -> str:
        return THUMBNAIL_EXTENSIONS[self.format]

    @property
    def encode_options(self) -> dict:
        """Pillow `save()` options for this rung."""
        return dict(THUMBNAIL_ENCODE_OPTIONS[self.format])


THUMBNAIL_SPECS: tuple[ThumbnailSpec, ...] = tuple(
    ThumbnailSpec(size, fmt) for size in THUMBNAIL_SIZES for fmt in THUMBNAIL_FORMATS
)


def fit_within(width: int, height: int, box: int) -> tuple[int, int]:
    """Dimensions of a `width`×`height` picture scaled to fit a `box`×`box` square, never upscaled."""
    if max(width, height) <= box:
        return width, height
    if width >= height:
        return box, max(1, round(height * box / width))
    return max(1, round(width * box / height)), box
