"""Selecting photos in Chromium (click, shift-click, select all) and downloading them as one ZIP."""

import zipfile

import pytest
from playwright.sync_api import expect

from gallery.models import Image
from gallery.tests.factories import album_make, article_make, image_make
from tests.system.browser import VIEWPORTS, overflow_px, screenshot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_three_photos_ticked_with_shift_click_download_as_a_zip_named_by_sku(
    browser_for, live_server, viewer, viewport
):
    album = album_make("Весна 2026")
    article = article_make(album, "КУРТКА-01")
    for n in range(5):
        image_make(article, color=(n * 50, 30, 30), original=f"IMG_{n}.jpg")
    page = browser_for(viewer, viewport=viewport)
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    download_button = page.get_by_role("button", name="Download selected (ZIP)")
    assert download_button.is_disabled()  # nothing ticked yet
    boxes = page.locator('input[type=checkbox][form="selection"]')
    boxes.nth(1).click()
    boxes.nth(3).click(modifiers=["Shift"])  # ticks 2, 3 and 4
    assert [boxes.nth(i).is_checked() for i in range(5)] == [False, True, True, True, False]
    assert page.locator("[data-selected-count]").inner_text() == "Selected: 3"
    screenshot(page, f"selection-{viewport}")
    assert overflow_px(page) == 0
    with page.expect_download() as download:
        download_button.click()
    archive = zipfile.ZipFile(download.value.path())
    assert archive.namelist() == ["КУРТКА-01_2.jpg", "КУРТКА-01_3.jpg", "КУРТКА-01_4.jpg"]


def test_select_all_ticks_every_article_of_the_page_and_again_clears_them(browser_for, live_server, viewer):
    album = album_make("Весна 2026")
    for sku in ("A-1", "B-2", "C-3"):
        image_make(article_make(album, sku))
    page = browser_for(viewer)
    page.goto(f"{live_server.url}/a/{album.slug}/")
    page.get_by_role("button", name="Select all on this page").click()
    assert page.locator("[data-selected-count]").inner_text() == "Selected: 3"
    with page.expect_download() as download:
        page.get_by_role("button", name="Download selected (ZIP)").click()
    names = zipfile.ZipFile(download.value.path()).namelist()
    assert names == ["A-1_1.jpg", "B-2_1.jpg", "C-3_1.jpg"]
    page.get_by_role("button", name="Select all on this page").click()
    assert page.locator("[data-selected-count]").inner_text() == "Selected: 0"


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_ticked_photos_move_to_a_new_article_from_the_article_page(
    browser_for, live_server, uploader, viewport
):
    album = album_make("Весна 2026")
    article = article_make(album, "КУРТКА-01")
    photos = [image_make(article, color=(n * 50, 30, 30)) for n in range(3)]
    page = browser_for(uploader, viewport=viewport)
    page.goto(f"{live_server.url}/a/{album.slug}/{article.slug}/")
    boxes = page.locator('input[type=checkbox][form="selection"]')
    boxes.nth(0).click()
    boxes.nth(2).click()
    page.get_by_role("button", name="Move selected").click()
    expect(page.get_by_role("heading", name="Move 2 photos")).to_be_visible()
    page.get_by_label("To article (SKU)").fill("КУРТКА-02")
    page.get_by_role("button", name="Move", exact=True).click()
    assert "has no article “КУРТКА-02”" in page.locator(".error").first.inner_text()  # asked, not guessed
    page.get_by_label("Create a new article with this SKU").check()
    screenshot(page, f"selection-move-{viewport}")
    assert overflow_px(page) == 0
    page.get_by_role("button", name="Move", exact=True).click()
    assert "2 photos moved to “КУРТКА-02”" in page.locator(".messages").inner_text()
    assert page.url.endswith(f"/a/{album.slug}/{article.slug}/")
    moved = Image.objects.filter(pk__in=[photos[0].pk, photos[2].pk]).values_list("article__sku", flat=True)
    assert set(moved) == {"КУРТКА-02"}
