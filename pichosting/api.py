"""The JSON API: one NinjaAPI under /api/, each app contributing a router from its own `api.py`.

django-ninja validates parameters and generates the OpenAPI 3.1 document (`GET /api/openapi.json`) from the
code. Authentication: a Keycloak bearer token (`accounts.bearer`, no CSRF), else Django session cookies (CSRF
checked on unsafe methods). Authorisation per operation
with `core.access.require_capability`. Every error answers `{"error": {"code", "message"}}`.
"""

import functools
import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from accounts.api import router as accounts_router
from accounts.bearer import KeycloakBearer
from accounts.session_auth import SessionCookieAuth
from core.access import Capability, access_denied, error_response, require_capability
from core.api_json import OrjsonRenderer, SingleValueParser
from core.api_schemas import errors_documented
from core.errors import unavailable
from exports.api import router as exports_router
from gallery.api import router as gallery_router
from uploads.api import router as uploads_router

logger = logging.getLogger(__name__)


def schema_guarded(view: Callable) -> Callable:
    """Serve the OpenAPI document only to callers holding `view`, by bearer token or session, like the API."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            KeycloakBearer()(request)  # sets request.user when a bearer token is sent; None without one
        except (AuthenticationError, HttpError) as exc:
            return api.on_exception(request, exc)
        return require_capability(Capability.VIEW)(view)(request, *args, **kwargs)

    return wrapped


class PicHostingAPI(NinjaAPI):
    """The API whose document also lists the errors every operation can answer (`errors_documented`)."""

    def get_openapi_schema(self, **kwargs) -> dict:
        return errors_documented(super().get_openapi_schema(**kwargs))


api = PicHostingAPI(
    title="PicHosting API",
    version="1",
    description="Product photos organised as album → article (SKU) → photos.",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,  # the interactive page loads its scripts from a CDN, which the CSP forbids
    docs_decorator=schema_guarded,
    auth=[KeycloakBearer(), SessionCookieAuth()],
    renderer=OrjsonRenderer(),
    parser=SingleValueParser(),
)


def validation_message(errors: list[dict]) -> str:
    parts = []
    for error in errors:
        loc = tuple(error.get("loc", ()))
        if loc[:1] == ("body",) and len(loc) > 2:
            loc = loc[2:]  # a JSON body schema: its Python parameter name is no key the client sent
        location = [str(part) for part in loc if part not in ("query", "body", "path", "form")]
        parts.append(f"{'.'.join(location) or 'request'}: {error.get('msg', 'invalid')}")
    return "; ".join(parts)


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return error_response(400, "invalid_request", validation_message(exc.errors))


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    """401 with a Bearer challenge; a rejected token says why (`invalid_token`, RFC 6750)."""
    reason = getattr(exc, "reason", "")
    access_denied.send(sender=None, request=request, capability=None, authenticated=False, reason=reason)
    if reason:
        return error_response(401, exc.code, str(exc), WWW_Authenticate=exc.www_authenticate)
    return error_response(401, "not_authenticated", "Authentication required.", WWW_Authenticate="Bearer")


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(404, "not_found", str(exc) or "Not found.")


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return error_response(exc.status_code, getattr(exc, "code", "error"), str(exc))


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.error("API request %s: database unavailable (%s)", request.path, exc)
    return unavailable(request)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return error_response(500, "internal_error", "Internal error; it was logged.")


api.add_router("", accounts_router)
api.add_router("", exports_router)
api.add_router("", gallery_router)
api.add_router("", uploads_router)
