import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction

from gallery import services
from gallery.models import Album, Article, Image, Thumbnail
from gallery.tests.factories import album_make, article_make
from gallery.trash import trash_empty

pytestmark = pytest.mark.django_db


def make_image(article: Article, *, content: bytes = b"fake-bytes", sha: str = "a" * 64) -> Image:
    image = Image(
        article=article,
        original_name="фото 1.jpg",
        sha256=sha,
        bytes=len(content),
        width=10,
        height=10,
        format="JPEG",
    )
    image.file.save(f"originals/{article.album.slug}/{article.slug}/{sha[:16]}.jpg", ContentFile(content))
    return image


def test_sku_is_stored_exactly_as_written():
    album = services.album_create(name="Весна 2026")
    article, created = services.article_get_or_create(album=album, sku="АРТ-001 (синий) №5")
    assert created
    assert Article.objects.get(pk=article.pk).sku == "АРТ-001 (синий) №5"
    assert article.slug == "art-001-sinii-no5"


def test_album_names_are_unique_ignoring_cyrillic_case():
    services.album_create(name="Весна 2026")
    with pytest.raises(ValidationError):
        services.album_create(name="ВЕСНА 2026")
    album, created = services.album_get_or_create(name="весна 2026")
    assert not created
    assert album.name == "Весна 2026"


def test_database_rejects_a_second_sku_differing_only_in_case():
    album = services.album_create(name="Лето")
    services.article_get_or_create(album=album, sku="Куртка-01")
    with pytest.raises(IntegrityError), transaction.atomic():
        Article.objects.create(album=album, sku="КУРТКА-01", slug="other")


def test_same_sku_may_exist_in_two_albums():
    first = services.album_create(name="Лето")
    second = services.album_create(name="Зима")
    services.article_get_or_create(album=first, sku="RC18")
    _, created = services.article_get_or_create(album=second, sku="rc18")
    assert created


def test_colliding_slugs_are_resolved():
    first = services.album_create(name="Весна 2026")
    second = services.album_create(name="Весна-2026")
    assert (first.slug, second.slug) == ("vesna-2026", "vesna-2026-2")


def test_rename_keeps_the_slug():
    album = services.album_create(name="Весна 2026")
    services.album_rename(album=album, name="Весна 2026 (архив)")
    album.refresh_from_db()
    assert (album.name, album.slug) == ("Весна 2026 (архив)", "vesna-2026")


@pytest.mark.parametrize("bad", ["", "   ", "\x00\x07", "я" * 201, "Весна/Лето"])
def test_unusable_names_are_refused(bad):
    with pytest.raises(ValidationError):
        services.album_create(name=bad)
    assert not Album.objects.exists()


def test_album_names_may_not_hold_a_slash_but_skus_may():
    album = services.album_create(name="Весна 2026")
    with pytest.raises(ValidationError, match="/"):
        services.album_rename(album=album, name="Весна/Лето")
    article, _ = services.article_get_or_create(album=album, sku="RC-18/2")
    assert article.sku == "RC-18/2"


def test_duplicate_content_in_one_article_is_rejected_by_the_database():
    album = services.album_create(name="A")
    article, _ = services.article_get_or_create(album=album, sku="1")
    make_image(article)
    with pytest.raises(IntegrityError), transaction.atomic():
        Image.objects.create(
            article=article,
            original_name="copy.jpg",
            sha256="a" * 64,
            bytes=1,
            width=1,
            height=1,
            format="JPEG",
            file="originals/x.jpg",
        )


def test_image_takes_its_album_from_the_article():
    album = services.album_create(name="A")
    article, _ = services.article_get_or_create(album=album, sku="1")
    assert make_image(article).album_id == album.pk


def test_purging_a_deleted_photo_removes_its_files_after_commit(django_capture_on_commit_callbacks):
    album = services.album_create(name="A")
    article, _ = services.article_get_or_create(album=album, sku="1")
    image = make_image(article)
    thumb = Thumbnail(image=image, size=160, format="jpeg", width=10, height=10, bytes=3)
    thumb.file.save("thumbnails/a/1/x-160.jpg", ContentFile(b"abc"))
    storage = image.file.storage
    names = [image.file.name, thumb.file.name]
    with django_capture_on_commit_callbacks(execute=True):
        services.image_delete(image=image)
    assert all(storage.exists(name) for name in names), "the trash keeps the files"
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        trash_empty(actor=None)
    assert all(storage.exists(name) for name in names), "files must survive until the commit"
    for callback in callbacks:
        callback()
    assert not any(storage.exists(name) for name in names)


def test_purging_a_deleted_album_removes_every_file_below_it(django_capture_on_commit_callbacks):
    album = services.album_create(name="A")
    article, _ = services.article_get_or_create(album=album, sku="1")
    images = [make_image(article, sha=str(n) * 64) for n in range(3)]
    storage = images[0].file.storage
    with django_capture_on_commit_callbacks(execute=True):
        services.album_delete(album=album)
    assert all(storage.exists(image.file.name) for image in images)
    with django_capture_on_commit_callbacks(execute=True):
        trash_empty(actor=None)
    assert not any(storage.exists(image.file.name) for image in images)
    assert not Image.all_objects.exists()


def test_rolled_back_delete_keeps_the_files(django_capture_on_commit_callbacks):
    album = services.album_create(name="A")
    article, _ = services.article_get_or_create(album=album, sku="1")
    image = make_image(article)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                image.delete()
                raise RuntimeError("abort")
        except RuntimeError:
            pass
    assert callbacks == []
    assert image.file.storage.exists(image.file.name)


def test_album_counters_follow_the_rows():
    album = services.album_create(name="A")
    article, _ = services.article_get_or_create(album=album, sku="1")
    make_image(article, content=b"12345", sha="b" * 64)
    make_image(article, content=b"123", sha="c" * 64)
    services.album_counters_refresh(album_id=album.pk)
    album.refresh_from_db()
    assert (album.articles_count, album.images_count, album.bytes_total) == (1, 2, 8)
    assert album.last_upload_at is not None


def test_factory_stores_a_real_picture_with_its_thumbnail_ladder():
    from gallery.specs import THUMBNAIL_SPECS
    from gallery.tests.factories import image_make

    image = image_make(width=2000, height=1000)
    assert image.file.storage.exists(image.file.name)
    sizes = {(t.size, t.format): (t.width, t.height) for t in image.thumbnails.all()}
    assert len(sizes) == len(THUMBNAIL_SPECS)
    assert sizes[(160, "jpeg")] == (160, 80)


def test_regenerating_the_link_token_replaces_it_for_good():
    album = services.album_create(name="Весна 2026")
    old = album.link_token
    services.album_link_token_regenerate(album=album, actor=None)
    album.refresh_from_db()
    assert album.link_token != old
    assert len(album.link_token) >= 22  # at least 128 bits, URL-safe
    assert not Album.objects.filter(link_token=old).exists()


def test_a_sku_that_differs_only_by_invisible_characters_is_the_same_article():
    album, _created = services.album_get_or_create(name="Весна")
    first, _created = services.article_get_or_create(album=album, sku="АРТ-1")
    again, created = services.article_get_or_create(album=album, sku="\u200fАРТ\u200b-1\u202e")
    assert (again.pk, created) == (first.pk, False)
    assert services.album_get_or_create(name="\ufeffВесна\u2069") == (album, False)


def test_name_clashes_are_refused_by_the_services_with_the_message_the_admin_shows():
    summer, winter = album_make("Лето"), album_make("Зима")
    with pytest.raises(ValidationError) as clash:
        services.album_rename(album=winter, name="ЛЕТО")
    message = "An album with this name already exists (names ignore case)."
    assert clash.value.message_dict == {"album": [message]}
    article_make(summer, "А-1")
    other = article_make(summer, "Б-2")
    with pytest.raises(ValidationError) as clash:
        services.article_rename(article=other, sku="а-1")
    assert clash.value.message_dict == {"article": ["This album already has an article with this SKU."]}
    assert services.article_rename(article=other, sku="б-2").sku == "б-2"  # its own SKU is not a clash
