import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/files/a%00b", "/api/albums?search=%00", "/api/articles/x?cursor=a%00"])
def test_api_refuses_nul_characters_with_400_json(client, viewer, url):
    client.force_login(viewer)
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_request",
        "message": "Text must not contain NUL characters.",
    }


def test_json_body_with_nul_is_refused(client, viewer):
    client.force_login(viewer)
    response = client.post("/api/export-preview", '{"albums": ["a\\u0000"]}', content_type="application/json")
    assert response.status_code == 400


def test_pages_refuse_nul_with_a_plain_400(client, viewer):
    client.force_login(viewer)
    response = client.get("/?q=%00")
    assert response.status_code == 400
    assert b"NUL" in response.content
