"""The shared browser harness: Debian's Chromium driven by Playwright against pytest-django's live server.

`browser_for` opens pages signed in as a user, at a desktop or a phone viewport; `screenshot` saves a picture
under the artifacts folder (`$TEST_ARTIFACTS`, default `var/test-artifacts/`, never committed); `axe_problems`
runs axe-core (npm, `tests/browser/`) in the page; `overflow_px` says how much wider than the viewport it is.
Every page it opens reports Content-Security-Policy violations (`securitypolicyviolation` events and
Chromium's "Refused to …" console errors); a test during which any page saw one fails.
Never a browser download: `executable_path` is the Debian package's program.
"""

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connections
from django.test import Client
from playwright.sync_api import Page, sync_playwright

from accounts.roles import Role
from tests.programs import require_file, require_program

VIEWPORTS: dict[str, dict[str, int]] = {
    "desktop": {"width": 1366, "height": 768},
    "phone": {"width": 390, "height": 844},
}
AXE_SCRIPT = Path(__file__).resolve().parents[1] / "browser" / "node_modules" / "axe-core" / "axe.min.js"
AXE_BLOCKING_IMPACTS = ("serious", "critical")
CHROMIUM_ARGS = ["--no-sandbox"]
# Runs in every document before the page's own scripts (through DevTools, so the policy allows it).
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(`${event.effectiveDirective} refused ${event.blockedURI || "inline"} `
    + `at ${event.sourceFile || event.documentURI}:${event.lineNumber}`);
}, true);
"""
CSP_CONSOLE = re.compile(r"Content Security Policy|Content-Security-Policy", re.IGNORECASE)


def artifacts_dir() -> Path:
    """Where screenshots go: `$TEST_ARTIFACTS`, else `var/test-artifacts/` of the checkout (created)."""
    folder = Path(os.environ.get("TEST_ARTIFACTS") or Path(settings.BASE_DIR) / "var" / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def screenshot(page: Page, name: str) -> Path:
    """Save a full-page PNG of `page` as `<artifacts>/<name>.png` and return its path."""
    path = artifacts_dir() / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def overflow_px(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when it fits)."""
    return page.evaluate("Math.max(0, document.documentElement.scrollWidth - window.innerWidth)")


def axe_problems(page: Page, *, impacts: tuple[str, ...] = AXE_BLOCKING_IMPACTS) -> list[str]:
    """axe-core's violations of `impacts` on the page, one line each (rule, impact, first targets)."""
    script = require_file(AXE_SCRIPT, hint="(cd tests/browser && npm ci)")
    if not page.evaluate("typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, so a Content-Security-Policy does not refuse it.
        page.evaluate(script.read_text(encoding="utf-8"))
    violations = page.evaluate("async () => (await axe.run(document)).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[node['target'] for node in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in impacts
    ]


@pytest.fixture
def browser_for(live_server, monkeypatch) -> Iterator[Callable[..., Page]]:
    """A factory of Chromium pages on the live server: `browser_for(user, viewport="phone")`.

    `user=None` opens an anonymous page. Use with `pytest.mark.django_db(transaction=True)`.
    """
    chromium = require_program("chromium", hint="apt-get install -y chromium")
    for role in Role:  # transactional tests flush the groups the migration created
        Group.objects.get_or_create(name=role.value)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
    violations: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)

        def open_page(user=None, *, viewport: str = "desktop", locale: str = "en-US") -> Page:
            context = browser.new_context(
                viewport=VIEWPORTS[viewport],
                locale=locale,
                accept_downloads=True,
                has_touch=viewport == "phone",
                is_mobile=viewport == "phone",
                device_scale_factor=1,
            )
            context.set_default_timeout(15_000)
            context.expose_binding("__cspViolation", lambda source, text: violations.append(text))
            context.add_init_script(CSP_LISTENER)
            context.on(
                "console",
                lambda message: CSP_CONSOLE.search(message.text) and violations.append(message.text),
            )
            if user is not None:
                client = Client()
                client.force_login(user)
                context.add_cookies(
                    [
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                            "url": live_server.url,
                        }
                    ]
                )
            if locale.startswith("ru"):
                cookie = {"name": settings.LANGUAGE_COOKIE_NAME, "value": "ru", "url": live_server.url}
                context.add_cookies([cookie])
            return context.new_page()

        open_page.csp_violations = violations  # what the pages reported so far (read by the harness test)
        yield open_page
        browser.close()
    assert not violations, f"Content-Security-Policy violations: {violations}"
    # With Playwright's event loop running, Django kept a connection of its own for the test's queries;
    # left open, it kept PostgreSQL from dropping the test database at the end of the session.
    connections.close_all()
