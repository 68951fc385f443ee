"""The upload page and the job page in Chromium at 1366×768 and 390×844: a ZIP dropped on the page shows its
progress in %, an upload can be cancelled while it is sent, and the job page lists problems first, then the
archive's order, with links to the album and each article and a summary."""

import base64
import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from gallery.tests.factories import picture_bytes
from tests.system.browser import VIEWPORTS, axe_problems, overflow_px, screenshot
from uploads.models import UploadJob

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

PROGRESS = re.compile(r"\d+% · [\d.]+ of [\d.]+ MB")


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _drop(page, name: str, content: bytes) -> None:
    """Drop a file on the page's body as a person dragging it from a file manager would."""
    page.evaluate(
        """([name, data]) => {
            const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: "application/zip" }));
            for (const type of ["dragenter", "dragover", "drop"]) {
                const event = { bubbles: true, cancelable: true, dataTransfer: transfer };
                document.body.dispatchEvent(new DragEvent(type, event));
            }
        }""",
        [name, base64.b64encode(content).decode()],
    )


def _record_progress(page) -> list[str]:
    """Every text the progress line shows, kept outside the page, so a fast upload's % is not missed."""
    seen: list[str] = []
    page.expose_function("recordProgress", lambda text: seen.append(text))
    page.evaluate(
        """() => {
            const line = document.getElementById("upload-progress-text");
            new MutationObserver(() => window.recordProgress(line.textContent))
                .observe(line, { childList: true, characterData: true, subtree: true });
        }"""
    )
    return seen


def _throttle_uploads(page, bytes_per_second: int) -> None:
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    conditions = {
        "offline": False,
        "latency": 20,
        "downloadThroughput": -1,
        "uploadThroughput": bytes_per_second,
    }
    session.send("Network.emulateNetworkConditions", conditions)


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_dropped_zip_shows_its_progress_and_its_job_page_lists_problems_first(
    browser_for, live_server, uploader, viewport
):
    photo = picture_bytes(width=60, height=80, color=(10, 20, 30))
    archive = _zip(
        {
            "Весна/RC-2/b.jpg": picture_bytes(color=(200, 0, 0)),
            "Весна/RC-1/a.jpg": photo,
            "Весна/readme.txt": b"not a photo",
            "Весна/RC-1/a copy.jpg": photo,
            "Весна/RC-1/c.jpg": picture_bytes(color=(0, 200, 0)),
        }
    )
    page = browser_for(uploader, viewport=viewport)
    page.goto(f"{live_server.url}/upload/")
    _drop(page, "весна.zip", archive)
    assert page.locator("#upload-files li .name").all_inner_texts() == ["весна.zip"]
    progress = _record_progress(page)
    page.get_by_role("button", name="Start upload").click()
    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    assert any(PROGRESS.search(text) for text in progress), progress
    page.wait_for_selector("[data-field=summary]:not([hidden])")
    job = UploadJob.objects.get()
    assert page.locator("[data-field=summary]").inner_text() == (
        "2 articles, 3 photos added, 1 duplicate, 1 file refused"
    )
    rows = page.locator("#job-results tr")
    names = [rows.nth(i).locator("td").nth(1).inner_text() for i in range(rows.count())]
    # within an article photos are taken in name order, so "a copy.jpg" is stored and "a.jpg" is its duplicate
    assert names == [
        "Весна/readme.txt",  # refused
        "Весна/RC-1/a.jpg",  # duplicate
        "Весна/RC-2/b.jpg",  # then the added photos, in the archive's order
        "Весна/RC-1/a copy.jpg",
        "Весна/RC-1/c.jpg",
    ]
    assert page.locator("[data-field=album]").get_attribute("href") == f"/a/{job.album.slug}/"
    links = {a.inner_text(): a.get_attribute("href") for a in page.locator("#job-results a").all()}
    assert set(links) == {"RC-1", "RC-2"}
    assert page.goto(live_server.url + links["RC-1"]).status == 200
    page.go_back()
    screenshot(page, f"job-{viewport}")
    assert overflow_px(page) == 0
    assert axe_problems(page) == []


def test_an_upload_cancelled_while_it_is_sent_keeps_nothing(browser_for, live_server, uploader):
    archive = _zip(
        {f"Лето/RC-{n}/{n}.jpg": picture_bytes(width=400, height=400, color=(n, n, n)) for n in range(8)}
    )
    archive += b"\0" * (3 * 1024 * 1024)  # padding after the archive: several seconds at the throttled speed
    page = browser_for(uploader)
    page.goto(f"{live_server.url}/upload/")
    _throttle_uploads(page, 256 * 1024)
    _drop(page, "лето.zip", archive)
    page.get_by_role("button", name="Start upload").click()
    expect(page.locator("#upload-progress-text")).to_have_text(PROGRESS, timeout=15_000)
    assert page.get_by_role("button", name="Start upload").is_disabled()  # visibly busy while sending
    page.get_by_role("button", name="Cancel upload").click()
    assert page.locator("#upload-error").inner_text() == "Upload cancelled: nothing was kept."
    assert UploadJob.objects.count() == 0
