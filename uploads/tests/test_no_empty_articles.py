"""An article is created only when a photo is stored in it: refused files never leave an empty article."""

import pytest

from gallery.models import Album, Article
from gallery.tests.factories import picture_bytes
from uploads import ingest_files
from uploads.models import UploadJob, UploadResult
from uploads.tests.builders import zip_bytes

pytestmark = pytest.mark.django_db


def test_a_refused_readme_at_the_album_root_creates_no_article(ingest):
    job = ingest(
        {
            "Весна.zip": zip_bytes(
                {
                    "Весна/readme.txt": b"photos of the spring season\n",
                    "Весна/RC18.jpg": picture_bytes(color=(1, 2, 3)),
                    "Весна/Куртка/broken.jpg": b"\xff\xd8\xff not really a jpeg",
                }
            )
        }
    )
    assert job.status == UploadJob.Status.DONE, job.error
    assert (job.added, job.refused) == (1, 2)
    assert list(Article.objects.values_list("sku", flat=True)) == ["RC18"]
    album = Album.objects.get()
    assert album.articles_count == 1
    refused = job.results.filter(outcome=UploadResult.Outcome.REFUSED)
    assert set(refused.values_list("name", flat=True)) == {"Весна/readme.txt", "Весна/Куртка/broken.jpg"}
    assert not refused.exclude(article=None).exists(), "a refused file names no article"


def test_an_upload_of_only_refused_files_creates_no_article(ingest):
    job = ingest({"Пусто.zip": zip_bytes({"notes.txt": b"x", "Пиджак/a.jpg": b"junk"})})
    assert job.status == UploadJob.Status.DONE, job.error
    assert job.refused == 2
    assert not Article.objects.exists()


def test_an_existing_article_is_kept_even_when_its_new_photos_are_refused(ingest):
    ingest({"Лето.zip": zip_bytes({"Лето/Пиджак/a.jpg": picture_bytes(color=(9, 9, 9))})})
    job = ingest({"Лето.zip": zip_bytes({"Лето/Пиджак/b.jpg": b"junk"})})
    assert job.refused == 1
    assert list(Article.objects.values_list("sku", flat=True)) == ["Пиджак"]


def test_an_article_whose_only_photo_fails_to_decode_is_gone_not_in_the_trash(ingest, monkeypatch):
    def undecodable(source):
        raise OSError("broken data stream")

    monkeypatch.setattr(ingest_files, "thumbnails_render", undecodable)
    job = ingest({"a.zip": zip_bytes({"RC18/1.jpg": picture_bytes()})}, album="Лето")
    assert job.refused == 1
    assert not Article.all_objects.exists()
    assert Album.objects.get().articles_count == 0
