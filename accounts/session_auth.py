"""The API's cookie authentication: a signed-in Django session, with its CSRF token on unsafe methods.

ninja's `SessionAuth` checks CSRF before it looks at the session, so an anonymous POST got `403 CSRF check
Failed` instead of the 401 every other anonymous call gets. Here a request without a signed-in session is
simply not authenticated by this scheme (401 `not_authenticated`, whatever the method); a signed-in session
without a valid token gets `403 csrf_failed`.
"""

from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import SessionAuth
from ninja.utils import check_csrf


class CsrfFailed(HttpError):
    code = "csrf_failed"

    def __init__(self) -> None:
        super().__init__(
            403,
            "CSRF check failed: a signed-in session must send the csrftoken cookie's value in the "
            "X-CSRFToken header on POST, PUT, PATCH and DELETE (or use a bearer token instead).",
        )


class SessionCookieAuth(SessionAuth):
    """`SessionAuth` that decides on the session first and checks CSRF only for a signed-in user."""

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any | None:
        if not request.user.is_authenticated:
            return None
        if self.csrf and not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request):
            raise CsrfFailed()
        return request.user
