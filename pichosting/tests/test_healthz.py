import pytest
from django.db import OperationalError, connection

from pichosting import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_storage_check():
    """Each test starts as a new process would: no storage check done yet."""
    health.storage_status_forget()
    yield
    health.storage_status_forget()


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


def test_probes_within_a_minute_do_not_write_to_storage_again(client, settings, tmp_path, monkeypatch):
    writes = []
    real_store = health.files.store
    monkeypatch.setattr(health.files, "store", lambda *args: writes.append(args) or real_store(*args))
    for _ in range(5):
        assert client.get("/healthz").status_code == 200
    assert len(writes) == 1


def test_a_deep_probe_checks_storage_now(client, settings, tmp_path):
    assert client.get("/healthz").status_code == 200
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("storage broke after the last check")
    settings.MEDIA_ROOT = blocker
    assert client.get("/healthz").status_code == 200, "a plain probe repeats the last result"
    deep = client.get("/healthz?deep=1")
    assert deep.status_code == 503
    assert deep.json()["checks"]["storage"] == "failed"


def test_the_storage_check_runs_again_after_a_minute(client, settings, tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(health.time, "monotonic", lambda: clock[0])
    assert client.get("/healthz").status_code == 200
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("storage broke")
    settings.MEDIA_ROOT = blocker
    clock[0] += health.STORAGE_CHECK_SECONDS - 1
    assert client.get("/healthz").status_code == 200
    clock[0] += 1
    assert client.get("/healthz").status_code == 503
