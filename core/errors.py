"""Error pages that explain what happened instead of showing internals."""

import errno
import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template import loader
from django.views.defaults import server_error

from core.access import error_response, is_api_request

logger = logging.getLogger(__name__)

# What a lost or refused database connection raises (also a query cut short by the server shutting down).
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
# What a disk that cannot take a write raises (errno), by the fault the user is told of.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
DISK_UNWRITABLE_ERRNOS = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})


def disk_fault(exc: BaseException) -> str | None:
    """ "full" or "unwritable" when `exc` (or what caused it) is a disk refusing a write; else None."""
    while exc is not None:
        if isinstance(exc, OSError):
            if exc.errno in DISK_FULL_ERRNOS:
                return "full"
            if exc.errno in DISK_UNWRITABLE_ERRNOS:
                return "unwritable"
        exc = exc.__cause__ or exc.__context__
    return None


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message}, status=403)


def unavailable(request: HttpRequest) -> HttpResponse:
    """503 with `Retry-After`: the database cannot be reached; JSON under /api/, else a static page."""
    if is_api_request(request):
        response = error_response(
            503,
            "unavailable",
            "The service is temporarily unavailable (its database cannot be reached); try again later.",
        )
    else:  # rendered without a request: its context (the signed-in user) would need the database
        response = HttpResponse(loader.render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def internal_error(request: HttpRequest) -> HttpResponse:
    """`handler500`: 503 when the database is unreachable; JSON under /api/; else the static 500 page."""
    exception = sys.exc_info()[1]
    if isinstance(exception, DATABASE_UNAVAILABLE):
        return unavailable(request)
    if is_api_request(request):
        return error_response(500, "internal_error", "Internal error; it was logged.")
    return server_error(request)
