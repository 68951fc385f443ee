"""The photo-row writes other apps call: create, replace an article's photos, compact positions."""

import pytest

from gallery import files, services
from gallery.models import Image, Thumbnail
from gallery.tests.factories import article_make, image_make

pytestmark = pytest.mark.django_db(transaction=True)


def positions(article) -> list[tuple[int, int]]:
    return list(article.images.order_by("position").values_list("pk", "position"))


def test_image_create_saves_the_photo_and_its_thumbnail_rows_together():
    source = image_make()
    thumbnails = list(source.thumbnails.all())
    article = article_make(sku="Другой")
    image = Image(
        article=article,
        original_name="x.jpg",
        position=0,
        sha256=source.sha256,
        bytes=source.bytes,
        width=source.width,
        height=source.height,
        format=source.format,
        file=source.file.name,
    )
    for thumbnail in thumbnails:
        thumbnail.pk, thumbnail.image = None, image
    services.image_create(image=image, thumbnails=thumbnails)
    assert image.pk and image.album_id == article.album_id
    assert Thumbnail.objects.filter(image=image).count() == len(thumbnails) > 0


def test_article_photos_replace_keeps_named_photos_trashes_the_rest_and_numbers_from_zero():
    article = article_make()
    first, second, third = (image_make(article, color=(index * 60, 10, 10)) for index in range(3))
    removed = services.article_photos_replace(article=article, photos=[third.pk, first.pk])
    assert removed == 1
    assert positions(article) == [(third.pk, 0), (first.pk, 1)]
    assert list(Image.trashed.values_list("pk", flat=True)) == [second.pk]
    assert files.exists(second.file.name), "the trash keeps the files"
    article.refresh_from_db()
    assert article.images_count == 2


def test_article_positions_compact_puts_the_given_photos_last_in_their_order():
    article = article_make()
    images = [image_make(article, color=(index * 60, 20, 20), position=index * 10) for index in range(4)]
    services.article_positions_compact(article_id=article.pk, last=[images[1].pk, images[0].pk])
    assert positions(article) == [(images[2].pk, 0), (images[3].pk, 1), (images[1].pk, 2), (images[0].pk, 3)]
