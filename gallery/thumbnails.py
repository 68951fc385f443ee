"""Thumbnail generation: every rung of the ladder from one decode of the original.

The specs are declared for django-imagekit (one `ImageSpec` per rung of `gallery.specs.THUMBNAIL_SPECS`,
registered as `gallery:thumbnail_<size>_<format>`), and imagekit names their cache files through
`gallery.paths`. imagekit's own generation decodes the source again, at full size, for every spec; here a
photo is decoded once (JPEG with Pillow's `draft()`: the DCT scaling picks the largest 1/2, 1/4 or 1/8 scale
that still covers the biggest rung), oriented, converted to sRGB, and each smaller rung is resized from the
one above it. Output: EXIF orientation applied, colour converted to sRGB through the embedded ICC profile,
alpha composited onto white for JPEG and kept for WebP, no metadata (EXIF, GPS, XMP, ICC) carried over.

Writers keep the catalogue's invariant that a Thumbnail row exists only when its file does: files are written
first, rows after, and files written for a failed attempt are removed again.
"""

import io
import logging
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from django.db import transaction
from imagekit import ImageSpec, register
from imagekit.processors import ResizeToFit
from PIL import Image as PILImage
from PIL import ImageCms, ImageOps

from gallery import files
from gallery.models import Image, Thumbnail
from gallery.paths import thumbnail_name
from gallery.specs import THUMBNAIL_SPECS, ThumbnailSpec, fit_within

logger = logging.getLogger(__name__)

# BICUBIC rather than LANCZOS: on photo-like 12 MP pictures with fine print added, the two rungs differ by
# 39–46 dB PSNR and side by side at 2× zoom show no difference; BICUBIC costs ~20% less resize CPU and its
# files are 3–5% smaller (bench/ingest.py --resample-check).
RESAMPLE = PILImage.Resampling.BICUBIC
PIL_FORMATS = {"jpeg": "JPEG", "webp": "WEBP"}
JPEG_BACKGROUND = (255, 255, 255)
DECODE_BLOCK_BYTES = 8 * 1024**2  # a 12 MP camera JPEG in one read; bytes after the picture's end never read
_SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ThumbnailImageSpec(ImageSpec):
    """imagekit declaration of one rung; the source is an `Image.file` whose instance knows its article."""

    ladder_spec: ThumbnailSpec

    @property
    def cachefile_name(self) -> str:
        return thumbnail_storage_name(image=self.source.instance, spec=self.ladder_spec)


def _imagekit_spec(spec: ThumbnailSpec) -> type[ThumbnailImageSpec]:
    return type(
        f"Thumbnail{spec.size}{spec.format.capitalize()}",
        (ThumbnailImageSpec,),
        {
            "ladder_spec": spec,
            "processors": [ResizeToFit(spec.size, spec.size, upscale=False)],
            "format": PIL_FORMATS[spec.format],
            "options": spec.encode_options,
        },
    )


IMAGEKIT_SPECS: dict[ThumbnailSpec, type[ThumbnailImageSpec]] = {
    spec: _imagekit_spec(spec) for spec in THUMBNAIL_SPECS
}
for _spec, _generator in IMAGEKIT_SPECS.items():
    register.generator(f"gallery:thumbnail_{_spec.size}_{_spec.format}", _generator)


def thumbnail_storage_name(*, image: Image, spec: ThumbnailSpec) -> str:
    """Where `spec`'s rendition of `image` is stored (the image row may still be unsaved)."""
    return thumbnail_name(
        album_slug=image.article.album.slug,
        article_slug=image.article.slug,
        sha256=image.sha256,
        size=spec.size,
        extension=spec.extension,
    )


@dataclass(frozen=True)
class RenderedThumbnail:
    spec: ThumbnailSpec
    content: bytes
    width: int
    height: int


def _upright_size(picture: PILImage.Image) -> tuple[int, int]:
    """Size of the picture once its EXIF orientation is applied (5–8 swap the sides)."""
    width, height = picture.size
    orientation = picture.getexif().get(ImageOps.ExifTags.Base.Orientation, 1)
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def _normalised_mode(picture: PILImage.Image) -> PILImage.Image:
    """The picture in a mode that resizes and colour-converts well: RGB, RGBA, L or CMYK."""
    mode = picture.mode
    if mode in ("RGB", "RGBA", "L", "CMYK"):
        return picture
    if mode.startswith("I;16") or mode in ("I", "F"):
        # 16-bit and 32-bit greys: scale to 8 bits (a plain convert would clip everything above 255 to white).
        high = 65535 if mode.startswith("I;16") else max(1, picture.getextrema()[1] or 1)
        return picture.convert("F").point(lambda value: value * 255 / high).convert("L")
    if mode in ("P", "PA", "LA", "La", "RGBa") or picture.has_transparency_data:
        return picture.convert("RGBA")
    return picture.convert("RGB")


def _to_srgb(picture: PILImage.Image, icc_profile: bytes | None) -> PILImage.Image:
    """RGB or RGBA in sRGB, using the embedded ICC profile when there is a usable one."""
    alpha = picture.getchannel("A") if picture.mode == "RGBA" else None
    colour = picture.convert("RGB") if picture.mode == "RGBA" else picture
    converted = None
    if icc_profile:
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
            converted = ImageCms.profileToProfile(
                colour, source_profile, _SRGB_PROFILE, outputMode="RGB", renderingIntent=0
            )
        except (ImageCms.PyCMSError, OSError, ValueError) as exc:
            logger.info("ignoring an unusable ICC profile: %s", exc)
    if converted is None:
        converted = colour if colour.mode == "RGB" else colour.convert("RGB")
    if alpha is not None:
        converted.putalpha(alpha)
    return converted


def _without_opaque_alpha(picture: PILImage.Image) -> PILImage.Image:
    if picture.mode == "RGBA" and picture.getchannel("A").getextrema() == (255, 255):
        return picture.convert("RGB")
    return picture


def _on_white(picture: PILImage.Image) -> PILImage.Image:
    if picture.mode != "RGBA":
        return picture
    background = PILImage.new("RGB", picture.size, JPEG_BACKGROUND)
    background.paste(picture, mask=picture.getchannel("A"))
    return background


def _encode(picture: PILImage.Image, spec: ThumbnailSpec) -> bytes:
    """The rung encoded. Into a real file, not `BytesIO`: Pillow's encoder releases the GIL only when it
    writes to a file descriptor (`encode_to_file`), so ingest threads encode in parallel."""
    if spec.format == "jpeg":
        picture = _on_white(picture)
    with tempfile.TemporaryFile() as target:
        picture.save(target, format=PIL_FORMATS[spec.format], **spec.encode_options)
        target.seek(0)
        return target.read()


def _decode_block(source: BinaryIO) -> int:
    """How much the decoder reads at once: the rest of `source`, up to DECODE_BLOCK_BYTES. Pillow's default
    64 kB blocks each take the GIL back, and behind another thread running Python each one waits up to a
    switch interval."""
    position = source.tell()
    end = source.seek(0, io.SEEK_END)
    source.seek(position)
    return min(end - position, DECODE_BLOCK_BYTES)


def thumbnails_render(
    source: BinaryIO, *, specs: Iterable[ThumbnailSpec] = THUMBNAIL_SPECS
) -> list[RenderedThumbnail]:
    """Encode `specs` (default: the whole ladder) of the picture in `source` from one decode.

    Raises `PIL.UnidentifiedImageError`/`OSError`/`ValueError` when the picture cannot be decoded; the caller
    decides what that means (ingest validates before it renders).
    """
    specs = tuple(specs)
    sizes = sorted({spec.size for spec in specs}, reverse=True)
    rendered: list[RenderedThumbnail] = []
    # Everything happens inside `with`: the decoded picture is used in place (no copies of a 3 MP frame),
    # and closing the file would drop its pixels.
    with PILImage.open(source) as opened:
        opened.decodermaxblock = max(opened.decodermaxblock, _decode_block(source))
        upright_width, upright_height = _upright_size(opened)
        # The box is square, so the draft target does not depend on orientation.
        opened.draft(None, fit_within(*opened.size, sizes[0]))
        icc_profile = opened.info.get("icc_profile")
        ImageOps.exif_transpose(opened, in_place=True)
        picture = _normalised_mode(opened)
        for index, size in enumerate(sizes):
            target = fit_within(upright_width, upright_height, size)
            if picture.size != target:
                picture = picture.resize(target, RESAMPLE, reducing_gap=3.0)
            if index == 0:
                # Colour-convert once, on the largest rung rather than on the full decode: fewer pixels.
                picture = _without_opaque_alpha(_to_srgb(picture, icc_profile))
            for spec in specs:
                if spec.size == size:
                    rendered.append(RenderedThumbnail(spec, _encode(picture, spec), *picture.size))
    return rendered


def thumbnail_files_store(*, image: Image, rendered: Iterable[RenderedThumbnail]) -> list[Thumbnail]:
    """Write rendered thumbnails of `image` to storage (side by side on object storage); return their unsaved
    rows.

    Any file already at a thumbnail's name is replaced (names are content-addressed, so it holds the same
    picture or an orphan of a crashed run). If a write fails, the files written are removed and the error
    propagates: the caller has no rows to undo.
    """
    rendered = list(rendered)
    names = files.store_many(
        [(thumbnail_storage_name(image=image, spec=item.spec), item.content) for item in rendered]
    )
    return [
        Thumbnail(
            image=image,
            size=item.spec.size,
            format=item.spec.format,
            file=name,
            width=item.width,
            height=item.height,
            bytes=len(item.content),
        )
        for item, name in zip(rendered, names, strict=True)
    ]


def thumbnail_files_discard(thumbnails: Iterable[Thumbnail]) -> None:
    """Remove the files of thumbnails whose rows were never saved (cleanup after a failure)."""
    files.discard(thumbnail.file.name for thumbnail in thumbnails)


def image_thumbnails_generate(*, image: Image, missing_only: bool = False) -> list[Thumbnail]:
    """Render and store `image`'s thumbnails (all, or only those without a row) and save their rows.

    Files are written first and rows saved after, in one transaction. If storing or saving fails, the rows of
    the specs being (re)generated are deleted with their files, so they count as missing, and the error
    propagates; nothing is left without its counterpart.
    """
    existing = {(thumb.size, thumb.format): thumb for thumb in image.thumbnails.all()}
    specs = [spec for spec in THUMBNAIL_SPECS if not (missing_only and (spec.size, spec.format) in existing)]
    if not specs:
        return []
    with files.open_file(image.file.name) as source:
        rendered = thumbnails_render(source, specs=specs)
    attempted = [existing[key] for key in ((spec.size, spec.format) for spec in specs) if key in existing]
    new: list[Thumbnail] = []
    try:
        thumbnails = thumbnail_files_store(image=image, rendered=rendered)
        replaced = []
        for thumbnail in thumbnails:
            previous = existing.get((thumbnail.size, thumbnail.format))
            if previous is None:
                new.append(thumbnail)
            else:
                thumbnail.pk = previous.pk
                replaced.append(thumbnail)
        with transaction.atomic():
            Thumbnail.objects.bulk_create(new)
            Thumbnail.objects.bulk_update(replaced, ["file", "width", "height", "bytes"])
    except BaseException:
        Thumbnail.objects.filter(pk__in=[thumb.pk for thumb in attempted]).delete()
        thumbnail_files_discard(new)  # their rows were rolled back with the transaction
        raise
    return thumbnails
