"""Selections and ZIP downloads: streamed archives named <SKU>_<n>.<ext>, delete with a confirmation naming
the count (appadmin only), export of the ticked SKUs."""

import io
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from django.http import StreamingHttpResponse

from gallery.models import Article, Image
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    album = album_make("Весна 2026")
    coat = article_make(album, "КУРТКА/01")
    coats = [image_make(coat, color=(n * 60, 20, 20), original=f"IMG_{n}.jpg") for n in range(3)]
    dress = article_make(album, "ПЛАТЬЕ-02")
    dresses = [image_make(dress, fmt="PNG", color=(20, n * 60, 20), original="same.jpg") for n in range(2)]
    return album, coat, coats, dress, dresses


def _zip(response) -> zipfile.ZipFile:
    assert isinstance(response, StreamingHttpResponse)  # streamed, not built in memory first
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_selected_photos_download_as_a_zip_named_by_sku_and_position(client, viewer, catalogue):
    album, _coat, coats, _dress, dresses = catalogue
    client.force_login(viewer)
    response = client.post(
        "/selection/zip", {"album": album.slug, "image": [coats[0].pk, coats[2].pk, dresses[1].pk]}
    )
    archive = _zip(response)
    assert archive.namelist() == ["КУРТКА_01_1.jpg", "КУРТКА_01_3.jpg", "ПЛАТЬЕ-02_2.png"]
    assert archive.read("КУРТКА_01_3.jpg") == coats[2].file.open("rb").read()
    assert archive.testzip() is None


def test_selected_articles_download_every_photo_of_them(client, viewer, catalogue):
    album, coat, _coats, _dress, _dresses = catalogue
    client.force_login(viewer)
    archive = _zip(client.post("/selection/zip", {"album": album.slug, "article": [coat.pk]}))
    assert archive.namelist() == ["КУРТКА_01_1.jpg", "КУРТКА_01_2.jpg", "КУРТКА_01_3.jpg"]


def test_photos_of_another_album_never_join_a_selection(client, viewer, catalogue):
    album = catalogue[0]
    stranger = image_make(article_make(album_make("Чужой"), "X-1"))
    client.force_login(viewer)
    archive = _zip(client.post("/selection/zip", {"album": album.slug, "image": [stranger.pk, "junk"]}))
    assert archive.namelist() == []


def test_article_and_album_download_as_zip(client, viewer, catalogue):
    album, coat, *_ = catalogue
    client.force_login(viewer)
    response = client.get(f"/a/{album.slug}/{coat.slug}/zip")
    assert "filename*=utf-8''%D0%9A%D0%A3%D0%A0%D0%A2%D0%9A%D0%90_01.zip" in response["Content-Disposition"]
    assert len(_zip(response).namelist()) == 3
    assert len(_zip(client.get(f"/a/{album.slug}/zip")).namelist()) == 5


def test_zip_downloads_need_the_view_capability(client, no_role_user, catalogue):
    album = catalogue[0]
    assert client.get(f"/a/{album.slug}/zip").status_code == 302
    client.force_login(no_role_user)
    assert client.get(f"/a/{album.slug}/zip").status_code == 403
    assert client.post("/selection/zip", {"album": album.slug}).status_code == 403


def test_delete_asks_first_naming_the_count_then_deletes(client, app_admin, catalogue):
    album, _coat, coats, *_ = catalogue
    client.force_login(app_admin)
    form = {"album": album.slug, "image": [coats[0].pk, coats[1].pk], "next": f"/a/{album.slug}/"}
    page = client.post("/selection/delete", form)
    assert page.status_code == 200
    assert "Delete 2 photos?" in page.content.decode()
    assert Image.objects.filter(pk__in=[coats[0].pk, coats[1].pk]).count() == 2
    done = client.post("/selection/delete", {**form, "confirmed": "1"}, follow=True)
    assert done.redirect_chain[-1][0] == f"/a/{album.slug}/"
    assert "2 photos deleted." in done.content.decode()
    assert not Image.objects.filter(pk__in=[coats[0].pk, coats[1].pk]).exists()


def test_deleting_articles_removes_them_with_their_photos(client, app_admin, catalogue):
    album, coat, *_ = catalogue
    client.force_login(app_admin)
    client.post("/selection/delete", {"album": album.slug, "article": [coat.pk], "confirmed": "1"})
    assert not Article.objects.filter(pk=coat.pk).exists()
    assert not Image.objects.filter(article_id=coat.pk).exists()


@pytest.mark.parametrize("role_user", ["viewer", "uploader"])
def test_only_appadmin_may_delete_and_sees_the_button(client, request, catalogue, role_user):
    album, coat, coats, *_ = catalogue
    client.force_login(request.getfixturevalue(role_user))
    form = {"album": album.slug, "image": [coats[0].pk], "confirmed": "1"}
    assert client.post("/selection/delete", form).status_code == 403
    assert Image.objects.filter(pk=coats[0].pk).exists()
    assert "/selection/delete" not in client.get(f"/a/{album.slug}/{coat.slug}/").content.decode()


def test_the_next_page_of_a_confirmation_is_never_another_site(client, app_admin, catalogue):
    album, _coat, coats, *_ = catalogue
    client.force_login(app_admin)
    page = client.post(
        "/selection/delete", {"album": album.slug, "image": [coats[0].pk], "next": "javascript:x"}
    )
    assert 'href="javascript:' not in page.content.decode()
    assert f'href="/a/{album.slug}/"' in page.content.decode()


def test_export_selected_opens_the_export_page_for_their_skus(client, viewer, catalogue):
    album, coat, _coats, dress, dresses = catalogue
    client.force_login(viewer)
    response = client.post("/selection/export", {"album": album.slug, "article": [coat.pk, dress.pk]})
    assert response.status_code == 302
    query = parse_qs(urlsplit(response["Location"]).query)
    assert query == {"albums": [album.slug], "skus": ["КУРТКА/01\nПЛАТЬЕ-02"]}
    photos = client.post("/selection/export", {"album": album.slug, "image": [dresses[0].pk]})
    assert parse_qs(urlsplit(photos["Location"]).query)["skus"] == ["ПЛАТЬЕ-02"]
    assert client.get(photos["Location"]).status_code == 200
