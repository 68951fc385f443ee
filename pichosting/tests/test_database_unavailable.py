"""A database that cannot be reached answers 503 with Retry-After, on pages and in the API, never 500.

The real outage (a PostgreSQL cluster stopped under gunicorn) is `tests/system/test_database_outage.py`;
here the session store raises what psycopg raises when the server is gone, to check every path quickly.
"""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client


@pytest.fixture
def database_gone(monkeypatch):
    def refuse(self):
        raise OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')

    monkeypatch.setattr(SessionStore, "load", refuse)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32
    return client


@pytest.mark.parametrize("path", ["/", "/upload/", "/admin/"])
def test_pages_answer_503_temporarily_unavailable(database_gone, path):
    response = database_gone.get(path)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert "Temporarily unavailable" in response.content.decode()


@pytest.mark.parametrize(
    "method, path", [("get", "/api/albums"), ("get", "/api/me"), ("post", "/api/upload")]
)
def test_the_api_answers_503_unavailable(database_gone, method, path):
    response = getattr(database_gone, method)(path)
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json()["error"]["code"] == "unavailable"


def test_other_errors_stay_500(monkeypatch):
    monkeypatch.setattr(SessionStore, "load", lambda self: 1 / 0)
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32
    assert client.get("/").status_code == 500
    response = client.get("/api/albums")
    assert (response.status_code, response.json()["error"]["code"]) == (500, "internal_error")
