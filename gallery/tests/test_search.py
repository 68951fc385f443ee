"""The global search: SKU substrings and album names across all albums, "ё" = "е", grouped by album."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from gallery import selectors
from gallery.models import Album, Article, name_key
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    spring, winter, shoes = album_make("Весна"), album_make("Зима — Ёлочные игрушки"), album_make("Обувь")
    image_make(article_make(spring, "КУРТКА-ЁЛКА-001"))
    article_make(spring, "ПЛАТЬЕ-002")
    image_make(article_make(winter, "шар-елка-красный"))
    article_make(shoes, "BOOT-17")
    return spring, winter, shoes


def _found(answer) -> list[tuple[str, bool, list[str]]]:
    return [(g.album.name, g.name_matched, [a.sku for a in g.articles]) for g in answer.groups]


def test_yo_and_ye_are_one_letter_in_every_key():
    assert name_key("ЁЛКА") == name_key("елка") == name_key("Ёлка") == "елка"
    assert name_key("е\u0308лка") == "елка"  # a decomposed ё too


def test_search_finds_sku_substrings_in_every_album_ignoring_case_and_yo(catalogue):
    answer = selectors.catalogue_search(text="ЕЛК")
    assert _found(answer) == [
        ("Весна", False, ["КУРТКА-ЁЛКА-001"]),
        ("Зима — Ёлочные игрушки", False, ["шар-елка-красный"]),
    ]


def test_search_finds_album_names_without_matching_skus(catalogue):
    assert _found(selectors.catalogue_search(text="обув")) == [("Обувь", True, [])]
    assert _found(selectors.catalogue_search(text="нет-такого")) == []


def test_search_gives_each_article_its_cover(catalogue):
    answer = selectors.catalogue_search(text="-")
    covered = {a.sku: a.cover is not None for g in answer.groups for a in g.articles}
    assert covered == {
        "КУРТКА-ЁЛКА-001": True,
        "ПЛАТЬЕ-002": False,
        "шар-елка-красный": True,
        "BOOT-17": False,
    }
    assert all(a.cover.renditions for g in answer.groups for a in g.articles if a.cover)


def test_search_says_when_it_shows_only_the_first_matches(catalogue):
    answer = selectors.catalogue_search(text="-", articles_limit=2)
    assert answer.articles_truncated
    assert sum(len(g.articles) for g in answer.groups) == 2


def test_search_costs_four_queries_whatever_the_number_of_matches(catalogue, django_assert_num_queries):
    for n in range(10):
        image_make(article_make(catalogue[2], f"BOOT-{n:03d}"))
    with django_assert_num_queries(4):
        answer = selectors.catalogue_search(text="boot")
    assert sum(len(g.articles) for g in answer.groups) == 11


def test_the_album_pages_sku_filter_reads_yo_as_ye(client, viewer, catalogue):
    client.force_login(viewer)
    page = client.get(f"/a/{catalogue[0].slug}/", {"q": "ёлка"}).content.decode()
    assert "КУРТКА-ЁЛКА-001" in page
    assert "ПЛАТЬЕ-002" not in page


def test_the_apis_album_search_reads_yo_as_ye(client, viewer, catalogue):
    client.force_login(viewer)
    names = [album["name"] for album in client.get("/api/albums", {"search": "елочн"}).json()["items"]]
    assert names == ["Зима — Ёлочные игрушки"]


def test_the_search_page_groups_results_by_album_with_links(client, viewer, catalogue):
    client.force_login(viewer)
    response = client.get("/search/", {"q": "ёлка"})
    assert response.status_code == 200
    page = response.content.decode()
    spring, winter, _ = catalogue
    assert page.index(f'href="/a/{spring.slug}/"') < page.index("КУРТКА-ЁЛКА-001")
    assert page.index("КУРТКА-ЁЛКА-001") < page.index(f'href="/a/{winter.slug}/"')
    assert page.index(f'href="/a/{winter.slug}/"') < page.index("шар-елка-красный")


def test_the_search_page_is_for_viewers_only(client, no_role_user, catalogue):
    assert client.get("/search/", {"q": "x"}).status_code == 302
    client.force_login(no_role_user)
    assert client.get("/search/", {"q": "x"}).status_code == 403


def test_the_top_bar_search_box_is_on_every_page_for_viewers(client, viewer):
    client.force_login(viewer)
    for path in ("/", "/exports/"):
        assert 'action="/search/"' in client.get(path).content.decode()


def test_the_key_migration_folds_existing_keys_and_skips_collisions(catalogue):
    spring = catalogue[0]
    Article.objects.filter(sku="КУРТКА-ЁЛКА-001").update(sku_key="куртка-ёлка-001")  # as before the fold
    Album.objects.filter(pk=spring.pk).update(name="Ёлки", name_key="ёлки")
    album_make("Елки")  # its key "елки" is what "Ёлки" would fold to: that one stays as it was
    import_module("gallery.migrations.0005_keys_fold_yo").fold(apps, None)
    assert Article.objects.get(sku="КУРТКА-ЁЛКА-001").sku_key == "куртка-елка-001"
    assert Album.objects.get(pk=spring.pk).name_key == "ёлки"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigram index exists on PostgreSQL only")
def test_sku_search_is_answered_from_the_trigram_index_on_postgresql(catalogue):
    """The planner may scan a tiny table; with sequential and plain index scans priced out (a full walk of
    another index would otherwise do), only a bitmap scan on an index that can answer the SKU condition
    remains, and that must be the trigram index (so on a million rows it is chosen). The unique index of
    live SKUs goes too, for this transaction: its `deleted_at IS NULL` predicate alone would let a bitmap
    scan walk all of it, another full walk."""
    queryset = selectors.articles_with_sku_containing(text="ёлка")[:201]
    with connection.cursor() as cursor:
        cursor.execute("DROP INDEX article_unique_sku_in_album")
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute("SET LOCAL enable_indexonlyscan = off")
        plan = queryset.explain()
    assert "gallery_article_sku_key_trgm" in plan
