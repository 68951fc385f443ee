"""Every page carries the Content-Security-Policy and holds nothing inline that it would refuse; file
responses keep their own, stricter policy."""

import re

import pytest
from django.urls import reverse

from gallery.tests.factories import album_make, article_make, image_make

pytestmark = pytest.mark.django_db

PAGE_POLICY = {
    "default-src": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
}
# What `default-src 'self'` without 'unsafe-inline' refuses: inline scripts, event handler attributes,
# style attributes and <style> elements.
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style\b", re.IGNORECASE)


@pytest.fixture
def catalogue():
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-1")
    image = image_make(article)
    return album, article, image


def directives(header: str) -> dict[str, str]:
    """A policy header as {directive: sources}; their order carries no meaning."""
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


def pages(album, article, image) -> list[str]:
    """The product's pages and our admin pages, including those with previews, charts and filters."""
    return [
        reverse("gallery:albums"),
        reverse("gallery:album", args=[album.slug]),
        reverse("gallery:article", args=[album.slug, article.slug]),
        reverse("gallery:search") + "?q=АРТ",
        reverse("uploads:upload"),
        reverse("exports:page"),
        reverse("admin:index"),
        reverse("admin:statistics"),
        reverse("admin:trash"),
        reverse("admin:gallery_album_changelist"),
        reverse("admin:gallery_album_change", args=[album.pk]),
        reverse("admin:gallery_article_changelist"),
        reverse("admin:gallery_article_change", args=[article.pk]),
        reverse("admin:gallery_image_changelist"),
        reverse("admin:gallery_image_change", args=[image.pk]),
        reverse("admin:accounts_actionlog_changelist"),
        reverse("admin:uploads_syncrun_changelist"),
        reverse("admin:uploads_uploadjob_changelist"),
        "/no-such-page/",
    ]


def test_every_page_has_the_policy_and_nothing_inline(appadmin_client, catalogue):
    for url in pages(*catalogue):
        response = appadmin_client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        assert directives(response["Content-Security-Policy"]) == PAGE_POLICY, url
        html = response.content.decode()
        assert not INLINE.findall(html), (url, INLINE.findall(html))


def test_the_sign_in_page_has_the_policy(client):
    response = client.get(reverse("accounts:login"))
    assert directives(response["Content-Security-Policy"]) == PAGE_POLICY
    assert not INLINE.findall(response.content.decode())


def test_file_responses_keep_their_sandbox_policy(viewer_client, catalogue):
    album, article, _image = catalogue
    html = viewer_client.get(reverse("gallery:article", args=[album.slug, article.slug])).content.decode()
    file_url = re.search(r'href="(/files/[^"]+/download)"', html).group(1)
    response = viewer_client.get(file_url)
    assert response.status_code == 200
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
