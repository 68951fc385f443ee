"""The export page: pickers, a preview with preset notes and unknown SKUs, and the download button."""

import pytest

from accounts.models import ActionLog
from exports.tests.conftest import xlsx_rows

pytestmark = pytest.mark.django_db


def test_page_offers_albums_presets_and_sizes(viewer_client, catalogue):
    response = viewer_client.get("/exports/?album=vesna-2026")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'type="checkbox" name="albums" value="vesna-2026"' in html and "checked" in html
    for text in ("Wildberries", "Ozon", "Yandex Market", "Megamarket", 'value="1600"', 'name="skus"'):
        assert text in html


def test_preview_shows_first_rows_notes_and_unknown_skus(viewer_client, catalogue):
    response = viewer_client.get(
        "/exports/",
        {"albums": "vesna-2026", "skus": "00123\nnope", "preset": "wildberries", "preview": "1"},
        HTTP_ACCEPT_LANGUAGE="ru",
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


def test_sheet_headers_follow_the_interface_language(viewer_client, catalogue):
    query = {"albums": "vesna-2026", "preset": "in_row", "preview": "1"}
    english = viewer_client.get("/exports/", query, HTTP_ACCEPT_LANGUAGE="en").context["preview"]
    russian = viewer_client.get("/exports/", query, HTTP_ACCEPT_LANGUAGE="ru").context["preview"]
    assert english["sheet"].columns[0].title == "SKU"
    assert russian["sheet"].columns[0].title == "Артикул"
    chosen = viewer_client.get("/exports/", {**query, "language": "en"}, HTTP_ACCEPT_LANGUAGE="ru")
    assert chosen.context["preview"]["sheet"].columns[0].title == "SKU"


def test_links_follow_the_address_the_user_is_on_when_no_base_is_set(viewer_client, catalogue, settings):
    settings.PUBLIC_BASE_URL = ""
    query = {"albums": "vesna-2026", "preset": "in_row", "preview": "1"}
    response = viewer_client.get("/exports/", query, HTTP_HOST="localhost:18700")
    links = [value for row in response.context["preview"]["rows"] for value in row if "/p/" in str(value)]
    assert links and all(link.startswith("http://localhost:18700/p/") for link in links)
    assert response.context["base_mismatch"] == ""


def test_page_warns_when_the_configured_base_is_not_where_the_user_is(viewer_client, catalogue, settings):
    settings.PUBLIC_BASE_URL = "https://photos.example.com"
    response = viewer_client.get("/exports/", {"album": "vesna-2026"}, HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    assert "base-mismatch" in html and "https://photos.example.com" in html
    query = {"albums": "vesna-2026", "preset": "in_row", "preview": "1"}
    rows = viewer_client.get("/exports/", query).context["preview"]["rows"]
    assert any(str(value).startswith("https://photos.example.com/p/") for row in rows for value in row)
