"""The article page in headless Chromium (Debian's, driven by Playwright): lightbox keys, copy button."""

import hashlib
import urllib.request

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from gallery.tests.factories import album_make, article_make, image_make
from tests.system.browser import screenshot

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
    expect(dialog).to_be_hidden()
    page.locator("a[data-lightbox]").nth(1).click()
    expect(dialog).to_be_visible()
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
    expect(dialog).to_be_hidden()
    # The image the lightbox shows is served to the signed-in browser.
    assert page.evaluate("document.querySelector('dialog.lightbox img').naturalWidth") > 0


def test_copy_button_copies_the_public_link_that_opens_for_anyone(page, live_server):
    album = album_make("Весна 2026", public_links_enabled=True)
    article = article_make(album, "АРТ-001")
    image = image_make(article)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    button = page.locator("button.copy")
    expect(button).to_be_visible()
    button.click()
    page.wait_for_function("document.querySelector('button.copy').textContent === 'Link copied'")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith(f"{live_server.url}/p/{album.link_token}/")
    with urllib.request.urlopen(copied) as answer:  # anonymous: no session cookie
        assert answer.status == 200
        assert hashlib.sha256(answer.read()).hexdigest() == image.sha256


def test_without_public_links_the_page_says_links_need_sign_in_and_offers_no_copy(page, live_server):
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-001")
    image_make(article)
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    assert page.locator("button.copy").count() == 0
    assert "work only for people signed in here" in page.locator("main").inner_text()


def _article_with_photos(count: int = 3):
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-001")
    images = [
        image_make(article, width=900, height=1200, color=(i * 80, 40, 40), original=f"фото {i}.jpg")
        for i in range(count)
    ]
    return album, article, images


def _swipe(page, *, from_x: int, to_x: int, y: int) -> None:
    """A real one-finger swipe, sent as touch events through the DevTools protocol."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": from_x, "y": y}]})
    for step in range(1, 6):
        x = from_x + (to_x - from_x) * step / 5
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def _pinch(page, *, center: tuple[int, int], start: int, end: int) -> None:
    cdp = page.context.new_cdp_session(page)
    cx, cy = center

    def points(half: float) -> list[dict]:
        return [{"x": cx - half, "y": cy, "id": 1}, {"x": cx + half, "y": cy, "id": 2}]

    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": points(start / 2)})
    for step in range(1, 8):
        half = (start + (end - start) * step / 7) / 2
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": points(half)})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_lightbox_shows_the_position_a_download_button_and_zooms_to_the_original_on_click(page, live_server):
    album, article, images = _article_with_photos()
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    page.locator("a[data-lightbox]").nth(1).click()
    dialog = page.locator("dialog.lightbox")
    assert dialog.locator(".position").inner_text() == "2 / 3"
    assert (
        dialog.locator("a.download").get_attribute("href")
        == f"/files/{images[1].pk}/{images[1].sha256[:16]}/download"
    )
    with page.expect_download() as download:
        dialog.locator("a.download").click()
    assert download.value.suggested_filename == "АРТ-001_2.jpg"
    dialog.locator(".stage").click()
    page.wait_for_function("document.querySelector('dialog.lightbox').dataset.scale > 1")
    assert dialog.locator("img").get_attribute("src") == f"/files/{images[1].pk}/{images[1].sha256[:16]}.jpg"
    page.keyboard.press("ArrowRight")  # keys still move, and leave the zoom
    assert dialog.locator(".position").inner_text() == "3 / 3"
    assert dialog.get_attribute("data-scale") == "1"


def test_lightbox_follows_swipes_and_pinches_on_a_phone(browser_for, live_server, viewer):
    album, article, _images = _article_with_photos()
    page = browser_for(viewer, viewport="phone")
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    page.locator("a[data-lightbox]").first.click()
    dialog = page.locator("dialog.lightbox")
    assert dialog.locator(".position").inner_text() == "1 / 3"
    _swipe(page, from_x=300, to_x=90, y=420)
    assert dialog.locator(".position").inner_text() == "2 / 3"
    _swipe(page, from_x=90, to_x=300, y=420)
    assert dialog.locator(".position").inner_text() == "1 / 3"
    _pinch(page, center=(195, 420), start=60, end=240)
    assert float(dialog.get_attribute("data-scale")) > 2
    screenshot(page, "lightbox-pinched-phone")
    _swipe(page, from_x=300, to_x=90, y=420)  # zoomed in, a swipe pans instead of moving on
    assert dialog.locator(".position").inner_text() == "1 / 3"
