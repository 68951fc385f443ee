"""Every route the project serves × 5 identities (anonymous, signed in without a role, appviewer, appuser,
appadmin), on a real small catalogue: each answer follows the role matrix (`accounts.roles`) for the
capability its view requires (`core.access.require_capability`), and nothing answers 500.

A leak is a 2xx for an identity that lacks the capability. A caller without the capability gets 302 (pages,
anonymous), 401 or 403; or, on the API, 400 when django-ninja refuses the input before the guard runs (no
data either way; counted). Routes whose view requires no capability
(sign-in, health, public links, the language switch) are only checked for 5xx. Run with `-s` for the figures.
"""

import pytest
from django.contrib.auth.models import Group
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import ROLE_CAPABILITIES, Role
from gallery.links import download_url, original_url, thumbnail_url
from gallery.tests.factories import article_make, image_make
from pichosting.api import api
from uploads.models import UploadJob

pytestmark = pytest.mark.django_db

IDENTITIES = [None, "no_role", Role.VIEWER, Role.USER, Role.ADMIN]
# The parameter names the project's routes take, as they come together in one path.
PARAMETER_SETS = [
    (),
    ("album_slug",),
    ("album_slug", "article_slug"),
    ("job_id",),
    ("token", "article_slug", "name"),
]


def api_routes() -> list[tuple[str, str, str, object]]:
    """(method, url name, path template, capability) of every API operation."""
    routes = []
    for _prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                capability = getattr(operation.view_func, "required_capability", None)
                for method in operation.methods:
                    routes.append((method, path, path, capability))
    return routes


def page_routes(patterns=None, namespace: str = "") -> list[tuple[str, object]]:
    """(namespaced url name, callback) of every routed page (the API and the Django admin aside)."""
    found = []
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if pattern.namespace in ("admin", "api"):
                continue
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            found += page_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((f"{namespace}{pattern.name}", pattern.callback))
    return found


@pytest.fixture
def catalogue(make_user):
    image = image_make(article_make())
    article = image.article
    album = article.album
    owner = make_user("owner", Role.USER)
    job = UploadJob.objects.create(
        kind=UploadJob.Kind.ARCHIVE, source_name="a.zip", spool="/none", user=owner
    )
    thumbnail = image.thumbnails.first()
    kwargs = {
        "album_slug": album.slug,
        "article_slug": article.slug,
        "job_id": job.pk,
        "token": album.link_token,
        "name": "1.jpg",
    }
    files = {
        "gallery:file_original": original_url(image),
        "gallery:file_download": download_url(image),
        "gallery:file_thumbnail": thumbnail_url(image, thumbnail),
    }
    api_values = {"{album}": album.name, "{path:article}": article.sku, "{job_id}": str(job.pk)}
    return kwargs, files, api_values


def page_path(name: str, callback, kwargs: dict, files: dict) -> str | None:
    if name in files:
        return files[name]
    for candidate in PARAMETER_SETS:
        try:
            return reverse(name, kwargs={key: kwargs[key] for key in candidate})
        except Exception:
            continue
    return None


def client_for(identity, client, django_user_model):
    client.logout()
    if identity is None:
        return client
    user = django_user_model.objects.create_user(f"matrix-{identity}")
    if identity != "no_role":
        user.groups.add(Group.objects.get(name=identity.value))
    client.force_login(user)
    return client


def holds(identity, capability) -> bool:
    return identity not in (None, "no_role") and capability in ROLE_CAPABILITIES[identity]


def test_every_route_follows_the_role_matrix_for_five_identities(
    client, django_user_model, catalogue, capsys
):
    kwargs, files, api_values = catalogue
    cells, leaks, errors, wrong, unreachable, validated_first = 0, [], [], [], [], []
    routes = []
    for name, callback in page_routes():
        path = page_path(name, callback, kwargs, files)
        if path is None:
            unreachable.append(name)
            continue
        methods = ["POST"] if name.startswith("gallery:selection") else ["GET"]  # selections are POST-only
        routes += [(method, path, getattr(callback, "required_capability", None)) for method in methods]
    for method, _name, template, capability in api_routes():
        path = "/api" + template
        for placeholder, value in api_values.items():
            path = path.replace(placeholder, value)
        routes.append((method, path, capability))
    routes.append(("GET", "/api/openapi.json", "view"))
    for identity in IDENTITIES:
        session = client_for(identity, client, django_user_model)
        for method, path, capability in routes:
            response = session.generic(method, path)
            cells += 1
            status = response.status_code
            if status >= 500:
                errors.append((identity, method, path, status))
            if capability is None:
                continue
            allowed = holds(identity, str(capability))
            if not allowed and 200 <= status < 300:
                leaks.append((identity, method, path, status))
            elif not allowed and status == 400 and path.startswith("/api/"):
                # django-ninja checks the (here empty) input before the view's guard runs: a refusal of the
                # input that carries no data; with valid input the same caller gets 403.
                assert set(response.json()["error"]) == {"code", "message"}
                validated_first.append((identity, method, path))
            elif (status in (302, 401, 403)) != (not allowed):
                wrong.append((identity, method, path, status))
    with capsys.disabled():
        print(
            f"\nrole matrix: {len(routes)} routes × {len(IDENTITIES)} identities = {cells} cells; "
            f"leaks {len(leaks)}, 5xx {len(errors)}, refusals off the matrix {len(wrong)}, "
            f"input refused before the guard {len(validated_first)}; "
            f"not addressable: {unreachable}"
        )
    assert leaks == []
    assert errors == []
    assert wrong == [], "\n".join(map(str, wrong))
    assert unreachable == []
