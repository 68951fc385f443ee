"""The gallery JSON API: access per role, exact names, the image object, pagination, ETag, query counts."""

import datetime
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from gallery import selectors
from gallery.api import AlbumPage, ArticlePage, ImagePage, ThumbnailPage
from gallery.links import download_url, original_url, thumbnail_url
from gallery.pagination import cursor_encode
from gallery.specs import THUMBNAIL_SPECS
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db

ALBUM = "Весна 2026"
SKU = "АРТ-001 (синий)"


def api(album: str, article: str | None = None, kind: str = "files") -> str:
    path = f"/api/{kind}/{quote(album)}"
    return path if article is None else f"{path}/{quote(article)}"


ENDPOINTS = [
    "/api/albums",
    api(ALBUM, kind="articles"),
    api(ALBUM),
    api(ALBUM, SKU),
    api(ALBUM, kind="thumbnails"),
    api(ALBUM, SKU, kind="thumbnails"),
]


@pytest.fixture
def catalogue():
    album = album_make(ALBUM)
    article = article_make(album, SKU)
    images = [image_make(article, color=(i * 40, 10, 10), original=f"фото {i}.jpg") for i in range(3)]
    return album, article, images


@pytest.mark.parametrize(
    "schema", [AlbumPage, ArticlePage, ImagePage, ImagePage, ThumbnailPage, ThumbnailPage], ids=ENDPOINTS
)
def test_list_answers_match_their_documented_schemas(viewer_client, catalogue, request, schema):
    """The lists skip ninja's answer validation (`core.api_json`), so the schemas are checked here."""
    article_make(catalogue[0], "АРТ-000 пустой")  # an article without photos: empty cover_thumbnails
    url = request.node.callspec.id
    page = schema.model_validate_json(viewer_client.get(url + "?limit=2").content, strict=True)
    assert page.items


@pytest.mark.parametrize("url", ENDPOINTS)
def test_anonymous_gets_401_json(client, catalogue, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


@pytest.mark.parametrize("url", ENDPOINTS)
def test_user_without_a_role_gets_403_json(client, no_role_user, catalogue, url):
    client.force_login(no_role_user)
    response = client.get(url)
    assert response.status_code == 403
    assert response.json() == {
        "error": {"code": "forbidden", "message": "This action needs the 'view' capability."}
    }


@pytest.mark.parametrize("role", [Role.VIEWER, Role.USER, Role.ADMIN])
@pytest.mark.parametrize("url", ENDPOINTS)
def test_every_role_may_read(client, make_user, catalogue, url, role):
    client.force_login(make_user("someone", role))
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.json()["items"]) >= 1


def test_image_object_carries_everything_a_consumer_needs(viewer_client, catalogue):
    images = catalogue[2]
    item = viewer_client.get(api(ALBUM, SKU)).json()["items"][0]
    image = images[0]
    origin = "http://testserver"
    thumbnails = {(t.size, t.format): t for t in image.thumbnails.all()}
    assert item == {
        "id": image.pk,
        "album": ALBUM,
        "sku": SKU,
        "position": 0,
        "original_name": "фото 0.jpg",
        "format": "JPEG",
        "width": image.width,
        "height": image.height,
        "bytes": image.bytes,
        "sha256": image.sha256,
        "created_at": image.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds"),
        "url": origin + original_url(image),
        "download_url": origin + download_url(image),
        "thumbnails": [
            {
                "size": spec.size,
                "format": spec.format,
                "url": origin + thumbnail_url(image, thumbnails[spec.size, spec.format]),
                "width": thumbnails[spec.size, spec.format].width,
                "height": thumbnails[spec.size, spec.format].height,
                "bytes": thumbnails[spec.size, spec.format].bytes,
            }
            for spec in sorted(THUMBNAIL_SPECS, key=lambda s: (s.size, s.format))
        ],
    }


def test_urls_in_the_api_open_the_files(viewer_client, catalogue):
    item = viewer_client.get(api(ALBUM, SKU)).json()["items"][0]
    for url in [item["url"], item["download_url"], *(t["url"] for t in item["thumbnails"])]:
        assert viewer_client.get(url.removeprefix("http://testserver")).status_code == 200, url


def test_names_match_exactly_but_ignore_case_for_cyrillic(viewer_client, catalogue):
    response = viewer_client.get(api("ВЕСНА 2026", "арт-001 (СИНИЙ)"))
    assert response.status_code == 200
    assert [item["position"] for item in response.json()["items"]] == [0, 1, 2]
    assert viewer_client.get(api("Весна", kind="articles")).status_code == 404
    assert viewer_client.get(api(ALBUM, "АРТ-001")).status_code == 404


def test_a_sku_holding_slashes_is_addressed_as_is_or_encoded(viewer_client, catalogue):
    photo = image_make(article_make(catalogue[0], "RC-18/2/Синий"))
    for url in [
        api(ALBUM) + "/RC-18/2/Синий",
        api(ALBUM) + "/" + quote("rc-18/2/синий", safe=""),  # %2F arrives decoded: the same path
        api(ALBUM, "RC-18/2/Синий", kind="thumbnails"),
    ]:
        response = viewer_client.get(url)
        assert response.status_code == 200, url
        assert [item["id"] for item in response.json()["items"]] == [photo.pk]
    assert viewer_client.get(api(ALBUM) + "/RC-18/2").status_code == 404


def test_unknown_album_and_article_get_404_json(viewer_client, catalogue):
    response = viewer_client.get(api("Зима 2030"))
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "No album named “Зима 2030”."}}
    response = viewer_client.get(api(ALBUM, "НЕТ-1", kind="thumbnails"))
    assert response.status_code == 404
    assert response.json()["error"]["message"] == f"No article “НЕТ-1” in album “{ALBUM}”."


def test_another_albums_article_is_404(viewer_client, catalogue):
    article_make(album_make("Лето"), "Л-1")
    assert viewer_client.get(api(ALBUM, "Л-1")).status_code == 404


def test_articles_list_counts_photos_and_shows_the_first(viewer_client, catalogue):
    album, _, images = catalogue
    article_make(album, "АРТ-000 пустой")
    items = viewer_client.get(api(ALBUM, kind="articles")).json()["items"]
    assert [(i["sku"], i["images_count"]) for i in items] == [("АРТ-000 пустой", 0), (SKU, 3)]
    assert items[0]["cover_thumbnails"] == []
    assert items[1]["cover_thumbnails"][0]["url"].endswith(
        thumbnail_url(images[0], images[0].thumbnails.first())
    )


def test_albums_list_carries_counters_and_search(viewer_client, catalogue):
    album_make("Лето 2026")
    body = viewer_client.get("/api/albums", {"search": "ВЕСН"}).json()
    assert [(a["name"], a["articles_count"], a["images_count"]) for a in body["items"]] == [(ALBUM, 1, 3)]
    assert body["items"][0]["bytes_total"] == sum(i.bytes for i in catalogue[2])
    assert len(body["items"][0]["cover_thumbnails"]) == len(THUMBNAIL_SPECS)


def test_albums_sort_by_last_change(viewer_client, catalogue):
    image_make(article_make(album_make("Аааа"), "X-1"))
    names = [a["name"] for a in viewer_client.get("/api/albums", {"sort": "changed"}).json()["items"]]
    assert names == ["Аааа", ALBUM]
    names = [a["name"] for a in viewer_client.get("/api/albums", {"sort": "name"}).json()["items"]]
    assert names == ["Аааа", ALBUM] or names == sorted(names, key=str.casefold)


def walk(client, url: str, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        params = {"limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get(url, params).json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


@pytest.mark.parametrize("limit", [1, 2, 3, 4, 500])
def test_cursor_pages_cover_every_photo_once(viewer_client, catalogue, limit):
    album, _, images = catalogue
    more = [image_make(article_make(album, "Б-2"), color=(5, 5, i * 50)) for i in range(2)]
    pages = walk(viewer_client, api(ALBUM), limit)
    ids = [i for page in pages for i in page]
    assert ids == [i.pk for i in images + more]
    assert all(len(page) == limit for page in pages[:-1])
    assert 1 <= len(pages[-1]) <= limit


def test_articles_pages_follow_sku_order(viewer_client, catalogue):
    album = catalogue[0]
    for sku in ["Б-2", "а-3", "В-1", "Ё-9"]:
        article_make(album, sku)
    pages = walk(viewer_client, api(ALBUM, kind="articles"), 2)
    skus = [a["sku"] for a in viewer_client.get(api(ALBUM, kind="articles")).json()["items"]]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert skus == sorted(skus, key=str.casefold)


@pytest.mark.parametrize("limit", [0, -1, 501, "many"])
def test_limit_outside_1_to_500_is_400(viewer_client, catalogue, limit):
    response = viewer_client.get(api(ALBUM), {"limit": limit})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert "limit" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!",
        "e30",  # {}
        cursor_encode([1]),  # wrong width for this ordering
        cursor_encode(["x", "y", "z"]),  # strings where numbers belong
        cursor_encode([True, 1, 1]),
        cursor_encode([2**70, 1, 1]),
        "%FF",
    ],
)
def test_forged_cursor_is_400(viewer_client, catalogue, cursor):
    response = viewer_client.get(api(ALBUM), {"cursor": cursor})
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"invalid_cursor", "invalid_request"}


@pytest.mark.parametrize("query", ["cursor=a&cursor=b", "limit=1&limit=2", "sort=name&sort=changed"])
def test_a_single_value_parameter_given_twice_is_400_naming_it(viewer_client, catalogue, query):
    response = viewer_client.get(f"/api/albums?{query}")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"] == f"{query.split('=')[0]}: give this parameter once, not a list"


def test_lists_carry_an_etag_and_answer_304(viewer_client, catalogue):
    first = viewer_client.get(api(ALBUM))
    assert first.has_header("ETag")
    again = viewer_client.get(api(ALBUM), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    image_make(catalogue[1], color=(1, 2, 3))
    changed = viewer_client.get(api(ALBUM), HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]


@pytest.mark.parametrize(
    ("url", "queries"),
    [
        # session, user (roles come from the cache after the first request); then: albums, cover photos,
        # their thumbnails
        ("/api/albums?limit=500", 5),
        # ... album; articles with their first photo's id and hash, its thumbnails
        (api(ALBUM, kind="articles") + "?limit=500", 5),
        # ... album; photos, their articles, their thumbnails
        (api(ALBUM) + "?limit=500", 6),
        # ... album, article; photos, their thumbnails
        (api(ALBUM, SKU) + "?limit=500", 6),
        (api(ALBUM, kind="thumbnails") + "?limit=500", 6),
        (api(ALBUM, SKU, kind="thumbnails") + "?limit=500", 6),
    ],
)
def test_query_count_does_not_grow_with_page_size(
    viewer_client, catalogue, django_assert_num_queries, url, queries
):
    viewer_client.get(url)  # caches the viewer's roles
    with django_assert_num_queries(queries):
        assert len(viewer_client.get(url).json()["items"]) in {1, 3}
    album, article, _ = catalogue
    for n in range(4):
        other = article_make(album, f"Г-{n}")
        image_make(other, color=(n * 60, 200, 30))
        image_make(article, color=(30, n * 60, 200))
        image_make(article_make(album_make(f"Альбом {n}"), "Z-1"), color=(200, 30, n * 60))
    with django_assert_num_queries(queries):
        assert len(viewer_client.get(url).json()["items"]) >= 5


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the covering index exists on PostgreSQL only")
def test_the_covering_index_holds_every_column_a_page_reads_of_its_renditions_on_postgresql(catalogue):
    """So PostgreSQL can answer `rendition_rows` from the index alone: a column added to the read without
    adding it to the index fails here. (Which scan the planner picks on a table this small says nothing.)"""
    image_ids = [image.pk for image in catalogue[2]]
    with CaptureQueriesContext(connection) as queries:
        assert len(selectors.rendition_rows(image_ids)[image_ids[0]]) == len(THUMBNAIL_SPECS)
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (VERBOSE, FORMAT JSON) " + queries.captured_queries[-1]["sql"])
        read = {column.rsplit(".", 1)[-1] for column in cursor.fetchone()[0][0]["Plan"]["Output"]}
        cursor.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indexrelid = 'gallery_thumbnail_renditions'::regclass"
        )
        indexed = {name for (name,) in cursor.fetchall()}
    assert read == {"image_id", "size", "format", "width", "height", "bytes"}
    assert read <= indexed
