"""Moving photos and articles between articles and albums: files follow, nothing is left behind."""

import pytest
from django.core.exceptions import ValidationError

from gallery import files, moves, services
from gallery.locks import album_lock
from gallery.models import Album, Article, Image
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


def stored_files(media_root) -> set[str]:
    return {str(path.relative_to(media_root)) for path in media_root.rglob("*") if path.is_file()}


def referenced_files() -> set[str]:
    """Files of every photo row, those in the trash too."""
    names = set(Image.all_objects.values_list("file", flat=True))
    for image in Image.all_objects.prefetch_related("thumbnails"):
        names |= {thumb.file.name for thumb in image.thumbnails.all()}
    return names


def photo_counts(*articles: Article) -> list[int]:
    """The stored `images_count` of `articles`, read afresh."""
    counts = dict(Article.objects.filter(pk__in=[a.pk for a in articles]).values_list("pk", "images_count"))
    return [counts[article.pk] for article in articles]


def test_article_move_takes_its_files_to_the_new_album(media_root, django_capture_on_commit_callbacks):
    summer, winter = album_make("Лето"), album_make("Зима")
    article = article_make(summer, "Куртка-01")
    first = image_make(article, color=(1, 2, 3))
    image_make(article, color=(9, 9, 9))
    with django_capture_on_commit_callbacks(execute=True):
        moves.article_move(article=article, album=winter, actor=None)
    first.refresh_from_db()
    assert first.album_id == winter.pk
    assert first.file.name.startswith(f"originals/{winter.slug}/{article.slug}/")
    assert all(files.exists(name) for name in referenced_files())
    assert stored_files(media_root) == referenced_files()
    summer.refresh_from_db()
    winter.refresh_from_db()
    assert (summer.images_count, summer.articles_count) == (0, 0)
    assert (winter.images_count, winter.articles_count, winter.bytes_total) == (2, 1, first.bytes * 2)


def test_article_move_refuses_a_sku_the_album_has_and_leaves_everything(media_root):
    summer, winter = album_make("Лето"), album_make("Зима")
    article = article_make(summer, "Куртка-01")
    image_make(article)
    article_make(winter, "КУРТКА-01")
    before = stored_files(media_root)
    with pytest.raises(ValidationError, match="already has an article"):
        moves.article_move(article=article, album=winter, actor=None)
    assert Article.objects.get(pk=article.pk).album_id == summer.pk
    assert stored_files(media_root) == before


def test_article_move_gets_a_fresh_slug_when_the_old_one_is_taken(django_capture_on_commit_callbacks):
    summer, winter = album_make("Лето"), album_make("Зима")
    article = article_make(summer, "RC-18")
    article_make(winter, "RC 18")  # same slug rc-18, different SKU
    image_make(article)
    with django_capture_on_commit_callbacks(execute=True):
        moved = moves.article_move(article=article, album=winter, actor=None)
    assert moved.slug == "rc-18-2"
    assert moved.images.get().file.name.startswith(f"originals/{winter.slug}/rc-18-2/")


def test_images_move_appends_and_skips_content_already_there(media_root, django_capture_on_commit_callbacks):
    source = article_make(album_make("Лето"), "A-1")
    target = article_make(album_make("Зима"), "B-2")
    kept = image_make(target, color=(5, 5, 5))
    same_as_kept = image_make(source, color=(5, 5, 5))
    other = image_make(source, color=(7, 7, 7))
    with django_capture_on_commit_callbacks(execute=True):
        result = moves.images_move(images=[same_as_kept, other], article=target, actor=None)
    assert [image.pk for image in result.moved] == [other.pk]
    assert [image.pk for image in result.duplicates] == [same_as_kept.pk]
    other.refresh_from_db()
    assert (other.article_id, other.position) == (target.pk, kept.position + 1)
    assert stored_files(media_root) == referenced_files()
    assert photo_counts(source, target) == [1, 2]


def test_a_failing_row_switch_removes_the_copies(media_root, monkeypatch):
    source = article_make(album_make("Лето"), "A-1")
    target = article_make(album_make("Зима"), "B-2")
    image = image_make(source)
    before = stored_files(media_root)

    def broken(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(moves, "album_counters_refresh", broken)
    with pytest.raises(RuntimeError):
        moves.images_move(images=[image], article=target, actor=None)
    assert stored_files(media_root) == before
    assert Image.objects.get(pk=image.pk).article_id == source.pk


def test_images_delete_moves_rows_to_the_trash_keeps_files_and_updates_counters(
    media_root, django_capture_on_commit_callbacks
):
    album = album_make("Лето")
    first, second = article_make(album, "A-1"), article_make(album, "A-2")
    images = [
        image_make(article, color=(index * 60, 0, 0)) for index, article in enumerate([first, first, second])
    ]
    with django_capture_on_commit_callbacks(execute=True):
        assert services.images_delete(images=images[:2]) == 2
    assert stored_files(media_root) == referenced_files()
    assert Image.trashed.count() == 2
    assert Album.objects.get(pk=album.pk).images_count == 1
    assert photo_counts(first, second) == [0, 1]


def test_image_delete_updates_the_article_photo_count(media_root):
    article = article_make()
    photos = [image_make(article, color=(index * 60, 0, 0)) for index in range(2)]
    services.image_delete(image=photos[0])
    assert photo_counts(article) == [1]


def test_article_counts_refresh_repairs_counts_that_drifted():
    article, empty = article_make(), article_make(sku="пустой")
    image_make(article)
    Article.objects.update(images_count=7)
    services.article_counts_refresh(articles=Article.objects.all())
    assert photo_counts(article, empty) == [1, 0]


def test_reorder_numbers_photos_in_the_given_order():
    article = article_make()
    first, second, third = (image_make(article, color=(index * 60, 0, 0)) for index in range(3))
    services.article_images_reorder(article=article, image_ids=[third.pk, first.pk])
    assert list(article.images.order_by("position").values_list("pk", flat=True)) == [
        third.pk,
        first.pk,
        second.pk,
    ]
    with pytest.raises(ValidationError):
        services.article_images_reorder(article=article, image_ids=[999999])


@pytest.mark.parametrize("move", ["photos", "article"])
def test_a_move_into_a_busy_album_is_refused_with_a_reason_and_changes_nothing(media_root, monkeypatch, move):
    """A sync or upload holds the album's lock (`gallery.locks`): the move waits, then says why it gave up."""
    monkeypatch.setattr(moves, "MOVE_LOCK_TIMEOUT", 0)
    source = article_make(album_make("Лето"), "A-1")
    target = article_make(album_make("Зима"), "B-2")
    image = image_make(source)
    before = stored_files(media_root)
    with album_lock(target.album_id), pytest.raises(ValidationError, match="busy"):
        if move == "photos":
            moves.images_move(images=[image], article=target, actor=None)
        else:
            moves.article_move(article=source, album=target.album, actor=None)
    assert stored_files(media_root) == before
    assert Image.objects.values_list("article_id", "album_id").get(pk=image.pk) == (
        source.pk,
        source.album_id,
    )
