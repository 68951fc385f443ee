"""The gallery admin's deletes say what happens: the items go to the trash, counted with Russian plurals."""

import pytest
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse

from gallery.models import Album, Image
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def albums():
    return [album_make(f"Сезон {number}") for number in range(5)]


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_bulk_delete_confirmation_says_the_albums_go_to_the_trash(appadmin_client, albums, settings):
    settings.TRASH_DAYS = 21
    url = reverse("admin:gallery_album_changelist")
    data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [album.pk for album in albums]}
    page = appadmin_client.post(url, data, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.status_code == 200
    assert "корзину" in page.content.decode() and "21 день" in page.content.decode()
    assert Album.objects.count() == 5, "the confirmation page deletes nothing"


def test_a_confirmed_bulk_delete_reports_the_trash_with_the_right_plural(appadmin_client, albums):
    url = reverse("admin:gallery_album_changelist")
    data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [album.pk for album in albums]}
    response = appadmin_client.post(url, {**data, "post": "yes"}, HTTP_ACCEPT_LANGUAGE="ru", follow=True)
    assert "Перемещено в корзину: 5 альбомов." in messages_of(response)
    assert Album.objects.count() == 0 and Album.trashed.count() == 5


def test_the_action_menu_names_the_trash(appadmin_client, albums):
    page = appadmin_client.get(reverse("admin:gallery_album_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Move selected albums to the trash" in page.content.decode()


def test_deleting_one_photo_says_it_is_in_the_trash(appadmin_client):
    photo = image_make(article_make(album_make("Весна"), "АРТ-1"), original="фото.jpg")
    url = reverse("admin:gallery_image_delete", args=[photo.pk])
    confirmation = appadmin_client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert "goes to the trash" in confirmation.content.decode()
    response = appadmin_client.post(url, {"post": "yes"}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:gallery_image_changelist")
    assert any("is in the trash" in message for message in messages_of(response))
    assert not Image.objects.filter(pk=photo.pk).exists() and Image.trashed.filter(pk=photo.pk).exists()
