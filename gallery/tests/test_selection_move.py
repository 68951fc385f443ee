"""Moving a selection from the album and article pages: photos to another article (existing or new, of any
album), articles to another album; refusals name the problem and leave everything where it was."""

import pytest

from accounts.models import ActionLog
from accounts.roles import ROLE_CAPABILITIES, Role
from core.access import Capability
from gallery import moves
from gallery.locks import album_lock
from gallery.models import Article, Image
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    spring, winter = album_make("Весна 2026"), album_make("Зима")
    coat = article_make(spring, "КУРТКА-01")
    coats = [image_make(coat, color=(n * 60, 20, 20)) for n in range(3)]
    dress = article_make(spring, "ПЛАТЬЕ-02")
    image_make(dress, color=(20, 200, 20))
    return spring, winter, coat, coats, dress


def _move(client, source, *, confirmed=True, **fields):
    """Post the move form of a selection from album `source`, as its first step or sent back confirmed."""
    form = {"album": source.slug, "next": f"/a/{source.slug}/"} | fields
    if confirmed:
        form["confirmed"] = "1"
    return client.post("/selection/move", form)


def _places(*images) -> list[tuple[str, str, int]]:
    rows = Image.objects.filter(pk__in=[i.pk for i in images]).select_related("album", "article")
    return sorted((row.album.name, row.article.sku, row.position) for row in rows)


def _page(response) -> str:
    return response.content.decode()


def test_moving_needs_the_upload_capability_which_appuser_and_appadmin_hold(client, viewer, catalogue):
    spring, _winter, _coat, coats, _dress = catalogue
    assert [role for role, caps in ROLE_CAPABILITIES.items() if Capability.UPLOAD in caps] == [
        Role.USER,
        Role.ADMIN,
    ]
    client.force_login(viewer)
    assert _move(client, spring, confirmed=False, image=[coats[0].pk]).status_code == 403
    assert "Move selected" not in _page(client.get(f"/a/{spring.slug}/"))


def test_the_move_page_names_the_count_and_offers_every_album(client, uploader, catalogue):
    spring, _winter, coat, coats, _dress = catalogue
    client.force_login(uploader)
    assert "Move selected" in _page(client.get(f"/a/{spring.slug}/{coat.slug}/"))
    response = _move(client, spring, confirmed=False, image=[coats[0].pk, coats[2].pk])
    assert response.status_code == 200
    assert "Move 2 photos" in _page(response)
    assert "Зима" in _page(response) and 'name="to_sku"' in _page(response)
    assert _places(*coats) == [("Весна 2026", "КУРТКА-01", n) for n in range(3)]


def test_photos_move_after_the_photos_of_an_existing_article_of_another_album(client, uploader, catalogue):
    spring, winter, _coat, coats, _dress = catalogue
    boots = article_make(winter, "САПОГИ-9")
    image_make(boots, color=(1, 1, 200))
    client.force_login(uploader)
    response = _move(client, spring, image=[coats[0].pk, coats[2].pk], to_album=winter.pk, to_sku="сапоги-9")
    assert response.status_code == 302
    assert response["Location"] == f"/a/{spring.slug}/"
    assert _places(coats[0], coats[2]) == [("Зима", "САПОГИ-9", 1), ("Зима", "САПОГИ-9", 2)]
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["2 photos moved to “САПОГИ-9” (album “Зима”)."]
    logged = ActionLog.objects.filter(action="move_image").values_list("object_id", flat=True)
    assert sorted(logged) == sorted([str(coats[0].pk), str(coats[2].pk)])


def test_photos_move_to_a_new_article_when_asked_to_create_it(client, uploader, catalogue):
    spring, _winter, _coat, coats, _dress = catalogue
    client.force_login(uploader)
    form = {"image": [coats[1].pk], "to_album": spring.pk, "to_sku": "КУРТКА-01-Б", "new_article": "on"}
    assert _move(client, spring, **form).status_code == 302
    assert _places(coats[1]) == [("Весна 2026", "КУРТКА-01-Б", 0)]
    assert Article.objects.get(sku="КУРТКА-01").images_count == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"to_sku": "НЕТ-ТАКОГО"},
            "Album “Весна 2026” has no article “НЕТ-ТАКОГО”. Tick “Create a new article”",
        ),
        ({"to_sku": "платье-02", "new_article": "on"}, "Album “Весна 2026” already has “ПЛАТЬЕ-02”."),
        ({"to_sku": "КУРТКА-01"}, "These photos are already in this article."),
        ({"to_sku": ""}, "This field is required."),
        ({"to_sku": "ПЛАТЬЕ-02", "to_album": ""}, "This field is required."),
        ({"to_sku": "ПЛАТЬЕ-02", "to_album": "999999"}, "Select a valid choice."),
    ],
)
def test_a_bad_photo_target_is_named_and_nothing_moves(client, uploader, catalogue, fields, message):
    spring, _winter, _coat, coats, _dress = catalogue
    client.force_login(uploader)
    response = _move(client, spring, image=[c.pk for c in coats], **({"to_album": spring.pk} | fields))
    assert response.status_code == 400
    assert message in _page(response).replace("&ldquo;", "“").replace("&rdquo;", "”")
    assert _places(*coats) == [("Весна 2026", "КУРТКА-01", n) for n in range(3)]
    assert not Article.objects.filter(sku__in=["НЕТ-ТАКОГО"]).exists()


def test_a_photo_the_target_already_holds_stays_and_is_reported(client, uploader, catalogue):
    spring, _winter, _coat, coats, dress = catalogue
    twin = image_make(dress, color=(0, 20, 20))  # the same picture as coats[0]
    assert twin.sha256 == coats[0].sha256
    client.force_login(uploader)
    response = _move(client, spring, image=[coats[0].pk, coats[1].pk], to_album=spring.pk, to_sku="ПЛАТЬЕ-02")
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "1 photo moved to “ПЛАТЬЕ-02” (album “Весна 2026”).",
        "1 photo stayed where it was: “ПЛАТЬЕ-02” already holds the same picture.",
    ]
    assert _places(coats[0]) == [("Весна 2026", "КУРТКА-01", 0)]


def test_articles_move_to_another_album_with_their_photos(client, uploader, catalogue):
    spring, winter, coat, coats, dress = catalogue
    client.force_login(uploader)
    response = _move(client, spring, confirmed=False, article=[coat.pk, dress.pk])
    assert "Move 2 articles" in _page(response) and 'name="to_sku"' not in _page(response)
    response = _move(client, spring, article=[coat.pk, dress.pk], to_album=winter.pk)
    assert response.status_code == 302
    assert _places(*coats) == [("Зима", "КУРТКА-01", n) for n in range(3)]
    winter.refresh_from_db()
    assert (winter.articles_count, winter.images_count) == (2, 4)
    assert ActionLog.objects.filter(action="move_article").count() == 2


def test_articles_are_refused_all_together_when_the_album_has_one_of_their_skus(client, uploader, catalogue):
    spring, winter, coat, coats, dress = catalogue
    article_make(winter, "платье-02")
    client.force_login(uploader)
    response = _move(client, spring, article=[coat.pk, dress.pk], to_album=winter.pk)
    assert response.status_code == 400
    assert "already has articles with these SKUs: платье-02" in _page(response).replace("&ldquo;", "“")
    assert _places(*coats) == [("Весна 2026", "КУРТКА-01", n) for n in range(3)]  # not even the free one


def test_articles_moved_to_their_own_album_are_refused(client, uploader, catalogue):
    spring, _winter, coat, _coats, _dress = catalogue
    client.force_login(uploader)
    response = _move(client, spring, article=[coat.pk], to_album=spring.pk)
    assert response.status_code == 400
    assert "The articles are already in this album." in _page(response)


def test_a_busy_target_album_refuses_the_move_and_leaves_no_new_article(
    client, uploader, catalogue, monkeypatch
):
    spring, winter, _coat, coats, _dress = catalogue
    client.force_login(uploader)
    monkeypatch.setattr(moves, "MOVE_LOCK_TIMEOUT", 0)
    form = {"image": [coats[0].pk], "to_album": winter.pk, "to_sku": "НОВЫЙ", "new_article": "on"}
    with album_lock(winter.pk):
        response = _move(client, spring, **form)
    assert response.status_code == 400
    assert not Article.objects.filter(sku="НОВЫЙ").exists()
    assert _places(coats[0]) == [("Весна 2026", "КУРТКА-01", 0)]


def test_nothing_selected_goes_back_with_a_message(client, uploader, catalogue):
    spring = catalogue[0]
    client.force_login(uploader)
    response = _move(client, spring, image=["junk"])
    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == ["Nothing was selected."]
