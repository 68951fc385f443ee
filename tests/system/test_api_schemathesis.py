"""schemathesis against the live test server: no 5xx, and every answer matches the OpenAPI document.

Each GET operation is exercised with generated parameters twice over: with real (Cyrillic) album and
article names, so that full pages are validated against their schemas, and with generated names, cursors
and limits, including invalid ones (negative mode), which must be rejected with a documented 4xx.
Every schemathesis check runs (`--checks all`), including `ignored_auth` (credentials that fail are refused
even beside a valid session cookie) and `positive_data_acceptance`. A cursor is an opaque token only the
server issues (`invalid_cursor` otherwise): positive cases carry a real one, fetched for the same
parameters; negative cases still send generated ones. The run is bounded (a few dozen examples per
operation) to keep the suite fast.
"""

import pytest
import requests
import schemathesis
import schemathesis.specs.openapi.checks
from django.contrib.auth.models import Group
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import CHECKS

from accounts.roles import Role
from exports.presets import PRESETS, SEPARATORS, Layout
from gallery.tests.factories import album_make, article_make, image_make

pytestmark = [
    pytest.mark.django_db(transaction=True),
    # The live server's request threads close the shared in-memory SQLite connection they may not own;
    # Django refuses and the thread reports it after the answer was sent. Nothing the API does.
    pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning"),
]

GALLERY_PATHS = {
    "/api/albums",
    "/api/articles/{album}",
    "/api/files/{album}",
    "/api/files/{album}/{article}",
    "/api/thumbnails/{album}",
    "/api/thumbnails/{album}/{article}",
}
EXAMPLES_PER_OPERATION = 15
ALL_CHECKS = CHECKS.get_all()  # `--checks all`: ignored_auth and positive_data_acceptance included


@pytest.fixture
def session_cookies(client, make_user) -> dict[str, str]:
    """The cookie of a signed-in viewer, as the document's cookie security scheme names it."""
    for role in Role:  # transactional tests flush the groups the migration created
        Group.objects.get_or_create(name=role.value)
    client.force_login(make_user("vera", Role.VIEWER))
    return {"sessionid": client.cookies["sessionid"].value}


@pytest.fixture
def catalogue():
    album = album_make("Весна 2026")
    article = article_make(album, "АРТ-001 (синий)")
    for i in range(3):
        image_make(article, color=(i * 70, 20, 20))
    article_make(album, "пустой / без фото")
    return {"album": album.name, "article": article.sku}


def follows_cross_field_rules(params: dict | None) -> bool:
    """Whether export parameters keep the rules the document states in words (JSON Schema cannot say them).

    The export refuses, with a 400 naming the field, a reversed date range, and a marketplace preset given
    another layout than its own or per_image, or another separator than its own. Generated "valid" data does
    not know these, so positive cases keep to them; exports/tests check the refusals.
    """
    params = params if isinstance(params, dict) else {}
    first, last = params.get("uploaded_from"), params.get("uploaded_to")
    if first and last and str(first) > str(last):
        return False
    preset = PRESETS.get(params.get("preset") or "in_row")
    if preset is None or not preset.marketplace:
        return True
    layout, separator = params.get("layout"), params.get("separator")
    if layout and layout not in (preset.layout, Layout.PER_IMAGE):
        return False
    return not separator or SEPARATORS[separator] == preset.separator


def gallery_operations(schema):
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path != "/api/openapi.json":
            yield operation


BOUNDED = settings(  # derandomize: the same examples every run, so a failure reproduces
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def exercise(operation, *, base_url: str, cookies: dict[str, str], names: dict[str, str]) -> set[int]:
    """Run generated positive and negative cases of one operation; the statuses of the positive ones.

    The session cookie is fixed, so negative cases break parameters rather than sign the caller out.
    """
    statuses: set[int] = set()
    session = requests.Session()
    path_names = {name: value for name, value in names.items() if f"{{{name}}}" in operation.path}
    positive = st.one_of(
        operation.as_strategy(path_parameters=path_names or None, cookies=cookies),
        operation.as_strategy(cookies=cookies),
    ).filter(lambda case: follows_cross_field_rules(case.query) and follows_cross_field_rules(case.body))

    def issued_cursor(case) -> str | None:
        """A cursor the server issued for the case's other parameters: a made-up one is refused by design."""
        query = {**case.query, "limit": 1}
        del query["cursor"]
        answer = session.get(f"{base_url}{case.formatted_path}", params=query, cookies=cookies)
        return answer.json().get("next_cursor") if answer.status_code == 200 else None

    @BOUNDED
    @given(case=positive)
    def accept(case):
        if case.query and "cursor" in case.query:
            case.query["cursor"] = issued_cursor(case)
            if case.query["cursor"] is None:
                del case.query["cursor"]
        statuses.add(
            case.call_and_validate(base_url=base_url, session=session, checks=ALL_CHECKS).status_code
        )

    @BOUNDED
    @given(case=operation.as_strategy(generation_mode=schemathesis.GenerationMode.NEGATIVE, cookies=cookies))
    def reject(case):
        case.call_and_validate(base_url=base_url, session=session, checks=ALL_CHECKS)

    with session:  # closing it ends the server's keep-alive threads and their database connections
        accept()
        if operation.query or operation.path_parameters:
            reject()
    return statuses


def test_api_answers_match_the_document_and_never_fail(live_server, session_cookies, catalogue, client):
    document = client.get("/api/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    operations = list(gallery_operations(schema))
    assert {op.path for op in operations} >= GALLERY_PATHS
    statuses = {
        operation.path: exercise(
            operation, base_url=live_server.url, cookies=session_cookies, names=catalogue
        )
        for operation in operations
    }
    # The gallery run saw real pages, not only 404s: the schemas of full answers were checked.
    assert all(200 in statuses[path] for path in GALLERY_PATHS), statuses
