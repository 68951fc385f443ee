"""Gallery pages: access per role, search and filters, pagination, thumbnails from rows, query counts."""

import datetime
import re

import pytest
from django.utils import timezone

from accounts.roles import Role
from gallery import files, services, views
from gallery.links import download_url
from gallery.models import Image
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(uploader):
    album = album_make("Весна 2026")
    blue = article_make(album, "АРТ-001 (Синий)")
    images = [
        image_make(blue, color=(200, 20, 20), original="перед.jpg", uploaded_by=uploader),
        image_make(blue, color=(20, 200, 20), original="зад.jpg", width=120, height=80),
    ]
    article_make(album, "АРТ-002 (красный)")
    services.album_counters_refresh(album_id=album.pk)
    album.refresh_from_db()
    return album, blue, images


def page_urls(album, article) -> list[str]:
    return ["/", f"/a/{album.slug}/", f"/a/{album.slug}/{article.slug}/"]


def test_anonymous_is_sent_to_sign_in(client, catalogue):
    for url in page_urls(*catalogue[:2]):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_user_without_a_role_gets_the_403_page(client, no_role_user, catalogue):
    client.force_login(no_role_user)
    for url in page_urls(*catalogue[:2]):
        response = client.get(url)
        assert response.status_code == 403
        assert b"Roles: appviewer" in response.content or "appviewer" in response.content.decode()


@pytest.mark.parametrize("role", [Role.VIEWER, Role.USER, Role.ADMIN])
def test_every_role_sees_every_page(client, make_user, catalogue, role):
    client.force_login(make_user("someone", role))
    for url in page_urls(*catalogue[:2]):
        assert client.get(url).status_code == 200, url


def test_albums_page_shows_counters_and_a_lazy_srcset_cover(viewer_client, catalogue):
    images = catalogue[2]
    html = viewer_client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Весна 2026" in html
    assert "<dt>Articles</dt><dd>2</dd>" in html
    assert "<dt>Photos</dt><dd>2</dd>" in html
    cover = images[0]
    assert f"/files/{cover.pk}/{cover.sha256[:16]}-160.webp" in html
    assert 'type="image/webp" srcset="' in html
    assert 'loading="lazy"' in html
    assert "/media/" not in html and "originals/" not in html


def test_albums_search_and_sort(viewer_client, catalogue):
    image_make(article_make(album_make("Лето 2025"), "Л-1"))
    html = viewer_client.get("/", {"q": "ЛЕТО"}).content.decode()
    assert "Лето 2025" in html and "Весна 2026" not in html
    html = viewer_client.get("/", {"sort": "changed"}).content.decode()
    assert html.index("Лето 2025") < html.index("Весна 2026")
    html = viewer_client.get("/", {"sort": "name"}).content.decode()
    assert html.index("Весна 2026") < html.index("Лето 2025")


def test_album_page_lists_articles_with_first_photo_and_count(viewer_client, catalogue):
    album, _, images = catalogue
    html = viewer_client.get(f"/a/{album.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "АРТ-001 (Синий)" in html and "АРТ-002 (красный)" in html
    assert "2 photos" in html and "0 photos" in html
    assert f"/files/{images[0].pk}/" in html
    assert f"/files/{images[1].pk}/" not in html  # only the first photo is shown


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"q": "синий"}, "АРТ-001", "АРТ-002"),  # Cyrillic, case-insensitive substring
        ({"q": "КРАСН"}, "АРТ-002", "АРТ-001"),
        ({"q": "-00"}, "АРТ-001", "нет такого"),
        ({"without_photos": "on"}, "АРТ-002", "АРТ-001"),
    ],
)
def test_album_page_search_and_filters(viewer_client, catalogue, params, shown, hidden):
    album = catalogue[0]
    html = viewer_client.get(f"/a/{album.slug}/", params).content.decode()
    assert shown in html
    assert hidden not in html


def test_album_page_filters_by_uploader_and_dates(viewer_client, catalogue, uploader):
    album = catalogue[0]
    other = image_make(article_make(album, "АРТ-003"), color=(9, 9, 200))
    Image.objects.filter(pk=other.pk).update(created_at=timezone.now() - datetime.timedelta(days=40))
    html = viewer_client.get(f"/a/{album.slug}/", {"uploaded_by": uploader.pk}).content.decode()
    assert "АРТ-001" in html and "АРТ-003" not in html
    old = (timezone.localdate() - datetime.timedelta(days=45)).isoformat()
    older = (timezone.localdate() - datetime.timedelta(days=30)).isoformat()
    html = viewer_client.get(
        f"/a/{album.slug}/", {"uploaded_from": old, "uploaded_to": older}
    ).content.decode()
    assert "АРТ-003" in html and "АРТ-001" not in html


def test_backwards_dates_explain_themselves(viewer_client, catalogue):
    album = catalogue[0]
    response = viewer_client.get(
        f"/a/{album.slug}/",
        {"uploaded_from": "2026-02-01", "uploaded_to": "2026-01-01"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The start date is after the end date." in html
    assert "Correct the filters above" in html and 'class="grid articles"' not in html, (
        "not a silent show-all"
    )
    response = viewer_client.get(f"/a/{album.slug}/", {"uploaded_from": "yesterday"})
    assert response.status_code == 400  # filters that cannot be applied are a bad request, explained
    assert 'class="error"' in response.content.decode()


def test_album_pages_follow_the_next_link_to_the_end(viewer_client, catalogue, monkeypatch):
    album = catalogue[0]
    for n in range(5):
        article_make(album, f"Б-{n}")
    monkeypatch.setattr(views, "ARTICLES_PER_PAGE", 3)
    url, seen = f"/a/{album.slug}/", []
    while url:
        html = viewer_client.get(url).content.decode()
        seen += re.findall(r'<strong class="name">([^<]+)</strong>', html)
        next_link = re.search(r'rel="next" href="([^"]+)"', html)
        url = f"/a/{album.slug}/" + next_link.group(1).replace("&amp;", "&") if next_link else None
    assert len(seen) == 7 == len(set(seen))


def test_broken_cursor_gets_a_400_page_with_a_way_back(viewer_client, catalogue):
    response = viewer_client.get(f"/a/{catalogue[0].slug}/", {"cursor": "nonsense"})
    assert response.status_code == 400
    assert f'href="/a/{catalogue[0].slug}/"' in response.content.decode()


def test_article_page_shows_photos_in_order_with_facts_and_actions(viewer_client, catalogue):
    album, blue, images = catalogue
    html = viewer_client.get(f"/a/{album.slug}/{blue.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.index("перед.jpg") < html.index("зад.jpg")
    assert "120 × 80" in html and "JPEG" in html
    assert f'href="{download_url(images[1])}" download' in html
    assert "data-copy=" not in html, "links are off: no private /files/ link to copy"
    assert re.search(rf'data-lightbox="/files/{images[0].pk}/\w+-1600\.webp"', html)
    assert "gallery/gallery.js" in html


def test_unknown_slugs_are_404(viewer_client, catalogue):
    album, blue, _ = catalogue
    assert viewer_client.get("/a/nope/").status_code == 404
    assert viewer_client.get(f"/a/{album.slug}/nope/").status_code == 404
    other = album_make("Другой")
    assert viewer_client.get(f"/a/{other.slug}/{blue.slug}/").status_code == 404


def test_pages_never_ask_storage_about_thumbnails(viewer_client, catalogue):
    album, blue, images = catalogue
    for thumbnail in images[0].thumbnails.all():
        files.delete(thumbnail.file.name)
    html = viewer_client.get(f"/a/{album.slug}/{blue.slug}/").content.decode()
    assert f"/files/{images[0].pk}/{images[0].sha256[:16]}-640.webp" in html


def test_photo_without_thumbnail_rows_shows_a_placeholder(viewer_client, catalogue):
    album, blue, _ = catalogue
    image_make(blue, color=(1, 100, 200), with_thumbnails=False)
    html = viewer_client.get(f"/a/{album.slug}/{blue.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "no preview" in html


# session, user (roles come from the cache after the first request), then the page's own: albums + covers +
# their thumbnails; album + uploaders + articles with their first photo ids + covers + thumbnails; article +
# photos + thumbnails.
PAGE_QUERIES = {"albums": 5, "album": 7, "article": 5}


@pytest.mark.parametrize("page", ["albums", "album", "article"])
def test_page_query_count_does_not_grow_with_rows(viewer_client, catalogue, django_assert_num_queries, page):
    album, blue, _ = catalogue
    url = {"albums": "/", "album": f"/a/{album.slug}/", "article": f"/a/{album.slug}/{blue.slug}/"}[page]
    queries = PAGE_QUERIES[page]
    viewer_client.get(url)  # caches the viewer's roles
    with django_assert_num_queries(queries):
        viewer_client.get(url)
    for n in range(4):
        image_make(article_make(album, f"В-{n}"), color=(n * 50, 0, 90))
        image_make(blue, color=(0, n * 50, 90))
        image_make(article_make(album_make(f"Альбом {n}"), "Z"), color=(90, 0, n * 50))
    with django_assert_num_queries(queries):
        viewer_client.get(url)


@pytest.mark.parametrize(
    ("day_offset", "clock", "shown"),
    [(0, "00:00", True), (0, "23:59:59.999999", True), (1, "00:00", False), (-1, "23:59:59", False)],
)
def test_date_filter_days_are_the_sites_local_days(viewer_client, catalogue, day_offset, clock, shown):
    """A day runs from local midnight to local midnight (Europe/Moscow here), whatever the UTC date."""
    album = catalogue[0]
    photo = image_make(article_make(album, "АРТ-777"), color=(7, 7, 250))
    day = datetime.date(2026, 3, 10)
    moment = datetime.datetime.combine(
        day + datetime.timedelta(days=day_offset),
        datetime.time.fromisoformat(clock),
        timezone.get_current_timezone(),
    )
    Image.objects.filter(pk=photo.pk).update(created_at=moment)
    html = viewer_client.get(f"/a/{album.slug}/", {"uploaded_from": day, "uploaded_to": day}).content.decode()
    assert ("АРТ-777" in html) is shown
