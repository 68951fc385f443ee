"""ETags: a SHA-256 of the body, set on GET answers that may be cached, and answered with 304."""

import hashlib

from django.http import FileResponse, HttpResponse
from django.test import RequestFactory

from pichosting.middleware import ConditionalGet

BODY = "Фото артикула".encode() * 1000


def answer(response: HttpResponse, method: str = "get", **headers) -> HttpResponse:
    request = getattr(RequestFactory(), method)("/", headers=headers)
    return ConditionalGet(lambda request: response)(request)


def test_a_get_answer_carries_the_sha256_of_its_body_as_etag_and_a_match_is_304():
    etag = f'"{hashlib.sha256(BODY).hexdigest()[:32]}"'
    assert answer(HttpResponse(BODY))["ETag"] == etag
    again = answer(HttpResponse(BODY), if_none_match=etag)
    assert (again.status_code, again.content) == (304, b"")


def test_no_etag_on_other_methods_uncacheable_streaming_or_already_tagged_answers():
    uncacheable = HttpResponse(BODY, headers={"Cache-Control": "no-store"})
    tagged = HttpResponse(BODY, headers={"ETag": '"own"'})
    assert not answer(HttpResponse(BODY), method="post").has_header("ETag")
    assert not answer(uncacheable).has_header("ETag")
    assert not answer(FileResponse(iter([BODY]))).has_header("ETag")
    assert answer(tagged)["ETag"] == '"own"'
