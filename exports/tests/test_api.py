"""The export API: POST JSON and GET query strings, streamed files, 400s naming the field, capabilities."""

import csv
import io
import json
from urllib.parse import unquote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.tests.conftest import xlsx_rows
from gallery.tests.factories import article_make, image_make
from pichosting.api import api

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def post(client, path: str, payload: dict):
    return client.post(path, data=json.dumps(payload), content_type="application/json")


def content_of(response) -> bytes:
    return b"".join(response.streaming_content)


def test_post_xlsx_streams_a_named_workbook(viewer_client, catalogue):
    response = post(viewer_client, "/api/export-xlsx", {"albums": ["Весна 2026"], "skus": "00123\nnope"})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["X-Export-Rows"] == "2"
    assert response["X-Export-Unknown-Skus"] == "1"
    disposition = response["Content-Disposition"]
    name = unquote(disposition.split("filename*=UTF-8''")[1])
    assert name.startswith("links_Весна_2026_") and name.endswith(".xlsx")
    rows = xlsx_rows(content_of(response))
    assert [row[0] for row in rows] == ["Артикул", "00123", "nope"]


def test_get_csv_with_a_query_string(viewer_client, catalogue):
    response = viewer_client.get(
        "/api/export-csv", {"albums": ["vesna-2026", "Зима"], "preset": "wildberries", "language": "en"}
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(content_of(response).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Seller SKU", "Photos", "Note"]
    assert [row[0] for row in rows[1:]] == ["00123", "АРТ-001 (синий)", "Z-1"]
    name = unquote(response["Content-Disposition"].split("filename*=UTF-8''")[1])
    assert name.startswith("links_Весна_2026+1_") and name.endswith(".csv")


def test_get_xlsx_accepts_repeated_skus(viewer_client, catalogue):
    response = viewer_client.get(
        "/api/export-xlsx?albums=vesna-2026&skus=00123&skus=%D0%B0%D1%80%D1%82-001%20(%D1%81%D0%B8%D0%BD%D0%B8%D0%B9)"
    )
    assert response.status_code == 200
    assert [row[0] for row in xlsx_rows(content_of(response))[1:]] == ["00123", "АРТ-001 (синий)"]


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "albums"),
        ({"albums": []}, "albums"),
        ({"albums": ["Весна 2026"], "preset": "avito"}, "preset"),
        ({"albums": ["Весна 2026"], "size": "999"}, "size"),
        ({"albums": ["Весна 2026"], "layout": "diagonal"}, "layout"),
        ({"albums": ["Весна 2026"], "preset": "wildberries", "layout": "in_row"}, "layout"),
        ({"albums": ["Весна 2026"], "preset": "ozon", "separator": "comma"}, "separator"),
        ({"albums": ["Весна 2026"], "uploaded_from": "yesterday"}, "uploaded_from"),
        (
            {"albums": ["Весна 2026"], "uploaded_from": "2026-02-01", "uploaded_to": "2026-01-01"},
            "uploaded_to",
        ),
        ({"albums": ["Весна 2026"], "skus": 5}, "skus"),
        ({"albums": ["Весна 2026"], "uploaded_to": "9999-12-31"}, "uploaded_to"),
        ({"albums": ["Весна 2026"], "uploaded_from": "0001-01-01"}, "uploaded_from"),
        ({"albums": ["Весна 2026"], "colour": "red"}, "colour"),
    ],
)
def test_bad_parameters_get_400_naming_the_field(viewer_client, catalogue, payload, field):
    response = post(viewer_client, "/api/export-xlsx", payload)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith(f"{field}"), error["message"]


def test_an_unknown_album_is_404_naming_it(viewer_client, catalogue):
    response = post(viewer_client, "/api/export-xlsx", {"albums": ["Нет такого"]})
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "not_found"
    assert error["message"].startswith("albums"), error["message"]


def test_csv_delimiter_is_checked(viewer_client, catalogue):
    response = post(viewer_client, "/api/export-csv", {"albums": ["Весна 2026"], "delimiter": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("delimiter")


def test_too_many_skus_is_refused(viewer_client, catalogue):
    skus = "\n".join(f"S{n}" for n in range(10_001))
    response = post(viewer_client, "/api/export-csv", {"albums": ["Весна 2026"], "skus": skus})
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith("skus: at most 10000")


def test_preview_lists_first_rows_and_unknown_skus(viewer_client, catalogue):
    response = post(
        viewer_client,
        "/api/export-preview",
        {"albums": ["Весна 2026"], "skus": ["00123", "nope"], "preset": "wildberries"},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["columns"] == ["Артикул продавца", "Фото", "Примечание"]
    assert data["row_count"] == 2
    assert data["unknown_skus"] == ["nope"]
    assert "меньше минимума Wildberries" in data["rows"][0][2]
    assert data["preset_notes"]


@pytest.mark.parametrize(
    ("user_fixture", "status"), [(None, 401), ("no_role_user", 403), ("viewer", 200), ("uploader", 200)]
)
def test_export_needs_the_export_capability(client, request, catalogue, user_fixture, status):
    if user_fixture:
        client.force_login(request.getfixturevalue(user_fixture))
    response = client.get("/api/export-csv", {"albums": "vesna-2026"})
    assert response.status_code == status


def test_openapi_describes_the_binary_responses(client):
    document = api.get_openapi_schema()
    for path, content_type in (("/api/export-xlsx", XLSX), ("/api/export-csv", "text/csv")):
        for method in ("get", "post"):
            operation = document["paths"][path][method]
            schema = operation["responses"]["200"]["content"][content_type]["schema"]
            assert schema == {"type": "string", "format": "binary"}
    assert "/api/export-preview" in document["paths"]
    assert "albums" in json.dumps(document["paths"]["/api/export-xlsx"]["get"]["parameters"])


def test_queries_do_not_grow_with_rows(viewer_client, catalogue):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            content_of(
                post(viewer_client, "/api/export-csv", {"albums": ["Весна 2026"], "layout": "per_image"})
            )
        return len(queries)

    count()  # the first request fills the caches (the viewer's roles)
    before = count()
    for n in range(5):
        image_make(article_make(catalogue["spring"], f"NEW-{n}"), color=(n * 40, 1, 1), with_thumbnails=False)
    assert count() == before
