"""The OpenAPI document describes every URL under /api/: no endpoint hides from API consumers."""

import json
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

pytestmark = pytest.mark.django_db

# The document itself, and django-ninja's index, which answers 404 while the interactive docs are off.
NOT_OPERATIONS = {"api/openapi.json", "api/"}


def routes(patterns, prefix: str = ""):
    """Every URL pattern of the project as a route string (`api/files/<album>`)."""
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def as_openapi_path(route: str) -> str:
    """`api/files/<album>` → `/api/files/{album}`; a regex route keeps its `^` and so never matches."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_api_url_pattern_is_in_the_openapi_document(viewer, client):
    client.force_login(viewer)
    document = client.get("/api/openapi.json").json()
    api_routes = sorted(route for route in routes(get_resolver().url_patterns) if route.startswith("api/"))
    assert len(api_routes) >= 7
    missing = [
        route
        for route in api_routes
        if route not in NOT_OPERATIONS and as_openapi_path(route) not in document["paths"]
    ]
    assert missing == []


def test_document_is_openapi_3_1_with_error_and_page_schemas(viewer, client):
    client.force_login(viewer)
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    operation = document["paths"]["/api/files/{album}/{article}"]["get"]
    assert set(operation["responses"]) >= {"200", "400", "401", "403", "404"}
    page = document["components"]["schemas"]["ImagePage"]
    assert set(page["required"]) == {"items", "next_cursor"}
    limit = next(p for p in operation["parameters"] if p["name"] == "limit")
    assert (limit["schema"]["minimum"], limit["schema"]["maximum"]) == (1, 500)


def test_the_document_needs_the_view_capability(client, no_role_user):
    anonymous = client.get("/api/openapi.json")
    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    client.force_login(no_role_user)
    assert client.get("/api/openapi.json").status_code == 403


def test_no_object_of_the_document_repeats_a_key(viewer, client):
    """Each status once per operation, with the API's own description (strict JSON parsers refuse repeats)."""
    client.force_login(viewer)
    repeated = []

    def pairs_checked(pairs):
        keys = [key for key, _ in pairs]
        repeated.extend(key for key in set(keys) if keys.count(key) > 1)
        return dict(pairs)

    document = json.loads(client.get("/api/openapi.json").content, object_pairs_hook=pairs_checked)
    assert not repeated
    assert document["paths"]["/api/albums"]["get"]["responses"]["400"]["description"].startswith("Invalid")
