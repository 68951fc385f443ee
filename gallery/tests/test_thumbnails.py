import io
import random

import pytest
from django.core.management import CommandError, call_command
from PIL import Image as PILImage
from PIL import ImageCms

from gallery import files
from gallery.models import Thumbnail
from gallery.paths import thumbnail_name
from gallery.specs import THUMBNAIL_SIZES, THUMBNAIL_SPECS, fit_within
from gallery.tests.factories import article_make, image_make
from gallery.thumbnails import IMAGEKIT_SPECS, image_thumbnails_generate, thumbnails_render

pytestmark = pytest.mark.django_db

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def encoded(picture: PILImage.Image, fmt: str, **options) -> io.BytesIO:
    buffer = io.BytesIO()
    picture.save(buffer, format=fmt, **options)
    buffer.seek(0)
    return buffer


def by_spec(rendered) -> dict:
    return {(item.spec.size, item.spec.format): item for item in rendered}


def decoded(item) -> PILImage.Image:
    picture = PILImage.open(io.BytesIO(item.content))
    picture.load()
    return picture


def near(actual, expected, tolerance=40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


def test_every_rung_fits_its_box_from_one_draft_decode():
    photo = encoded(PILImage.new("RGB", (4000, 3000), (30, 120, 200)), "JPEG", quality=90)
    rendered = by_spec(thumbnails_render(photo))
    assert set(rendered) == {(spec.size, spec.format) for spec in THUMBNAIL_SPECS}
    for (size, fmt), item in rendered.items():
        assert (item.width, item.height) == fit_within(4000, 3000, size)
        picture = decoded(item)
        assert picture.format == {"jpeg": "JPEG", "webp": "WEBP"}[fmt]
        assert picture.size == (item.width, item.height)
        assert near(picture.getpixel((item.width // 2, item.height // 2)), (30, 120, 200), 8)


def test_a_photo_reaches_the_decoder_in_one_read():
    """Pillow decodes block by block and takes the GIL back after each 64 kB read; with another ingest
    thread running Python, each block waits up to a switch interval. The whole photo goes in at once."""
    noise = PILImage.frombytes("RGB", (1200, 900), random.Random(0).randbytes(1200 * 900 * 3))
    data = encoded(noise, "JPEG", quality=95).getvalue()
    reads: list[int] = []

    class CountedReads(io.BytesIO):
        def read(self, size=-1):
            chunk = super().read(size)
            reads.append(len(chunk))
            return chunk

    thumbnails_render(CountedReads(data))
    assert len(data) > 4 * 65536
    assert max(reads) > 0.9 * len(data)


def test_jpeg_rungs_are_baseline():
    photo = encoded(PILImage.new("RGB", (4000, 3000), (30, 120, 200)), "JPEG", quality=90, progressive=True)
    jpegs = [decoded(item) for item in thumbnails_render(photo) if item.spec.format == "jpeg"]
    assert jpegs and not any(picture.info.get("progressive") for picture in jpegs)


def test_small_pictures_are_never_upscaled():
    rendered = thumbnails_render(encoded(PILImage.new("RGB", (100, 50), "red"), "PNG"))
    assert {(item.width, item.height) for item in rendered} == {(100, 50)}


def test_imagekit_declaration_agrees_with_the_cascade():
    image = image_make(width=300, height=701, with_thumbnails=False)
    rendered = by_spec(thumbnails_render(image.file.open("rb")))
    for spec, generator in IMAGEKIT_SPECS.items():
        reference = PILImage.open(generator(source=image.file).generate())
        ours = rendered[(spec.size, spec.format)]
        assert reference.size == (ours.width, ours.height)


def test_exif_rotated_photo_comes_out_upright():
    picture = PILImage.new("RGB", (600, 400), "blue")
    picture.paste((255, 0, 0), (0, 0, 300, 400))  # left half red as stored
    exif = PILImage.Exif()
    exif[ORIENTATION] = 6  # viewer must turn it 90° clockwise: the stored left half ends on top
    rendered = by_spec(thumbnails_render(encoded(picture, "JPEG", exif=exif.tobytes(), quality=95)))
    for fmt in ("jpeg", "webp"):
        thumb = decoded(rendered[(160, fmt)])
        assert thumb.size == (107, 160)
        assert near(thumb.getpixel((53, 20)), (255, 0, 0))
        assert near(thumb.getpixel((53, 140)), (0, 0, 255))


def test_gps_and_other_metadata_are_stripped():
    exif = PILImage.Exif()
    exif[ORIENTATION] = 1
    exif[0x010F] = "PhoneMaker"
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (55.0, 45.0, 0.0), 3: "E", 4: (37.0, 37.0, 0.0)})
    photo = encoded(PILImage.new("RGB", (800, 600), "green"), "JPEG", exif=exif.tobytes())
    assert GPS_IFD in PILImage.open(photo).getexif()
    photo.seek(0)
    for item in thumbnails_render(photo):
        thumb = decoded(item)
        assert not thumb.getexif()
        assert "exif" not in thumb.info
        assert b"PhoneMaker" not in item.content


def test_cmyk_jpeg_becomes_rgb_with_the_right_colour():
    photo = encoded(PILImage.new("CMYK", (320, 240), (0, 255, 255, 0)), "JPEG")
    for item in thumbnails_render(photo):
        thumb = decoded(item)
        assert thumb.mode == "RGB"
        assert near(thumb.getpixel((10, 10)), (255, 0, 0))


def test_png_alpha_is_white_in_jpeg_and_kept_in_webp():
    picture = PILImage.new("RGBA", (400, 400), (0, 0, 0, 0))
    picture.paste((200, 0, 0, 255), (100, 100, 300, 300))
    rendered = by_spec(thumbnails_render(encoded(picture, "PNG")))
    jpeg = decoded(rendered[(160, "jpeg")])
    assert near(jpeg.getpixel((2, 2)), (255, 255, 255), 4)
    assert near(jpeg.getpixel((80, 80)), (200, 0, 0))
    webp = decoded(rendered[(160, "webp")])
    assert webp.mode == "RGBA"
    assert webp.getpixel((2, 2))[3] == 0
    assert webp.getpixel((80, 80))[3] == 255


def test_gif_with_a_palette_and_transparency():
    picture = PILImage.new("P", (200, 100), 0)
    picture.putpalette([255, 255, 0] + [0, 128, 0] * 255)
    picture.paste(1, (100, 0, 200, 100))
    rendered = by_spec(thumbnails_render(encoded(picture, "GIF", transparency=1)))
    jpeg = decoded(rendered[(160, "jpeg")])
    assert near(jpeg.getpixel((10, 40)), (255, 255, 0))
    assert near(jpeg.getpixel((150, 40)), (255, 255, 255), 4)  # transparent half on white


def test_tiff_and_bmp_are_rendered():
    for fmt in ("TIFF", "BMP"):
        rendered = thumbnails_render(encoded(PILImage.new("RGB", (300, 200), (10, 200, 10)), fmt))
        assert near(decoded(rendered[0]).getpixel((5, 5)), (10, 200, 10), 10)


def test_16_bit_grey_png_keeps_its_tones():
    picture = PILImage.new("I;16", (200, 100), 32768)
    picture.paste(65535, (100, 0, 200, 100))
    rendered = by_spec(thumbnails_render(encoded(picture, "PNG")))
    thumb = decoded(rendered[(160, "jpeg")]).convert("L")
    assert abs(thumb.getpixel((20, 40)) - 128) <= 3
    assert thumb.getpixel((140, 40)) >= 252


def test_heic_from_a_phone_is_rendered():
    rendered = thumbnails_render(encoded(PILImage.new("RGB", (640, 480), (10, 200, 30)), "HEIF"))
    assert near(decoded(rendered[0]).getpixel((20, 20)), (10, 200, 30))


def test_embedded_srgb_profile_keeps_colours_and_a_broken_profile_is_ignored():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    for profile in (srgb, b"not an icc profile"):
        photo = encoded(PILImage.new("RGB", (300, 200), (180, 60, 20)), "PNG", icc_profile=profile)
        thumb = decoded(thumbnails_render(photo)[0])
        assert "icc_profile" not in thumb.info
        assert near(thumb.getpixel((5, 5)), (180, 60, 20), 6)


def test_generated_rows_point_at_content_addressed_files():
    image = image_make(width=2000, height=1000)
    thumbnails = list(image.thumbnails.all())
    assert len(thumbnails) == len(THUMBNAIL_SPECS)
    for thumb in thumbnails:
        assert thumb.file.name == thumbnail_name(
            album_slug=image.album.slug,
            article_slug=image.article.slug,
            sha256=image.sha256,
            size=thumb.size,
            extension={"jpeg": "jpg", "webp": "webp"}[thumb.format],
        )
        assert files.size(thumb.file.name) == thumb.bytes
        assert PILImage.open(files.open_file(thumb.file.name)).size == (thumb.width, thumb.height)


def test_a_failed_write_leaves_no_rows_and_no_files(monkeypatch):
    image = image_make(with_thumbnails=False)
    real_save = files.storage().save
    calls = []

    def flaky_save(name, content, **kwargs):
        calls.append(name)
        if len(calls) == 3:
            raise OSError("disk full")
        return real_save(name, content, **kwargs)

    monkeypatch.setattr(files.storage(), "save", flaky_save)
    with pytest.raises(OSError, match="disk full"):
        image_thumbnails_generate(image=image)
    assert not Thumbnail.objects.exists()
    assert not any(files.exists(name) for name in calls)


def test_command_fills_in_missing_thumbnails_and_regenerates_all(capsys):
    article = article_make()
    complete = image_make(article, original="a.jpg", color=(1, 2, 3))
    partial = image_make(article, original="b.jpg", color=(4, 5, 6))
    lost = partial.thumbnails.get(size=THUMBNAIL_SIZES[0], format="webp")
    lost.delete()  # its file stays until commit, like an orphan of a crashed run: it gets replaced
    untouched = {thumb.pk: thumb.file.name for thumb in complete.thumbnails.all()}

    call_command("thumbnails", "--missing")
    assert "1 photos processed, 1 thumbnails written, 0 failed" in capsys.readouterr().out
    assert partial.thumbnails.count() == len(THUMBNAIL_SPECS)
    assert files.exists(lost.file.name)
    assert {thumb.pk: thumb.file.name for thumb in complete.thumbnails.all()} == untouched

    call_command("thumbnails", "--all")
    assert "2 photos processed, 12 thumbnails written, 0 failed" in capsys.readouterr().out
    assert {thumb.pk: thumb.file.name for thumb in complete.thumbnails.all()} == untouched
    assert all(files.exists(name) for name in untouched.values())


def test_command_reports_photos_that_cannot_be_decoded(capsys):
    image = image_make(with_thumbnails=False)
    files.delete(image.file.name)
    files.store(image.file.name, io.BytesIO(b"not a picture"))
    with pytest.raises(CommandError):
        call_command("thumbnails", "--missing")
    assert f"image {image.pk}" in capsys.readouterr().err
