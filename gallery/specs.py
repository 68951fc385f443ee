"""The thumbnail ladder and the accepted formats: one module, imported by everything that needs them."""

from dataclasses import dataclass

THUMBNAIL_SIZES: tuple[int, ...] = (160, 640, 1600)  # grid, preview, zoom: longest side fits in the box
THUMBNAIL_FORMATS: tuple[str, ...] = ("jpeg", "webp")

FORMAT_EXTENSIONS: dict[str, str] = {
    "JPEG": "jpg",
    "PNG": "png",
    "WEBP": "webp",
    "GIF": "gif",
    "TIFF": "tif",
    "BMP": "bmp",
    "HEIF": "heic",
}
THUMBNAIL_EXTENSIONS: dict[str, str] = {"jpeg": "jpg", "webp": "webp"}
CONTENT_TYPES: dict[str, str] = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
    "gif": "image/gif",
    "tif": "image/tiff",
    "bmp": "image/bmp",
    "heic": "image/heic",
}


@dataclass(frozen=True)
class ThumbnailSpec:
    size: int
    format: str

    @property
    def extension(self) -> str:
        return THUMBNAIL_EXTENSIONS[self.format]


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
