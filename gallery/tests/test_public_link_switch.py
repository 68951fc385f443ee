"""The public-link switch on the album, article and export pages, and the article page's "copy link"."""

from urllib.parse import urlsplit

import pytest

from accounts.models import ActionLog
from exports.links import public_link
from gallery.models import Album
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def photo():
    return image_make(article_make(album_make("Весна 2026"), "АРТ-001"), original="перед.jpg")


def switch(client, album, **data):
    return client.post(f"/a/{album.slug}/links", {"next": f"/a/{album.slug}/", **data})


def test_uploader_turns_links_on_and_off_and_it_is_logged(client, uploader, photo):
    client.force_login(uploader)
    album = photo.album
    page = client.get(f"/a/{album.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Public links: off" in page and 'name="state" value="on"' in page
    response = switch(client, album, state="on")
    assert response.status_code == 302 and response["Location"] == f"/a/{album.slug}/"
    assert Album.objects.get(pk=album.pk).public_links_enabled
    page = client.get(f"/a/{album.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Public links: on" in page and 'name="state" value="off"' in page
    switch(client, album, state="off")
    assert not Album.objects.get(pk=album.pk).public_links_enabled
    logged = ActionLog.objects.filter(action="public_links", object_id=str(album.pk), username="uploader")
    assert [entry.details["enabled"] for entry in logged.order_by("id")] == [True, False]


def test_viewer_sees_the_state_but_no_switch(client, viewer, photo):
    client.force_login(viewer)
    page = client.get(f"/a/{photo.album.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Public links: off" in page and 'name="state"' not in page
    assert switch(client, photo.album, state="on").status_code == 403
    assert not Album.objects.get(pk=photo.album.pk).public_links_enabled


def test_regenerating_needs_appadmin_and_revokes_old_links(client, uploader, app_admin, photo):
    album = photo.album
    client.force_login(uploader)
    assert 'name="regenerate"' not in client.get(f"/a/{album.slug}/").content.decode()
    assert switch(client, album, regenerate="1").status_code == 403
    old_token = album.link_token
    client.force_login(app_admin)
    assert 'name="regenerate"' in client.get(f"/a/{album.slug}/").content.decode()
    assert switch(client, album, regenerate="1").status_code == 302
    assert Album.objects.get(pk=album.pk).link_token != old_token
    assert ActionLog.objects.filter(action="public_links_regenerate", username="appadmin").count() == 1


def test_switch_never_redirects_off_site(client, uploader, photo):
    client.force_login(uploader)
    response = client.post(f"/a/{photo.album.slug}/links", {"state": "on", "next": "https://evil.example/"})
    assert response["Location"] == f"/a/{photo.album.slug}/"
    assert client.get(f"/a/{photo.album.slug}/links").status_code == 405


def test_copy_link_is_the_public_link_when_links_are_on(client, uploader, photo, settings):
    settings.PUBLIC_BASE_URL = ""
    client.force_login(uploader)
    album, article = photo.album, photo.article
    page = client.get(f"/a/{album.slug}/{article.slug}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "data-copy=" not in page and "only for people signed in" in page
    switch(client, album, state="on")
    page = client.get(f"/a/{album.slug}/{article.slug}/").content.decode()
    album.refresh_from_db()
    expected = public_link(
        token=album.link_token,
        article_slug=article.slug,
        sha256=photo.sha256,
        extension=photo.file.name.rsplit(".", 1)[1],
        base_url="http://testserver",
    )
    assert f'data-copy="{expected}"' in page
    client.logout()
    response = client.get(urlsplit(expected).path)
    assert response.status_code == 200, "the copied link opens for anyone"


def test_export_preview_offers_to_turn_links_on(client, uploader, photo):
    client.force_login(uploader)
    query = {"albums": photo.album.slug, "preset": "in_row", "preview": "1"}
    page = client.get("/exports/", query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "links-off" in page and 'name="state" value="on"' in page
    assert f'action="/a/{photo.album.slug}/links"' in page
    switch(client, photo.album, state="on")
    page = client.get("/exports/", query, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "links-off" not in page
