"""The trash: deletes hide rows and keep files; restores bring them back; purges delete them for good."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import ActionLog
from gallery import catalogue_figures, files, moves, selectors, services
from gallery.models import Album, Article, Image, Thumbnail
from gallery.tests.factories import album_make, article_make, image_make
from gallery.trash import trash_entries, trash_purge, trash_restore

pytestmark = pytest.mark.django_db


@pytest.fixture
def article():
    article = article_make(album_make("Лето"), "A-1")
    for index in range(3):
        image_make(article, color=(index * 60, 0, 0), original=f"{index}.jpg")
    return article


def photo_names(article: Article) -> list[str]:
    return list(article.images.order_by("position", "id").values_list("original_name", flat=True))


def counters(album_id: int) -> tuple[int, int]:
    album = Album.all_objects.get(pk=album_id)
    return album.articles_count, album.images_count


def album_files(album: Album) -> list[str]:
    names = list(Image.all_objects.filter(album=album).values_list("file", flat=True))
    return names + list(Thumbnail.objects.filter(image__album=album).values_list("file", flat=True))


def test_a_deleted_photo_leaves_pages_and_counters_keeps_files_and_comes_back_in_its_place(article):
    middle = article.images.get(original_name="1.jpg")
    services.images_delete(images=[middle])
    assert photo_names(article) == ["0.jpg", "2.jpg"]
    assert counters(article.album_id) == (1, 2)
    assert Article.objects.get(pk=article.pk).images_count == 2
    assert files.exists(middle.file.name)
    assert [row["id"] for row in selectors.image_page(album=article.album, limit=10).items] == list(
        article.images.order_by("position").values_list("pk", flat=True)
    )
    trash_restore(kind="photo", pk=middle.pk, actor=None)
    assert photo_names(article) == ["0.jpg", "1.jpg", "2.jpg"]
    assert list(article.images.order_by("position").values_list("position", flat=True)) == [0, 1, 2]
    assert counters(article.album_id) == (1, 3)


def test_a_deleted_article_comes_back_with_its_photos_but_not_those_deleted_before(article):
    first = article.images.get(original_name="0.jpg")
    services.images_delete(images=[first])
    services.article_delete(article=article)
    assert not Article.objects.filter(pk=article.pk).exists()
    assert counters(article.album_id) == (0, 0)
    assert [(entry.kind, entry.row.pk) for entry in trash_entries().entries] == [
        ("article", article.pk),
        ("photo", first.pk),
    ]
    trash_restore(kind="article", pk=article.pk, actor=None)
    assert photo_names(article) == ["1.jpg", "2.jpg"]
    assert counters(article.album_id) == (1, 2)


def test_a_deleted_album_comes_back_whole_unless_its_name_was_taken_meanwhile(article):
    album = article.album
    services.album_delete(album=album)
    assert not Album.objects.exists()
    assert all(files.exists(name) for name in album_files(album))
    newer = services.album_create(name="ЛЕТО")
    assert newer.slug != album.slug, "slugs stay unique: they name the folders of the files"
    with pytest.raises(ValidationError, match="exists: rename it"):
        trash_restore(kind="album", pk=album.pk, actor=None)
    assert Album.trashed.filter(pk=album.pk).exists(), "a refused restore changes nothing"
    services.album_rename(album=newer, name="Лето (новое)")
    trash_restore(kind="album", pk=album.pk, actor=None)
    assert photo_names(Article.objects.get(pk=article.pk)) == ["0.jpg", "1.jpg", "2.jpg"]
    assert counters(album.pk) == (1, 3)


def test_restoring_a_photo_of_a_deleted_album_brings_the_album_back(article):
    photo = article.images.get(original_name="2.jpg")
    services.images_delete(images=[photo])
    services.album_delete(album=article.album)
    trash_restore(kind="photo", pk=photo.pk, actor=None)
    assert Album.objects.filter(pk=article.album_id).exists()
    assert photo_names(article) == ["0.jpg", "1.jpg", "2.jpg"]
    assert not Image.trashed.exists()


def test_restoring_twice_says_the_item_is_gone(article):
    photo = article.images.first()
    services.images_delete(images=[photo])
    trash_restore(kind="photo", pk=photo.pk, actor=None)
    with pytest.raises(ValidationError, match="no longer in the trash"):
        trash_restore(kind="photo", pk=photo.pk, actor=None)


def test_a_deleted_sku_is_free_for_a_new_article_and_its_restore_then_reports_the_clash(article):
    services.article_delete(article=article)
    newer, created = services.article_get_or_create(album=article.album, sku="a-1")
    assert created and newer.slug != article.slug
    with pytest.raises(ValidationError, match="has an article “A-1” again"):
        trash_restore(kind="article", pk=article.pk, actor=None)


def test_uploading_a_trashed_photos_bytes_again_brings_that_row_back_as_a_new_photo(article):
    photo = article.images.get(original_name="1.jpg")
    services.images_delete(images=[photo])
    again = image_make(article, color=(60, 0, 0), original="again.jpg", position=5)
    assert again.pk == photo.pk, "no second row shares the trashed one's files"
    assert photo_names(article) == ["0.jpg", "2.jpg", "again.jpg"]
    assert not Image.trashed.exists()
    assert Thumbnail.objects.filter(image=again).count() == photo.thumbnails.count() > 0


def test_purge_deletes_rows_and_files_only_after_trash_days(
    article, settings, django_capture_on_commit_callbacks
):
    settings.TRASH_DAYS = 30
    album = article.album
    names = album_files(album)
    photo = article.images.first()
    services.images_delete(images=[photo])
    services.album_delete(album=album)
    day = datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert trash_purge(now=timezone.now() + 29 * day) == {}
    assert Album.trashed.exists() and all(files.exists(name) for name in names)
    with django_capture_on_commit_callbacks(execute=True):
        assert trash_purge(now=timezone.now() + 31 * day) == {"photo": 3, "article": 1, "album": 1}
    assert (
        not Album.all_objects.exists() and not Image.all_objects.exists() and not Thumbnail.objects.exists()
    )
    assert not any(files.exists(name) for name in names)
    assert ActionLog.objects.filter(action="trash_purge").count() == 1


def test_purge_leaves_the_trash_of_other_days_and_live_rows(article, django_capture_on_commit_callbacks):
    old, recent = article.images.order_by("position")[:2]
    services.images_delete(images=[old])
    Image.all_objects.filter(pk=old.pk).update(deleted_at=timezone.now() - datetime.timedelta(days=40))
    services.images_delete(images=[recent])
    with django_capture_on_commit_callbacks(execute=True):
        assert trash_purge() == {"photo": 1}
    assert not files.exists(old.file.name) and files.exists(recent.file.name)
    assert list(Image.trashed.values_list("pk", flat=True)) == [recent.pk]
    assert article.images.count() == 1


def test_a_trashed_photo_is_gone_from_its_file_urls_and_search(client_as, viewer, article):
    photo = article.images.first()
    client = client_as(viewer)
    thumbnail = photo.thumbnails.first()
    original_url = reverse(
        "gallery:file_original", args=[photo.pk, photo.sha256[:16], photo.file.name.rsplit(".", 1)[1]]
    )
    thumbnail_url = reverse(
        "gallery:file_thumbnail", args=[photo.pk, photo.sha256[:16], thumbnail.size, thumbnail.file.name[-3:]]
    )
    assert client.get(original_url).status_code == 200
    assert client.get(thumbnail_url).status_code == 200
    services.article_delete(article=article)
    assert client.get(original_url).status_code == 404
    assert client.get(thumbnail_url).status_code == 404
    assert selectors.catalogue_search(text="A-1").groups == []
    assert client.get(reverse("gallery:article", args=[article.album.slug, article.slug])).status_code == 404


def test_trashed_rows_are_left_out_of_the_api_and_the_statistics(client_as, viewer, article):
    services.images_delete(images=[article.images.first()])
    client = client_as(viewer)
    files_answer = client.get(f"/api/files/{article.album.name}").json()
    assert len(files_answer["items"]) == 2
    totals = catalogue_figures.catalogue_totals()
    assert (totals["images"], totals["thumbnails"]) == (
        2,
        2 * Thumbnail.objects.filter(image=article.images.first()).count(),
    )
    services.album_delete(album=article.album)
    assert client.get("/api/albums").json()["items"] == []
    assert client.get(f"/api/files/{article.album.name}").status_code == 404
    assert catalogue_figures.catalogue_totals()["images"] == 0


def test_the_selection_delete_goes_to_the_trash_and_the_admin_restores_it(
    client_as, uploader, app_admin, article
):
    photos = list(article.images.order_by("position"))
    deleting = client_as(app_admin)
    response = deleting.post(
        reverse("gallery:selection_delete"),
        {"album": article.album.slug, "image": [photos[0].pk, photos[2].pk], "confirmed": "1"},
    )
    assert response.status_code == 302
    assert photo_names(article) == ["1.jpg"]
    page = deleting.get(reverse("admin:trash")).content.decode()
    assert "Photo “0.jpg” of article “A-1” in album “Лето”" in page
    response = deleting.post(
        reverse("admin:trash"),
        {"action": "restore", "entry": [f"photo:{photos[0].pk}", f"photo:{photos[2].pk}"]},
    )
    assert response.status_code == 302
    assert photo_names(article) == ["0.jpg", "1.jpg", "2.jpg"]
    assert ActionLog.objects.filter(action="trash_restore").count() == 2
    assert client_as(uploader).get(reverse("admin:trash")).status_code == 403


def test_emptying_the_trash_asks_first_then_deletes_rows_and_files(
    appadmin_client, article, django_capture_on_commit_callbacks
):
    services.album_delete(album=article.album)
    names = album_files(article.album)
    confirm = appadmin_client.post(reverse("admin:trash"), {"action": "empty"})
    assert "This cannot be undone" in confirm.content.decode()
    assert Album.trashed.exists()
    with django_capture_on_commit_callbacks(execute=True):
        appadmin_client.post(reverse("admin:trash"), {"action": "empty", "confirmed": "1"})
    assert not Album.all_objects.exists()
    assert not any(files.exists(name) for name in names)
    assert ActionLog.objects.filter(action="trash_empty").exists()
    assert "The trash is empty." in appadmin_client.get(reverse("admin:trash")).content.decode()


def test_restore_refusals_are_shown_on_the_trash_page(appadmin_client, article):
    services.article_delete(article=article)
    article_make(article.album, "A-1")
    response = appadmin_client.post(
        reverse("admin:trash"),
        {"action": "restore", "entry": [f"article:{article.pk}", "bogus", "photo:x"]},
        follow=True,
    )
    assert "has an article “A-1” again" in response.content.decode()
    assert Article.trashed.filter(pk=article.pk).exists()


def test_moving_a_photo_onto_its_trashed_twin_purges_the_twin_first(
    article, django_capture_on_commit_callbacks
):
    photo = article.images.first()
    other = article_make(article.album, "B-2")
    content_twin = image_make(other, color=(0, 0, 0), original="twin.jpg")
    assert content_twin.sha256 == photo.sha256
    services.images_delete(images=[photo])
    with django_capture_on_commit_callbacks(execute=True):
        moves.images_move(images=[content_twin], article=article, actor=None)
    assert not Image.all_objects.filter(pk=photo.pk).exists()
    moved = Image.objects.get(pk=content_twin.pk)
    assert moved.article_id == article.pk and files.exists(moved.file.name)


def test_the_trash_listing_shows_the_newest_entries_and_counts_them_all(article):
    photos = list(article.images.order_by("position"))
    for photo in photos:
        services.images_delete(images=[photo])
    listing = trash_entries(limit=2)
    assert [entry.row.pk for entry in listing.entries] == [photos[2].pk, photos[1].pk]
    assert listing.total == 3
