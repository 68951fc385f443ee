"""`manage.py sync_storage` on filesystem storage: every discrepancy, dry run, idempotence, the lock."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import ActionLog
from gallery.locks import album_lock, named_lock
from gallery.models import Album, Image, Thumbnail
from gallery.specs import THUMBNAIL_SPECS
from gallery.tests.factories import album_make, article_make, image_make, picture_bytes
from uploads.sync import SYNC_LOCK, SyncOptions, storage_sync

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("quick_locks")]


@pytest.fixture
def sync(django_capture_on_commit_callbacks):
    """Run the command like an operator (output piped); returns (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        status = 0
        with django_capture_on_commit_callbacks(execute=True):
            try:
                call_command("sync_storage", *args, stdout=out, stderr=err)
            except CommandError as exc:
                err.write(str(exc))
                status = 1
        return status, out.getvalue(), err.getvalue()

    return run


def files(media_root) -> dict[str, bytes]:
    return {
        str(path.relative_to(media_root)): path.read_bytes()
        for path in media_root.rglob("*")
        if path.is_file()
    }


def rows() -> list[tuple]:
    return sorted(Image.objects.values_list("id", "article_id", "file", "sha256", "bytes")) + sorted(
        Thumbnail.objects.values_list("image_id", "size", "format", "file")
    )


def put(media_root, name: str, content: bytes) -> None:
    path = media_root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


@pytest.fixture
def photo(media_root):
    return image_make(article_make(album_make("Весна 2026"), "АРТ-001"), width=120, height=90)


def counts_line(out: str, label: str) -> int:
    line = next(line for line in out.splitlines() if line.startswith(label))
    return int(line.split()[-1])


def test_a_consistent_catalogue_is_left_alone(sync, photo, media_root):
    before_files, before_rows = files(media_root), rows()
    status, out, _err = sync()
    assert status == 0
    assert "storage and database agree" in out
    assert counts_line(out, "photos checked") == 1
    assert files(media_root) == before_files
    assert rows() == before_rows


def test_a_hand_copied_cyrillic_tree_is_catalogued_once(sync, media_root):
    put(media_root, "incoming/Зима/Куртка-01/фото 2.jpg", picture_bytes(color=(10, 200, 10)))
    put(media_root, "incoming/Зима/Куртка-01/фото 10.jpg", picture_bytes(color=(10, 10, 200)))
    put(media_root, "incoming/Зима/RC18_1.png", picture_bytes(fmt="PNG", color=(0, 0, 0)))
    put(media_root, "incoming/Зима/RC18.jpg", picture_bytes(color=(250, 250, 0)))
    put(media_root, "incoming/Зима/.DS_Store", b"junk")
    status, out, _err = sync("--thumbnails")
    assert status == 0, out
    album = Album.objects.get(name="Зима")
    jacket = album.articles.get(sku="Куртка-01")
    assert list(jacket.images.order_by("position").values_list("original_name", flat=True)) == [
        "фото 2.jpg",
        "фото 10.jpg",
    ]
    assert list(
        album.articles.get(sku="RC18").images.order_by("position").values_list("format", flat=True)
    ) == [
        "JPEG",
        "PNG",
    ]
    assert Thumbnail.objects.count() == 4 * len(THUMBNAIL_SPECS)
    assert all((media_root / name).is_file() for name in Thumbnail.objects.values_list("file", flat=True))
    assert (album.images_count, album.articles_count) == (4, 2)
    assert dict(album.articles.values_list("sku", "images_count")) == {"Куртка-01": 2, "RC18": 2}
    stored = files(media_root)
    assert not [name for name in stored if name.startswith("incoming/") and not name.endswith(".DS_Store")]
    assert all(
        name.startswith(f"originals/{album.slug}/") for name in Image.objects.values_list("file", flat=True)
    )
    assert counts_line(out, "hand-copied files catalogued") == 4
    assert counts_line(out, "junk files ignored") == 1

    before_files, before_rows = files(media_root), rows()
    status, out, _err = sync()
    assert status == 0
    assert counts_line(out, "hand-copied files catalogued") == 0
    assert files(media_root) == before_files
    assert rows() == before_rows


def test_a_file_copied_next_to_an_articles_photos_joins_that_article(sync, photo, media_root):
    folder = photo.file.name.rsplit("/", 1)[0]
    put(media_root, f"{folder}/новое фото.jpg", picture_bytes(color=(1, 100, 200)))
    status, out, _err = sync()
    assert status == 0, out
    added = Image.objects.exclude(pk=photo.pk).get()
    assert (added.article_id, added.position, added.original_name) == (photo.article_id, 1, "новое фото.jpg")
    assert not (media_root / folder / "новое фото.jpg").exists()
    assert (media_root / added.file.name).exists()


def test_a_copy_of_a_catalogued_photo_is_reported_as_duplicate(sync, photo, media_root):
    put(media_root, "incoming/Весна 2026/АРТ-001/again.jpg", (media_root / photo.file.name).read_bytes())
    status, out, _err = sync()
    assert status == 0, out
    assert Image.objects.count() == 1
    assert counts_line(out, "hand-copied files already catalogued") == 1


def test_refused_files_stay_and_fail_the_run(sync, media_root):
    put(media_root, "incoming/Зима/Куртка/evil.jpg", b"<html><script>alert(1)</script></html>")
    put(media_root, "incoming/loose.jpg", picture_bytes())
    status, out, err = sync()
    assert status == 1
    assert "an HTML page, not a photo" in out
    assert "album folder" in out
    assert (media_root / "incoming/Зима/Куртка/evil.jpg").exists()
    assert not Image.objects.exists()
    assert "could not be put right" in err


def test_deleted_originals_are_reported_then_removed_with_delete_missing(sync, photo, media_root):
    (media_root / photo.file.name).unlink()
    status, out, _err = sync()
    assert status == 1
    assert counts_line(out, "photos whose original is missing") == 1
    assert Image.objects.filter(pk=photo.pk).exists()
    status, out, _err = sync("--delete-missing")
    assert status == 0, out
    assert not Image.objects.exists()
    assert not [name for name in files(media_root) if name.startswith("thumbnails/")]
    assert Album.objects.get(pk=photo.album_id).images_count == 0


def test_a_changed_original_is_reprocessed(sync, photo, media_root):
    new_content = picture_bytes(width=300, height=200, color=(0, 80, 160))
    (media_root / photo.file.name).write_bytes(new_content)
    status, out, _err = sync()
    assert status == 0, out
    photo.refresh_from_db()
    assert (photo.width, photo.height, photo.bytes) == (300, 200, len(new_content))
    assert (media_root / photo.file.name).read_bytes() == new_content
    assert photo.file.name.rsplit("/", 1)[1].startswith(photo.sha256[:16])
    assert {thumb.width for thumb in photo.thumbnails.all()} == {160, 300}
    assert len(files(media_root)) == 1 + len(THUMBNAIL_SPECS)  # old original and thumbnails are gone
    status, out, _err = sync()
    assert counts_line(out, "changed originals re-processed") == 0


def test_thumbnails_missing_and_orphan_are_fixed_only_with_the_option(sync, photo, media_root):
    lost = photo.thumbnails.get(size=640, format="webp")
    (media_root / lost.file.name).unlink()
    put(media_root, f"thumbnails/{photo.album.slug}/old/0123456789abcdef-160.jpg", b"orphan")
    put(media_root, "thumbnails/deleted-album/x/0123456789abcdef-160.jpg", b"orphan")
    status, out, _err = sync()
    assert status == 0
    assert "do not agree" in out
    assert counts_line(out, "thumbnails missing") == 1
    assert counts_line(out, "orphan thumbnail files") == 2
    status, out, _err = sync("--thumbnails")
    assert counts_line(out, "thumbnails generated") == 1
    assert counts_line(out, "orphan thumbnail files deleted") == 2
    assert (media_root / photo.thumbnails.get(size=640, format="webp").file.name).exists()
    assert not [name for name in files(media_root) if "0123456789abcdef" in name]
    status, out, _err = sync("--thumbnails")
    assert "storage and database agree" in out


def test_dry_run_changes_nothing(sync, photo, media_root):
    other = image_make(photo.article, color=(0, 0, 250))
    (media_root / other.file.name).unlink()
    (media_root / photo.thumbnails.first().file.name).unlink()
    (media_root / photo.file.name).write_bytes(picture_bytes(width=50, height=50, color=(9, 9, 9)))
    put(media_root, "incoming/Зима/Куртка-01/фото 1.jpg", picture_bytes(color=(10, 200, 10)))
    put(media_root, "thumbnails/gone/x/0123456789abcdef-160.jpg", b"orphan")
    before_files, before_rows = files(media_root), rows()
    status, out, _err = sync("--dry-run", "--delete-missing", "--thumbnails")
    assert "Dry run" in out
    assert files(media_root) == before_files
    assert rows() == before_rows
    assert not Album.objects.filter(name="Зима").exists()
    assert counts_line(out, "hand-copied files catalogued") == 1
    assert counts_line(out, "photos whose original is missing") == 1
    assert counts_line(out, "changed originals re-processed") == 1
    assert status == 1  # the missing original is an error until removed


def test_album_option_limits_the_run(sync, photo, media_root):
    put(media_root, "incoming/Зима/Куртка-01/фото 1.jpg", picture_bytes(color=(10, 200, 10)))
    status, out, _err = sync("--album", "весна 2026")
    assert status == 0, out
    assert counts_line(out, "photos checked") == 1
    assert not Album.objects.filter(name="Зима").exists()
    sync("--album", "ЗИМА")
    assert Album.objects.get(name="Зима").images_count == 1
    put(media_root, "incoming/Зима/Куртка-01/фото 2.jpg", picture_bytes(color=(10, 10, 200)))
    sync("--album", "zima")  # the slug works too, for the inbox as well
    assert Album.objects.get(name="Зима").images_count == 2


def test_a_busy_album_is_skipped_with_an_error(sync, photo, media_root):
    (media_root / photo.file.name).unlink()
    with album_lock(photo.album_id):
        status, out, _err = sync("--delete-missing")
    assert status == 1
    assert "busy" in out
    assert Image.objects.filter(pk=photo.pk).exists()


def test_a_second_sync_is_refused_while_one_runs(sync, photo):
    with named_lock(SYNC_LOCK):
        status, _out, err = sync()
    assert status == 1
    assert "another sync is running" in err


def test_each_run_goes_to_the_action_log(sync, photo):
    sync("--dry-run")
    entry = ActionLog.objects.get(action="storage_sync")
    assert entry.username == "manage.py sync_storage"
    assert entry.details["options"]["dry_run"] is True
    assert entry.details["counts"]["checked"] == 1


def test_piped_output_has_plain_progress_lines(sync, photo):
    _status, _out, err = sync()
    assert "album 1/1" in err
    assert "\r" not in err


def test_report_of_the_service(photo, django_capture_on_commit_callbacks):
    report = storage_sync(options=SyncOptions())
    assert report.in_sync
    assert report.as_dict()["counts"]["checked"] == 1


def test_an_unknown_album_is_an_error(sync, photo):
    status, out, _err = sync("--album", "Нет такого")
    assert status == 1
    assert "no album has this name" in out


def test_an_original_overwritten_with_a_non_picture_is_reported_not_catalogued(sync, photo, media_root):
    (media_root / photo.file.name).write_bytes(b"%PDF-1.7 not a photo at all")
    status, out, _err = sync()
    assert status == 1
    assert "changed and no longer accepted: a PDF document" in out
    photo.refresh_from_db()
    assert photo.file.name and Image.objects.filter(pk=photo.pk).exists()


def test_an_original_overwritten_with_its_neighbour_is_reported(sync, photo, media_root):
    neighbour = image_make(photo.article, color=(0, 0, 250))
    (media_root / photo.file.name).write_bytes((media_root / neighbour.file.name).read_bytes())
    status, out, _err = sync()
    assert status == 1
    assert f"copy of photo #{neighbour.pk}" in out
    assert Image.objects.count() == 2


def test_a_hand_copied_pixel_bomb_is_refused_before_decoding(sync, media_root, settings):
    settings.UPLOAD_MAX_PIXELS = 10_000
    put(media_root, "incoming/Зима/Куртка/huge.png", picture_bytes(width=200, height=100, fmt="PNG"))
    status, out, _err = sync()
    assert status == 1
    assert "the limit is" in out
    assert not Image.objects.exists()
