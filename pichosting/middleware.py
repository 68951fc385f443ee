"""Project-wide request middleware."""

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

from core.access import error_response, is_api_request

NUL_MESSAGE = "Text must not contain NUL characters."


def _carries_nul(request: HttpRequest) -> bool:
    if "\x00" in request.path or b"\x00" in unquote_to_bytes(request.META.get("QUERY_STRING", "")):
        return True
    if request.content_type == "application/json":
        return b"\\u0000" in request.body or b"\x00" in request.body
    return False


def nul_refusing(get_response: Callable) -> Callable:
    """Answer 400 to requests whose path, query or JSON body holds a NUL character.

    No stored name can contain one (names are cleaned of control characters), and PostgreSQL text cannot
    hold one at all: without this, a lookup of such a value would fail in the database as a 500.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        if _carries_nul(request):
            if is_api_request(request):
                return error_response(400, "invalid_request", NUL_MESSAGE)
            return HttpResponseBadRequest(NUL_MESSAGE, content_type="text/plain; charset=utf-8")
        return get_response(request)

    return middleware
