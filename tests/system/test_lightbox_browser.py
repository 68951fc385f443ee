"""The article page in headless Chromium (Debian's, driven by Playwright): lightbox keys, copy button."""

import pytest

from accounts.roles import Role
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


@pytest.fixture
def page(browser_for, make_user):
    """A Chromium page signed in as a viewer, English UI."""
    return browser_for(make_user("vera", Role.VIEWER))


def test_lightbox_opens_and_follows_the_keyboard(page, live_server):
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-001")
    images = [image_make(article, color=(i * 80, 40, 40), original=f"фото {i}.jpg") for i in range(3)]
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    dialog = page.locator("dialog.lightbox")
    assert not dialog.is_visible()
    page.locator("a[data-lightbox]").nth(1).click()
    assert dialog.is_visible()
    caption = page.locator("dialog.lightbox figcaption")
    assert "фото 1.jpg" in caption.inner_text()
    assert f"/files/{images[1].pk}/" in page.locator("dialog.lightbox img").get_attribute("src")
    page.keyboard.press("ArrowRight")
    assert "фото 2.jpg" in caption.inner_text()
    page.keyboard.press("ArrowRight")  # wraps around
    assert "фото 0.jpg" in caption.inner_text()
    page.keyboard.press("End")
    assert "фото 2.jpg" in caption.inner_text()
    page.keyboard.press("ArrowLeft")
    assert "фото 1.jpg" in caption.inner_text()
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    # The image the lightbox shows is served to the signed-in browser.
    assert page.evaluate("document.querySelector('dialog.lightbox img').naturalWidth") > 0


def test_copy_button_appears_with_javascript_and_copies_the_absolute_link(page, live_server):
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-001")
    image = image_make(article)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    button = page.locator("button.copy")
    assert button.is_visible()
    button.click()
    page.wait_for_function("document.querySelector('button.copy').textContent === 'Link copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{live_server.url}/files/{image.pk}/{image.sha256[:16]}.jpg"
