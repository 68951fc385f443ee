"""The export page: pickers, a preview with preset notes and unknown SKUs, and the download button."""

import pytest

from accounts.models import ActionLog
from exports.tests.conftest import xlsx_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


def test_page_offers_albums_presets_and_sizes(viewer_client, catalogue):
    response = viewer_client.get("/exports/?album=vesna-2026")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="vesna-2026" selected' in html
    for text in ("Wildberries", "Ozon", "Yandex Market", "Megamarket", 'value="1600"', 'name="skus"'):
        assert text in html


def test_preview_shows_first_rows_notes_and_unknown_skus(viewer_client, catalogue):
    response = viewer_client.get(
        "/exports/",
        {"albums": "vesna-2026", "skus": "00123\nnope", "preset": "wildberries", "preview": "1"},
    )
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["sheet"].unknown_skus == ("nope",)
    assert [row[0] for row in preview["rows"]] == ["00123", "nope"]
    html = response.content.decode()
    assert "меньше минимума Wildberries 900×1200" in html
    assert "nope" in html


def test_bad_choice_is_shown_on_the_page(viewer_client, catalogue):
    response = viewer_client.get(
        "/exports/download", {"albums": "vesna-2026", "preset": "wildberries", "layout": "in_row"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["layout"]


def test_download_button_returns_the_sheet_and_logs_it(viewer_client, catalogue):
    response = viewer_client.get(
        "/exports/download",
        {"albums": "vesna-2026", "preset": "in_row", "size": "original", "file_format": "xlsx"},
    )
    assert response.status_code == 200
    rows = xlsx_rows(b"".join(response.streaming_content))
    assert rows[1][0] == "00123"
    assert ActionLog.objects.filter(action="export", details__rows=2).exists()


def test_page_needs_export_capability(client, no_role_user):
    assert client.get("/exports/").status_code == 302
    client.force_login(no_role_user)
    assert client.get("/exports/").status_code == 403


def test_album_page_links_to_its_export(viewer_client, catalogue):
    response = viewer_client.get(f"/a/{catalogue['spring'].slug}/")
    assert response.status_code == 200
    assert f'href="/exports/?album={catalogue["spring"].slug}"' in response.content.decode()
