"""The catalogue in the Django admin: pages, actions, files following moves, and the action log."""

import re

import pytest
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import ActionLog
from gallery import files, moves
from gallery.locks import album_lock
from gallery.models import Album, Article, Image
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:index",
    "admin:statistics",
    "admin:gallery_album_changelist",
    "admin:gallery_article_changelist",
    "admin:gallery_image_changelist",
    "admin:accounts_actionlog_changelist",
    "admin:accounts_actionlog_csv",
    "admin:auth_user_changelist",
    "admin:uploads_uploadjob_changelist",
    "admin:uploads_syncrun_changelist",
]


@pytest.fixture
def catalogue():
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-001 (синий)")
    images = [
        image_make(article, color=(index * 70, 10, 10), original=f"фото {index}.jpg") for index in range(3)
    ]
    return album, article, images


@pytest.mark.parametrize("page", ADMIN_PAGES)
def test_admin_pages_open_for_appadmin(appadmin_client, catalogue, page):
    assert appadmin_client.get(reverse(page)).status_code == 200


def test_object_pages_open_for_appadmin(appadmin_client, catalogue):
    album, article, images = catalogue
    for url in [
        reverse("admin:gallery_album_change", args=[album.pk]),
        reverse("admin:gallery_article_change", args=[article.pk]),
        reverse("admin:gallery_image_change", args=[images[0].pk]),
        reverse("admin:gallery_album_regenerate_link_token", args=[album.pk]),
    ]:
        response = appadmin_client.get(url)
        assert response.status_code == 200, url


@pytest.mark.parametrize("role_user", ["viewer", "uploader", "no_role_user"])
def test_everyone_else_gets_403_and_a_log_entry(client, request, role_user, catalogue):
    user = request.getfixturevalue(role_user)
    user.is_staff = True  # staff status alone must not open the admin
    user.save()
    client.force_login(user)
    for page in ["admin:index", "admin:statistics", "admin:gallery_album_changelist", "admin:login"]:
        assert client.get(reverse(page)).status_code == 403, page
    album = catalogue[0]
    response = client.post(
        reverse("admin:gallery_album_regenerate_link_token", args=[album.pk]), {"confirmed": "yes"}
    )
    assert response.status_code == 403
    assert Album.objects.get(pk=album.pk).link_token == album.link_token
    assert ActionLog.objects.filter(action=ActionLog.ACCESS_DENIED, username=user.username).count() == 5


def test_anonymous_visitors_are_sent_to_the_app_login(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_album_list_shows_cover_previews_without_asking_storage(appadmin_client, catalogue, monkeypatch):
    def no_storage_calls(*args, **kwargs):
        raise AssertionError("a list page asked storage")

    monkeypatch.setattr(files.storage(), "exists", no_storage_calls)
    monkeypatch.setattr(files.storage(), "size", no_storage_calls)
    for page in ["admin:gallery_album_changelist", "admin:gallery_image_changelist"]:
        content = appadmin_client.get(reverse(page)).content.decode()
        assert "-160.jpg" in content  # the 160 px JPEG thumbnail as preview


@pytest.mark.parametrize(
    "page",
    ["admin:gallery_image_changelist", "admin:gallery_article_changelist", "admin:gallery_album_changelist"],
)
def test_list_query_counts_do_not_grow_with_rows(appadmin_client, django_assert_max_num_queries, page):
    def add_photos(first: int, last: int) -> None:
        for index in range(first, last):
            article = article_make(album_make(f"Альбом {index % 4}"), f"SKU-{index % 6}")
            image_make(article, color=(index * 20 % 256, index * 7 % 256, 0))

    add_photos(0, 3)
    url = reverse(page)
    with django_assert_max_num_queries(20) as few:
        assert appadmin_client.get(url).status_code == 200
    add_photos(3, 14)
    with django_assert_max_num_queries(len(few.captured_queries)):
        appadmin_client.get(url)


def test_renaming_an_album_keeps_slug_and_files_and_is_logged(appadmin_client, catalogue):
    album, _article, images = catalogue
    response = appadmin_client.post(
        reverse("admin:gallery_album_change", args=[album.pk]),
        {"name": "Лето 2026", "description": "", "public_links_enabled": "on"},
    )
    assert response.status_code == 302
    album.refresh_from_db()
    assert (album.name, album.slug, album.public_links_enabled) == ("Лето 2026", "vesna-2026", True)
    assert files.exists(Image.objects.get(pk=images[0].pk).file.name)
    entry = ActionLog.objects.get(action="admin_change")
    assert (entry.object_type, entry.object_id, entry.username) == (
        "gallery.album",
        str(album.pk),
        "appadmin",
    )
    assert entry.ip == "127.0.0.1"


def test_album_name_clash_is_a_form_error(appadmin_client, catalogue):
    album_make("Зима")
    response = appadmin_client.post(
        reverse("admin:gallery_album_change", args=[catalogue[0].pk]), {"name": "ЗИМА", "description": ""}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


def test_an_unusable_album_name_is_refused_in_the_admins_language(appadmin_client):
    response = appadmin_client.post(
        reverse("admin:gallery_album_add"),
        {"name": "Весна/Лето", "description": ""},
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert response.status_code == 200
    assert "не должно содержать «/»" in response.content.decode()
    assert not Album.objects.exists()


def test_adding_an_album_in_the_admin_uses_the_service(appadmin_client):
    response = appadmin_client.post(
        reverse("admin:gallery_album_add"), {"name": "Осень 2026", "description": "x"}
    )
    assert response.status_code == 302
    album = Album.objects.get(name="Осень 2026")
    assert album.slug == "osen-2026"
    assert ActionLog.objects.filter(action="admin_add", object_id=str(album.pk)).exists()


def test_regenerating_the_link_token_asks_first(appadmin_client, catalogue):
    album = catalogue[0]
    url = reverse("admin:gallery_album_changelist")
    data = {"action": "regenerate_link_tokens", helpers.ACTION_CHECKBOX_NAME: [album.pk]}
    page = appadmin_client.post(url, data)
    assert page.status_code == 200
    assert "stops working" in page.content.decode()
    assert Album.objects.get(pk=album.pk).link_token == album.link_token
    appadmin_client.post(url, {**data, "confirmed": "yes"})
    assert Album.objects.get(pk=album.pk).link_token != album.link_token
    assert ActionLog.objects.filter(action="admin_regenerate_link_token", object_id=str(album.pk)).exists()


def test_regenerate_button_on_the_album_page(appadmin_client, catalogue):
    album = catalogue[0]
    url = reverse("admin:gallery_album_regenerate_link_token", args=[album.pk])
    assert appadmin_client.post(url).status_code == 200  # no confirmation: the question again
    assert Album.objects.get(pk=album.pk).link_token == album.link_token
    assert appadmin_client.post(url, {"confirmed": "yes"}).status_code == 302
    assert Album.objects.get(pk=album.pk).link_token != album.link_token


def test_public_link_switch_actions(appadmin_client, catalogue):
    album = catalogue[0]
    url = reverse("admin:gallery_album_changelist")
    appadmin_client.post(url, {"action": "public_links_on", helpers.ACTION_CHECKBOX_NAME: [album.pk]})
    assert Album.objects.get(pk=album.pk).public_links_enabled
    appadmin_client.post(url, {"action": "public_links_off", helpers.ACTION_CHECKBOX_NAME: [album.pk]})
    assert not Album.objects.get(pk=album.pk).public_links_enabled
    assert ActionLog.objects.filter(action="admin_public_links").count() == 2


def inline_data(article, images, positions, delete=()) -> dict:
    data = {
        "album": article.album_id,
        "sku": article.sku,
        "images-TOTAL_FORMS": len(images),
        "images-INITIAL_FORMS": len(images),
        "images-MIN_NUM_FORMS": 0,
        "images-MAX_NUM_FORMS": 1000,
    }
    for index, (image, position) in enumerate(zip(images, positions, strict=True)):
        data[f"images-{index}-id"] = image.pk
        data[f"images-{index}-article"] = article.pk
        data[f"images-{index}-position"] = position
        if image in delete:
            data[f"images-{index}-DELETE"] = "on"
    return data


def test_photo_strip_reorders_and_moves_deleted_photos_to_the_trash(
    appadmin_client, catalogue, django_capture_on_commit_callbacks
):
    _album, article, images = catalogue
    url = reverse("admin:gallery_article_change", args=[article.pk])
    page = appadmin_client.get(url).content.decode()
    assert "-160.jpg" in page
    assert "gallery/admin/photo_strip.js" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = appadmin_client.post(url, inline_data(article, images, [6, 2, 1], delete=[images[1]]))
    assert response.status_code == 302
    order = list(article.images.order_by("position").values_list("pk", "position"))
    assert order == [(images[2].pk, 0), (images[0].pk, 1)]
    assert list(Image.trashed.values_list("pk", flat=True)) == [images[1].pk]
    assert files.exists(images[1].file.name), "the trash keeps the files"
    assert Album.objects.get(pk=article.album_id).images_count == 2
    assert ActionLog.objects.filter(action="admin_change", object_type="gallery.article").exists()


def test_changing_the_album_of_an_article_moves_its_files(
    appadmin_client, catalogue, django_capture_on_commit_callbacks
):
    _album, article, images = catalogue
    winter = album_make("Зима")
    data = inline_data(article, images, [1, 2, 3])
    data["album"] = winter.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = appadmin_client.post(reverse("admin:gallery_article_change", args=[article.pk]), data)
    assert response.status_code == 302
    moved = Image.objects.get(pk=images[0].pk)
    assert moved.album_id == winter.pk
    assert moved.file.name.startswith(f"originals/{winter.slug}/")
    assert files.exists(moved.file.name)
    assert not files.exists(images[0].file.name)


def test_move_articles_action_reports_a_sku_clash(appadmin_client, catalogue):
    _album, article, _images = catalogue
    winter = album_make("Зима")
    article_make(winter, "арт-001 (СИНИЙ)")
    url = reverse("admin:gallery_article_changelist")
    data = {"action": "move_to_album", helpers.ACTION_CHECKBOX_NAME: [article.pk]}
    assert appadmin_client.post(url, data).status_code == 200  # asks for the album
    response = appadmin_client.post(url, {**data, "confirmed": "yes", "album": winter.pk}, follow=True)
    assert "already has an article" in response.content.decode()
    assert Article.objects.get(pk=article.pk).album_id == article.album_id


def test_image_search_by_sku_file_name_and_sha_prefix(appadmin_client, catalogue):
    _album, _article, images = catalogue
    other = image_make(article_make(album_make("Зима"), "RC18"), color=(1, 200, 1), original="main.jpg")
    url = reverse("admin:gallery_image_changelist")

    def found(term: str) -> set[int]:
        return {row.pk for row in appadmin_client.get(url, {"q": term}).context["cl"].result_list}

    assert found("арт-001") == {image.pk for image in images}  # SKU, Cyrillic case ignored
    assert found("MAIN.JPG") == {other.pk}
    assert found(other.sha256[:8].upper()) == {other.pk}


def test_image_filters(appadmin_client, catalogue):
    album = catalogue[0]
    image_make(article_make(album_make("Зима"), "RC18"), fmt="PNG", color=(1, 200, 1))
    url = reverse("admin:gallery_image_changelist")
    assert appadmin_client.get(url, {"format": "PNG"}).context["cl"].result_count == 1
    assert appadmin_client.get(url, {"album__id__exact": album.pk}).context["cl"].result_count == 3


def test_bulk_delete_moves_photos_to_the_trash_and_logs(
    appadmin_client, catalogue, django_capture_on_commit_callbacks
):
    album, _article, images = catalogue
    url = reverse("admin:gallery_image_changelist")
    data = {"action": "delete_selected", helpers.ACTION_CHECKBOX_NAME: [images[0].pk, images[1].pk]}
    with django_capture_on_commit_callbacks(execute=True):
        appadmin_client.post(url, {**data, "post": "yes"})
    assert list(Image.objects.values_list("pk", flat=True)) == [images[2].pk]
    assert set(Image.trashed.values_list("pk", flat=True)) == {images[0].pk, images[1].pk}
    assert files.exists(images[0].file.name), "the trash keeps the files"
    assert Album.objects.get(pk=album.pk).images_count == 1
    assert ActionLog.objects.filter(action="admin_delete", object_type="gallery.image").count() == 2


def test_move_images_to_an_article_action(appadmin_client, catalogue, django_capture_on_commit_callbacks):
    _album, _article, images = catalogue
    target = article_make(album_make("Зима"), "RC18")
    url = reverse("admin:gallery_image_changelist")
    data = {"action": "move_to_article", helpers.ACTION_CHECKBOX_NAME: [images[0].pk]}
    form_page = appadmin_client.post(
        url, {**data, "confirmed": "yes", "album": target.album_id, "sku": "нет такого"}
    )
    assert "no article with this SKU" in form_page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        appadmin_client.post(url, {**data, "confirmed": "yes", "album": target.album_id, "sku": "rc18"})
    moved = Image.objects.get(pk=images[0].pk)
    assert moved.article_id == target.pk
    assert files.exists(moved.file.name)
    assert ActionLog.objects.filter(action="admin_move_image", object_id=str(moved.pk)).exists()


def test_regenerate_thumbnails_action_rewrites_them(appadmin_client, catalogue, media_root):
    _album, _article, images = catalogue
    thumb = images[0].thumbnails.get(size=160, format="jpeg")
    (media_root / thumb.file.name).write_bytes(b"broken")
    url = reverse("admin:gallery_image_changelist")
    appadmin_client.post(
        url, {"action": "regenerate_thumbnails", helpers.ACTION_CHECKBOX_NAME: [images[0].pk]}
    )
    assert (media_root / thumb.file.name).read_bytes()[:2] == b"\xff\xd8"  # a JPEG again
    assert ActionLog.objects.filter(
        action="admin_regenerate_thumbnails", object_id=str(images[0].pk)
    ).exists()


def test_moves_into_a_busy_album_say_so_and_change_nothing(appadmin_client, catalogue, monkeypatch):
    """While a sync or upload works on the album (it holds the lock), each admin move path says why not."""
    monkeypatch.setattr(moves, "MOVE_LOCK_TIMEOUT", 0)
    _album, article, images = catalogue
    target = article_make(album_make("Зима"), "RC18")
    photos = reverse("admin:gallery_image_changelist")
    action = {"action": "move_to_article", helpers.ACTION_CHECKBOX_NAME: [images[0].pk]}
    change = {**inline_data(article, images, [1, 2, 3]), "album": target.album_id}
    with album_lock(target.album_id):
        answers = [
            appadmin_client.post(
                photos, {**action, "confirmed": "yes", "album": target.album_id, "sku": "RC18"}
            ),
            appadmin_client.post(reverse("admin:gallery_article_change", args=[article.pk]), change),
        ]
    for answer in answers:
        assert answer.status_code == 302
        assert "busy" in " ".join(str(message) for message in get_messages(answer.wsgi_request))
    assert set(Image.objects.values_list("article_id", flat=True)) == {article.pk}


def test_adding_an_article_in_the_admin_counts_it_into_its_album(appadmin_client, catalogue):
    album, _article, _images = catalogue
    response = appadmin_client.post(
        reverse("admin:gallery_article_add"),
        {"album": album.pk, "sku": "АРТ-002", "images-TOTAL_FORMS": "0", "images-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    album.refresh_from_db()
    assert album.articles_count == 2 == album.articles.count()


def test_article_list_shows_the_stored_photo_counter(appadmin_client, catalogue):
    """The list reads `images_count` (kept by every write), it does not recount the photos per page."""
    _album, article, _images = catalogue
    Article.objects.filter(pk=article.pk).update(images_count=42)
    content = appadmin_client.get(reverse("admin:gallery_article_changelist")).content.decode()
    assert '<td class="field-photos">42</td>' in content


def test_admin_numbers_photos_from_1_as_the_gallery_does(appadmin_client, catalogue):
    _album, article, images = catalogue
    strip = appadmin_client.get(reverse("admin:gallery_article_change", args=[article.pk])).content.decode()
    assert re.findall(r'name="images-\d-position" value="(\d+)"', strip) == ["1", "2", "3"]
    listing = appadmin_client.get(reverse("admin:gallery_image_changelist") + "?o=5").content.decode()
    assert re.findall(r'<td class="field-number">(\d+)</td>', listing) == ["1", "2", "3"]
    url = reverse("admin:gallery_image_change", args=[images[2].pk])
    assert 'name="position" value="3"' in appadmin_client.get(url).content.decode()
    response = appadmin_client.post(url, {"article": article.pk, "position": 1})
    assert response.status_code == 302
    assert list(article.images.order_by("position").values_list("pk", flat=True)) == [
        images[2].pk,
        images[0].pk,
        images[1].pk,
    ]
    response = appadmin_client.post(url, {"article": article.pk, "position": 0})
    assert response.status_code == 200  # refused: positions start at 1
