"""Public links: anonymous, content-addressed, revocable, unguessable, with the right headers."""

from urllib.parse import urlsplit

import pytest

from exports.links import public_link, public_name_parse
from gallery import files
from gallery.models import Album
from gallery.services import album_link_token_regenerate, image_delete, images_delete
from gallery.tests.factories import album_make, article_make, image_make
from gallery.trash import trash_restore

pytestmark = pytest.mark.django_db

PUBLIC_ONE_DAY = "public, max-age=86400"


def path_of(url: str) -> str:
    return urlsplit(url).path


def link_path(image, *, size=None, extension=None, position=None) -> str:
    return path_of(
        public_link(
            token=image.album.link_token,
            article_slug=image.article.slug,
            sha256=image.sha256,
            position=position,
            size=size,
            extension=extension or image.file.name.rsplit(".", 1)[1],
        )
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def photo():
    album = album_make("Весна 2026", public_links_enabled=True)
    return image_make(article_make(album, "АРТ-001 (синий)"), width=80, height=60)


def test_original_is_served_anonymously_with_a_short_public_cache_and_a_sandbox(client, photo):
    response = client.get(link_path(photo))
    assert response.status_code == 200
    with files.open_file(photo.file.name) as file:
        assert body(response) == file.read()
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == PUBLIC_ONE_DAY
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "Content-Disposition" not in response


@pytest.mark.parametrize(
    ("size", "extension", "content_type"), [(160, "webp", "image/webp"), (640, "jpg", "image/jpeg")]
)
def test_thumbnails_are_served_with_their_content_type(client, photo, size, extension, content_type):
    thumbnail = photo.thumbnails.get(size=size, format={"jpg": "jpeg"}.get(extension, extension))
    response = client.get(link_path(photo, size=size, extension=extension))
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Cache-Control"] == PUBLIC_ONE_DAY
    with files.open_file(thumbnail.file.name) as file:
        assert body(response) == file.read()


def test_nginx_mode_hands_the_file_to_nginx(client, photo, settings):
    settings.MEDIA_SERVE = "nginx"
    response = client.get(link_path(photo))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"].endswith(photo.file.name)
    assert response["Cache-Control"] == PUBLIC_ONE_DAY
    assert response["Content-Type"] == "image/jpeg"


def test_regenerating_the_token_revokes_every_old_link(client, photo):
    old = [link_path(photo), link_path(photo, size=160, extension="jpg"), link_path(photo, position=1)]
    assert client.get(old[0]).status_code == 200
    album_link_token_regenerate(album=photo.album, actor=None)
    for path in old:
        assert client.get(path).status_code == 404
    photo.album.refresh_from_db()
    assert client.get(link_path(photo)).status_code == 200


def test_token_is_random_and_long():
    tokens = {album_make(f"A{n}").link_token for n in range(5)}
    assert len(tokens) == 5
    assert all(len(token) * 6 >= 128 for token in tokens)


def test_disabled_album_answers_404(client, photo):
    Album.objects.filter(pk=photo.album_id).update(public_links_enabled=False)
    assert client.get(link_path(photo)).status_code == 404
    assert client.get(link_path(photo, position=1)).status_code == 404


def test_guessed_token_and_other_albums_paths_answer_404(client, photo):
    other_album = album_make("Зима", public_links_enabled=True)
    other = image_make(article_make(other_album, "Z-1"), color=(1, 2, 3))
    good = link_path(photo)
    token = photo.album.link_token
    guessed = good.replace(token, token[:-1] + ("A" if token[-1] != "A" else "B"))
    cross = link_path(other).replace(other_album.link_token, token)  # my token, another album's photo
    cross_article = link_path(photo).replace(photo.article.slug, other.article.slug)
    for path in (guessed, cross, cross_article):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize(
    "tail",
    [
        "{sha}.png",  # wrong extension
        "{sha}-999.jpg",  # size not on the ladder
        "{sha}-160.png",  # no PNG renditions
        "{short}.jpg",  # short prefix
        "..%2F..%2Fsecret.jpg",
        "{sha}.jpg.php",
        "0.jpg",  # positions start at 1
        "7.jpg",  # no 7th photo
    ],
)
def test_malformed_or_wrong_names_answer_404(client, photo, tail):
    base = link_path(photo).rsplit("/", 1)[0]
    name = tail.format(sha=photo.sha256[:16], short=photo.sha256[:8])
    assert client.get(f"{base}/{name}").status_code == 404


@pytest.mark.parametrize("slug", ["art-001-sinii!", "АРТ-001", "art-001-sinii%2F..", "..", "art%00"])
def test_odd_article_slugs_answer_404(client, photo, slug):
    path = link_path(photo).replace(f"/{photo.article.slug}/", f"/{slug}/")
    assert client.get(path).status_code in (400, 404)


def test_only_get_and_head(client, photo):
    assert client.head(link_path(photo)).status_code == 200
    assert client.post(link_path(photo)).status_code == 405


def test_position_alias_follows_a_replaced_photo(client, photo):
    alias = link_path(photo, position=1)
    response = client.get(alias)
    assert response.status_code == 302
    assert path_of(response["Location"]) == link_path(photo)
    replacement = image_make(photo.article, width=90, height=70, color=(0, 200, 0), position=0)
    image_delete(image=photo)
    response = client.get(alias)
    assert path_of(response["Location"]) == link_path(replacement)
    assert client.get(path_of(response["Location"])).status_code == 200
    assert client.get(link_path(photo)).status_code == 404, "the replaced photo's link is gone"


def test_position_alias_with_size_and_jpeg_fallback(client, photo):
    png = image_make(photo.article, fmt="PNG", color=(0, 0, 250))
    response = client.get(link_path(png, position=2, size=640, extension="webp"))
    assert path_of(response["Location"]) == link_path(png, size=640, extension="webp")
    response = client.get(link_path(png, position=2, extension="jpg"))
    assert path_of(response["Location"]) == link_path(png, size=1600, extension="jpg")
    assert client.get(link_path(png, position=2, extension="png")).status_code == 302
    assert client.get(link_path(png, position=2, extension="gif")).status_code == 404


def test_public_names_parse_strictly():
    assert public_name_parse("0123456789abcdef-640.webp").size == 640
    assert public_name_parse("12.jpg").position == 12
    for bad in ("0123456789ABCDEF.jpg", "0123456789abcde.jpg", "1.JPG", "-1.jpg", "01.jpg", "1-.jpg"):
        assert public_name_parse(bad) is None, bad


def test_lookup_is_one_query(client, photo, django_assert_num_queries):
    path = link_path(photo, size=640, extension="jpg")
    with django_assert_num_queries(1):
        assert client.get(path).status_code == 200


def test_the_public_cache_lifetime_is_the_setting(client, photo, settings):
    settings.PUBLIC_LINK_MAX_AGE = 600
    assert client.get(link_path(photo))["Cache-Control"] == "public, max-age=600"


def test_a_trashed_photos_public_links_answer_404_at_once_and_again_after_restore(client, photo):
    thumbnail = photo.thumbnails.first()
    links = [
        link_path(photo),
        link_path(photo, size=thumbnail.size, extension=thumbnail.file.name.rsplit(".", 1)[1]),
        link_path(photo, position=1),
    ]
    assert [client.get(link).status_code for link in links] == [200, 200, 302]
    images_delete(images=[photo])
    assert [client.get(link).status_code for link in links] == [404, 404, 404]
    trash_restore(kind="photo", pk=photo.pk, actor=None)
    assert [client.get(link).status_code for link in links] == [200, 200, 302]
