"""Each user action on the catalogue records its own action-log entry in the service that makes the write."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from core.audit import Actor, action_performed
from gallery import moves, services
from gallery.models import Album
from gallery.tasks import images_thumbnails_regenerate_enqueue
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def recorded():
    """(action, user, object, details) of every entry sent while the test runs."""
    entries = []

    def receive(sender, action, user, obj, details, **_rest):
        entries.append((action, user, obj, details))

    action_performed.connect(receive, dispatch_uid="test_recorded")
    yield entries
    action_performed.disconnect(dispatch_uid="test_recorded")


@pytest.fixture
def someone():
    return get_user_model().objects.create_user("someone")


def test_public_links_and_their_token_record_page_or_admin_names(recorded, someone):
    album = album_make("Лето")
    services.album_public_links_set(album=album, enabled=True, actor=Actor(user=someone))
    services.album_public_links_set(album=album, enabled=True, actor=Actor(user=someone))  # no change
    services.album_public_links_set(album=album, enabled=False, actor=Actor(user=someone, admin=True))
    services.album_link_token_regenerate(album=album, actor=Actor(user=someone))
    services.album_link_token_regenerate(album=album, actor=Actor(user=someone, admin=True))
    assert [(action, details) for action, _user, _obj, details in recorded] == [
        ("public_links", {"enabled": True}),
        ("admin_public_links", {"enabled": False}),
        ("public_links_regenerate", {}),
        ("admin_regenerate_link_token", {}),
    ]
    assert {(user, obj) for _action, user, obj, _details in recorded} == {(someone, album)}
    assert not Album.objects.get(pk=album.pk).public_links_enabled


def test_moves_record_each_moved_photo_and_article(recorded, someone, media_root):
    summer, winter = album_make("Лето"), album_make("Зима")
    source, target = article_make(summer, "А-1"), article_make(winter, "Б-2")
    image = image_make(source)
    moves.images_move(images=[image], article=target, actor=Actor(user=someone, admin=True))
    moves.article_move(article=source, album=winter, actor=Actor(user=someone, admin=True))
    assert [(action, obj.pk, details) for action, _user, obj, details in recorded] == [
        ("admin_move_image", image.pk, {"to_article": "Б-2", "to_album": "Зима"}),
        ("admin_move_article", source.pk, {"from_album": "Лето", "to_album": "Зима"}),
    ]


def test_a_refused_move_records_nothing(recorded, someone, media_root):
    summer, winter = album_make("Лето"), album_make("Зима")
    article_make(winter, "А-1")
    with pytest.raises(ValidationError):
        moves.article_move(article=article_make(summer, "а-1"), album=winter, actor=Actor(user=someone))
    assert recorded == []


def test_thumbnail_regeneration_is_recorded_per_photo(recorded, someone, media_root):
    images = [image_make(article_make(album_make("Лето")))]
    images_thumbnails_regenerate_enqueue(images=images, actor=Actor(user=someone, admin=True))
    assert [(action, obj.pk) for action, _user, obj, _details in recorded] == [
        ("admin_regenerate_thumbnails", images[0].pk)
    ]


def test_no_actor_records_nothing(recorded, media_root):
    album = album_make("Лето")
    services.album_public_links_set(album=album, enabled=True, actor=None)
    services.album_link_token_regenerate(album=album, actor=None)
    assert recorded == []
