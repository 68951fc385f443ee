"""Reading the photos in scope: every photo once, in sheet order, with its place in its article."""

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exports import selectors
from exports.spec import export_spec_clean
from gallery import services
from gallery.models import Article, Image
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def scattered():
    """Two albums created against name order; SKUs created against key order; 0–3 photos per article."""
    later, earlier = album_make("Яблоки"), album_make("Абрикосы")  # names sort the other way
    counts = {"Б-2": 2, "а-1": 3, "В-3": 0, "01": 1, "Г-4": 2}
    for album in (later, earlier):
        for shade, (sku, count) in enumerate(counts.items()):
            article = article_make(album, sku)
            for n in range(count):
                image_make(article, color=(shade * 40, n * 60, album.pk), with_thumbnails=False)
    return later, earlier


def read(**params) -> list[tuple[int, str, int, str]]:
    spec = export_spec_clean(albums=["Яблоки", "Абрикосы"], layout="per_image", **params)
    return [
        (article.album.pk, article.sku, ordinal, photo.sha256)
        for article in selectors.scope_article_photos(spec)
        for ordinal, photo in article.photos
    ]


def expected() -> list[tuple[int, str, int, str]]:
    """The sheet order written out plainly: albums by name, articles by SKU key, photos by position."""
    images = Image.objects.select_related("article").order_by(
        "album__name_key", "article__sku_key", "article_id", "position", "id"
    )
    seen: Counter[int] = Counter()
    rows = []
    for image in images:
        seen[image.article_id] += 1
        rows.append((image.album_id, image.article.sku, seen[image.article_id], image.sha256))
    return rows


def test_every_photo_comes_once_in_sheet_order(scattered):
    assert read() == expected()
    assert len(read()) == 16


def test_sku_lists_and_dates_narrow_the_scope_but_keep_ordinals(scattered):
    assert [sku for _, sku, _, _ in read(skus="г-4\n01")] == ["01", "Г-4", "Г-4"] * 2
    second = Image.objects.filter(article__sku="а-1", position=1)
    second.update(created_at=timezone.now() - datetime.timedelta(days=30))
    old = read(uploaded_to=timezone.localdate() - datetime.timedelta(days=10))
    assert [(sku, ordinal) for _, sku, ordinal, _ in old] == [("а-1", 2), ("а-1", 2)]


def facts(**params) -> selectors.ScopeFacts:
    return selectors.scope_facts(export_spec_clean(albums=["Яблоки", "Абрикосы"], layout="in_row", **params))


def test_facts_of_whole_articles_come_from_their_counters_without_reading_photos(scattered):
    with CaptureQueriesContext(connection) as queries:
        whole = facts(skus="в-3\nа-1\nнет")
    assert not [query for query in queries if "gallery_image" in query["sql"]]
    assert (whole.images, whole.articles, whole.most_photos) == (6, 2, 3)
    assert whole.found_keys == {"в-3", "а-1"}
    assert {sku for id_, _, sku in whole.found_articles if id_ in whole.found_with_photos} == {"а-1"}
    everything = facts()
    assert (everything.images, everything.articles, everything.most_photos) == (16, 8, 3)


def test_facts_of_a_date_range_count_only_the_photos_in_it(scattered):
    Image.objects.filter(article__sku="а-1", position=1).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    old = facts(uploaded_to=timezone.localdate() - datetime.timedelta(days=10), skus="а-1\nБ-2")
    assert (old.images, old.articles, old.most_photos) == (2, 2, 1)
    assert {sku for id_, _, sku in old.found_articles if id_ in old.found_with_photos} == {"а-1"}


def test_trashed_photos_articles_and_albums_are_left_out_of_sheets(scattered):
    later, earlier = scattered
    services.images_delete(images=[Image.objects.filter(album=later).first()])
    services.article_delete(article=Article.objects.get(album=later, sku="а-1"))
    assert read() == expected()
    assert len(read()) == 16 - 1 - 3
    services.album_delete(album=earlier)
    with pytest.raises(ValidationError, match="Абрикосы"):
        export_spec_clean(albums=["Абрикосы"], layout="per_image")
