"""Every main page in Chromium at 1366×768 and 390×844: it fits the viewport, axe-core finds no serious or
critical problem, and a screenshot of it is saved as a test artifact."""

import pytest
from playwright.sync_api import expect

from accounts.roles import Role
from gallery.tests.factories import album_make, article_make, image_make
from tests.system.browser import VIEWPORTS, axe_problems, overflow_px, screenshot

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]


def _catalogue() -> tuple:
    """Two albums; the first with a few articles of portrait and landscape photos, Cyrillic names."""
    album = album_make("Весна 2026 — верхняя одежда и аксессуары")
    album_make("Зима")
    first = article_make(album, "КУРТКА-ЁЛКА-001")
    for n in range(3):
        image_make(first, width=60, height=80, color=(40 + n * 60, 90, 160), original=f"куртка {n}.jpg")
    for sku in ("ПЛАТЬЕ-002", "ШАРФ-003", "SHOE-004"):
        image_make(article_make(album, sku), width=80, height=60, original=f"{sku}.jpg")
    article_make(album, "БЕЗ-ФОТО-005")
    return album, first


def _main_pages(album, article) -> dict[str, str]:
    return {
        "albums": "/",
        "album": f"/a/{album.slug}/",
        "article": f"/a/{album.slug}/{article.slug}/",
        "search": "/search/?q=%D0%B5%D0%BB%D0%BA",  # "елк" finds "ЁЛКА"
        "export": "/exports/",
        "upload": "/upload/",
    }


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_every_main_page_fits_the_viewport_and_passes_axe(
    browser_for, live_server, make_user, viewport, locale
):
    album, article = _catalogue()
    page = browser_for(
        make_user("alla", Role.ADMIN, first_name="Алла", last_name="Константинопольская"),
        viewport=viewport,
        locale=locale,
    )
    problems = {}
    for name, path in _main_pages(album, article).items():
        page.goto(live_server.url + path)
        screenshot(page, f"{name}-{viewport}-{locale}")
        found = axe_problems(page)
        if overflow_px(page):
            found.append(f"{overflow_px(page)} px wider than the {viewport} viewport")
        if found:
            problems[name] = found
    assert problems == {}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_sign_in_page_fits_and_passes_axe(browser_for, live_server, viewport):
    page = browser_for(None, viewport=viewport)
    page.goto(live_server.url + "/accounts/login/")
    screenshot(page, f"login-{viewport}")
    assert axe_problems(page) == []
    assert overflow_px(page) == 0


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_global_search_from_the_top_bar_finds_skus_of_every_album(browser_for, live_server, viewer, viewport):
    album, _ = _catalogue()
    winter = album_make("Зима")
    image_make(article_make(winter, "шар-ёлка"))
    page = browser_for(viewer, viewport=viewport)
    page.goto(live_server.url + "/exports/")
    page.locator(".topbar input[name=q]").fill("ЕЛКА")
    page.locator(".topbar input[name=q]").press("Enter")
    page.wait_for_url("**/search/?q=*")
    groups = page.locator("section.search-group")
    assert [groups.nth(i).locator("h2 a").inner_text() for i in range(groups.count())] == [album.name, "Зима"]
    assert groups.nth(0).locator(".tile .name").all_inner_texts() == ["КУРТКА-ЁЛКА-001"]
    assert groups.nth(1).locator(".tile .name").all_inner_texts() == ["шар-ёлка"]
    assert overflow_px(page) == 0


def test_the_phone_menu_opens_and_closes_with_the_keyboard(browser_for, live_server, app_admin):
    page = browser_for(app_admin, viewport="phone")
    page.goto(live_server.url + "/")
    admin_link = page.get_by_role("link", name="Administration")
    expect(admin_link).to_be_hidden()
    page.locator(".topbar summary").focus()
    page.keyboard.press("Enter")
    expect(admin_link).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, "menu-open-phone")
    page.keyboard.press("Escape")
    expect(admin_link).to_be_hidden()


def test_the_desktop_top_bar_shows_the_menu_without_a_button(browser_for, live_server, app_admin):
    page = browser_for(app_admin, viewport="desktop")
    page.goto(live_server.url + "/")
    expect(page.get_by_role("link", name="Administration")).to_be_visible()
    expect(page.locator(".topbar summary")).to_be_hidden()


@pytest.mark.parametrize("locale", ["en-US", "ru-RU"])
def test_the_admin_index_and_every_changelist_pass_axe(browser_for, live_server, make_user, locale):
    from django.contrib import admin
    from django.urls import reverse

    _catalogue()
    page = browser_for(make_user("alla", Role.ADMIN), locale=locale)
    urls = ["/admin/"] + [
        reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        for model in admin.site._registry
    ]
    problems = {}
    for url in urls:
        page.goto(live_server.url + url)
        screenshot(page, f"admin-{url.strip('/').replace('/', '-')}-{locale}")
        found = axe_problems(page)
        if found:
            problems[url] = found
    assert problems == {}, "\n".join(f"{url}: {found}" for url, found in problems.items())


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_the_refusal_and_not_found_pages_fit_and_pass_axe(browser_for, live_server, viewer, viewport):
    page = browser_for(viewer, viewport=viewport, locale="ru-RU")
    for name, path, status in [("403", "/admin/", 403), ("404", "/a/no-such-album/", 404)]:
        assert page.goto(live_server.url + path).status == status
        screenshot(page, f"{name}-{viewport}")
        assert axe_problems(page) == [], name
        assert overflow_px(page) == 0, name
