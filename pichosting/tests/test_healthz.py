import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthy_instance_answers_200_to_anyone_and_leaves_no_probe(client, media_root):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "storage": "ok"}}
    assert "no-cache" in response["Cache-Control"]
    assert not any(path.is_file() for path in media_root.rglob("*"))


def test_unwritable_storage_answers_503_without_internals(client, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the media directory should be")
    settings.MEDIA_ROOT = blocker
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": "ok", "storage": "failed"}}
    assert str(tmp_path) not in response.content.decode()


def test_database_outage_answers_503_without_internals(client, monkeypatch):
    # A real outage cannot be staged inside the test transaction, so the cursor is made to fail as a
    # dropped server would.
    def refuse():
        raise OperationalError("connection to server at 10.1.2.3 failed: secret detail")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "failed", "storage": "ok"}
    assert "10.1.2.3" not in response.content.decode()


def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405


def test_plain_http_is_not_redirected_even_when_https_is_enforced(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
