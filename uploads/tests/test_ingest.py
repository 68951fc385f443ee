import threading

import pytest

from gallery import files
from gallery.models import Album, Article, Image, Thumbnail
from gallery.services import images_delete
from gallery.specs import THUMBNAIL_SPECS
from gallery.tests.factories import picture_bytes
from gallery.trash import trash_restore
from uploads import ingest as pipeline
from uploads.ingest import _Ingest
from uploads.models import UploadJob, UploadResult
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db


def test_a_zip_becomes_a_catalogue_with_thumbnails(ingest):
    job = ingest(
        {
            "Зима.zip": zip_bytes(
                {
                    "Зима/Куртка-01/фото 1.jpg": picture_bytes(color=(1, 1, 1)),
                    "Зима/Куртка-01/фото 2.jpg": picture_bytes(color=(2, 2, 2)),
                    "Зима/RC18.jpg": picture_bytes(color=(3, 3, 3)),
                    "Зима/RC18_1.png": picture_bytes(color=(4, 4, 4), fmt="PNG"),
                }
            )
        }
    )
    assert job.status == UploadJob.Status.DONE, job.error
    assert (job.total, job.added, job.duplicates, job.refused, job.ignored) == (4, 4, 0, 0, 0)
    album = Album.objects.get()
    assert album.name == "Зима"
    assert album.images_count == 4
    assert album.last_upload_at is not None
    rc18 = Image.objects.filter(article__sku="RC18").order_by("position")
    assert [(image.original_name, image.position) for image in rc18] == [("RC18.jpg", 0), ("RC18_1.png", 1)]
    for image in Image.objects.all():
        assert files.exists(image.file.name)
        assert image.thumbnails.count() == len(THUMBNAIL_SPECS)
    assert all(files.exists(thumb.file.name) for thumb in Thumbnail.objects.all())
    assert not any(job.results.filter(outcome=UploadResult.Outcome.PENDING))


def outcomes(job: UploadJob) -> dict[str, tuple[str, str]]:
    return {result.name: (result.outcome, result.code) for result in job.results.all()}


def test_cp866_and_unflagged_utf8_names_come_out_readable(ingest):
    from uploads.tests.builders import zip_with_raw_names

    data = zip_with_raw_names(
        [
            ("Зима/Куртка-01/фото 1.jpg".encode("cp866"), picture_bytes(color=(1, 1, 1))),
            ("Зима/Куртка-02/фото 2.jpg".encode(), picture_bytes(color=(2, 2, 2))),
        ]
    )
    job = ingest({"upload.zip": data})
    assert job.added == 2
    assert sorted(Image.objects.values_list("album__name", "article__sku", "original_name")) == [
        ("Зима", "Куртка-01", "фото 1.jpg"),
        ("Зима", "Куртка-02", "фото 2.jpg"),
    ]


def test_macos_and_windows_clutter_is_counted_as_ignored_and_not_listed(ingest):
    job = ingest(
        {
            "Весна.zip": zip_bytes(
                {
                    "Весна/": b"",
                    "Весна/SKU/": b"",
                    "Весна/SKU/a.jpg": picture_bytes(),
                    "__MACOSX/Весна/SKU/._a.jpg": b"\0\5\x16\7",
                    "Весна/.DS_Store": b"\0\0\0\1Bud1",
                    "Весна/SKU/Thumbs.db": b"\xd0\xcf\x11\xe0",
                    "Весна/desktop.ini": b"[.ShellClassInfo]",
                }
            )
        }
    )
    assert (job.total, job.added, job.ignored, job.refused) == (7, 1, 6, 0)
    assert list(outcomes(job)) == ["Весна/SKU/a.jpg"]
    assert Album.objects.get().name == "Весна"  # __MACOSX is not a second top-level folder


def test_duplicates_in_one_archive_and_a_second_upload_change_nothing(ingest):
    same = picture_bytes(color=(9, 9, 9))
    data = zip_bytes({"SKU-1/a.jpg": same, "SKU-1/b.jpg": same, "SKU-2/a.jpg": same})
    first = ingest({"Осень.zip": data})
    assert (first.added, first.duplicates) == (2, 1)
    assert outcomes(first)["SKU-1/b.jpg"] == ("duplicate", "duplicate")
    folders = sorted(files.folders(f"originals/{Album.objects.get().slug}"))

    again = ingest({"Осень.zip": data})
    assert (again.added, again.duplicates, again.refused) == (0, 3, 0)
    assert Image.objects.count() == 2
    assert sorted(files.folders(f"originals/{Album.objects.get().slug}")) == folders


def test_different_files_with_the_same_name_in_one_article_are_both_kept(ingest):
    data = zip_bytes(
        {"a/фото.jpg": picture_bytes(color=(1, 0, 0)), "b/фото.jpg": picture_bytes(color=(0, 1, 0))}
    )
    job = ingest({"x.zip": data}, album="Лето", article="АРТ-7")
    assert job.added == 2
    assert list(Image.objects.values_list("original_name", flat=True)) == ["фото.jpg", "фото.jpg"]
    assert Image.objects.values("file").distinct().count() == 2


def test_new_photos_go_after_the_existing_ones_in_layout_order(ingest):
    ingest({"1.zip": zip_bytes({"RC18.jpg": picture_bytes(color=(1, 1, 1))})}, album="Лето")
    job = ingest(
        {
            "2.zip": zip_bytes(
                {
                    "RC18_10.jpg": picture_bytes(color=(4, 4, 4)),
                    "RC18_2.jpg": picture_bytes(color=(3, 3, 3)),
                    "RC18_1.jpg": picture_bytes(color=(2, 2, 2)),
                }
            )
        },
        album="Лето",
    )
    assert job.added == 3
    assert list(Image.objects.order_by("position").values_list("original_name", "position")) == [
        ("RC18.jpg", 0),
        ("RC18_1.jpg", 1),
        ("RC18_2.jpg", 2),
        ("RC18_10.jpg", 3),
    ]


def test_an_added_photo_is_counted_in_its_article_as_soon_as_it_is_stored(ingest, monkeypatch):
    """An export sized mid-upload reads these counters: each must match the photos already committed."""
    seen = []
    step = _Ingest._article_step

    def watched(self, entry):
        article = Article.objects.get(pk=self.work_of[entry.index].article.pk)
        seen.append((article.images_count, article.images.count()))
        step(self, entry)

    monkeypatch.setattr(_Ingest, "_article_step", watched)
    photos = {f"RC18_{n}.jpg": picture_bytes(color=(n, n, n)) for n in range(1, 4)}
    job = ingest({"1.zip": zip_bytes(photos)}, album="Лето")
    assert job.added == 3
    assert sorted(seen) == [(1, 1), (2, 2), (3, 3)]


def test_a_photo_starts_rendering_before_its_journal_row_is_written(ingest, monkeypatch):
    """A render thread never waits on the job thread's database writes."""
    render, pending = pipeline.photo_render, pipeline.result_pending
    render_started = threading.Event()
    started_first: list[bool] = []

    def render_noted(prepared):
        render_started.set()
        return render(prepared)

    def pending_noted(**fields):
        started_first.append(render_started.wait(timeout=5))
        render_started.clear()
        return pending(**fields)

    monkeypatch.setattr(pipeline, "photo_render", render_noted)
    monkeypatch.setattr(pipeline, "result_pending", pending_noted)
    photos = {f"RC18_{n}.jpg": picture_bytes(color=(n, n, n)) for n in range(1, 3)}
    job = ingest({"1.zip": zip_bytes(photos)}, album="Лето")
    assert job.added == 2
    assert started_first == [True, True]


def test_replace_mode_makes_the_article_exactly_the_archive(ingest):
    keep, drop, new = (
        picture_bytes(color=(1, 2, 3)),
        picture_bytes(color=(4, 5, 6)),
        picture_bytes(color=(7, 8, 9)),
    )
    ingest({"old.zip": zip_bytes({"SKU/1.jpg": drop, "SKU/2.jpg": keep, "OTHER/1.jpg": drop})}, album="Лето")
    dropped = Image.objects.get(article__sku="SKU", original_name="1.jpg")
    dropped_files = [dropped.file.name, *dropped.thumbnails.values_list("file", flat=True)]

    job = ingest({"new.zip": zip_bytes({"SKU/a.jpg": new, "SKU/b.jpg": keep})}, album="Лето", mode="replace")
    assert job.status == UploadJob.Status.DONE, job.error
    assert (job.added, job.duplicates, job.removed) == (1, 1, 1)
    assert list(
        Image.objects.filter(article__sku="SKU").order_by("position").values_list("original_name", "position")
    ) == [("a.jpg", 0), ("2.jpg", 1)]
    assert list(Image.trashed.values_list("pk", flat=True)) == [dropped.pk]
    assert all(files.exists(name) for name in dropped_files), "the trash keeps the replaced photo's files"
    assert Image.objects.filter(article__sku="OTHER").count() == 1  # other articles untouched
    job.refresh_from_db()
    assert job.files_to_delete == []
    assert Album.objects.get().images_count == 3
    assert dict(Article.objects.values_list("sku", "images_count")) == {"SKU": 2, "OTHER": 1}


def test_a_photo_replace_mode_dropped_comes_back_from_the_trash_in_its_place(ingest):
    first, second, new = (
        picture_bytes(color=(1, 2, 3)),
        picture_bytes(color=(4, 5, 6)),
        picture_bytes(color=(7, 8, 9)),
    )
    ingest({"old.zip": zip_bytes({"SKU/1.jpg": first, "SKU/2.jpg": second})}, album="Лето")
    ingest({"new.zip": zip_bytes({"SKU/a.jpg": new, "SKU/b.jpg": second})}, album="Лето", mode="replace")
    dropped = Image.trashed.get()
    trash_restore(kind="photo", pk=dropped.pk, actor=None)
    names = Image.objects.order_by("position").values_list("original_name", flat=True)
    assert list(names) == ["1.jpg", "a.jpg", "2.jpg"]
    assert Article.objects.get().images_count == Album.objects.get().images_count == 3


def test_uploading_a_deleted_photo_again_adds_it_instead_of_calling_it_a_duplicate(ingest):
    photo = picture_bytes(color=(1, 2, 3))
    ingest({"1.zip": zip_bytes({"SKU/1.jpg": photo})}, album="Лето")
    images_delete(images=Image.objects.all())
    job = ingest({"2.zip": zip_bytes({"SKU/again.jpg": photo})}, album="Лето")
    assert (job.added, job.duplicates) == (1, 0)
    assert list(Image.objects.values_list("original_name", flat=True)) == ["again.jpg"]
    assert not Image.trashed.exists()


def test_single_photos_go_through_the_same_path(ingest):
    job = ingest(
        {"IMG_0001.HEIC": picture_bytes(fmt="HEIF"), "фото 2.jpg": picture_bytes(), "notes.txt": b"hello"},
        album="Лето 2026",
        article="АРТ-1",
    )
    assert job.kind == UploadJob.Kind.IMAGES
    assert (job.total, job.added, job.refused) == (3, 2, 1)
    assert outcomes(job)["notes.txt"] == ("refused", "unsupported_format")
    heic = Image.objects.get(original_name="IMG_0001.HEIC")
    assert (heic.format, heic.file.name.endswith(".heic")) == ("HEIF", True)
    assert heic.thumbnails.count() == len(THUMBNAIL_SPECS)


def test_the_action_log_records_the_upload_with_its_counts(ingest):
    from accounts.models import ActionLog

    job = ingest({"a.zip": zip_bytes({"SKU/a.jpg": picture_bytes(), "SKU/b.txt": b"no"})})
    entry = ActionLog.objects.get(action="upload")
    assert entry.user == job.user
    assert entry.object_repr == job.album.name
    assert (entry.details["added"], entry.details["refused"], entry.details["status"]) == (1, 1, "done")


def test_invisible_characters_never_make_a_second_album_article_or_name(ingest):
    ingest({"a.zip": zip_bytes({"Зима/АРТ-1/фото.jpg": picture_bytes(color=(1, 1, 1))})})
    job = ingest(
        {
            "b.zip": zip_bytes(
                {"\u200bЗима\u2066/АРТ\u200d-1\ufeff/\u202eфото\u202c 2.jpg": picture_bytes(color=(2, 2, 2))}
            )
        }
    )
    assert job.status == UploadJob.Status.DONE, job.error
    assert Album.objects.get().name == "Зима"
    assert Article.objects.get().sku == "АРТ-1"
    assert sorted(Image.objects.values_list("original_name", flat=True)) == ["фото 2.jpg", "фото.jpg"]
