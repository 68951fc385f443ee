"""Answering with a stored file: the one place that knows how bytes leave storage.

`MEDIA_SERVE=django` streams the file from the default storage (`FileResponse`, single byte ranges).
`MEDIA_SERVE=nginx` answers with `X-Accel-Redirect` to the internal location `MEDIA_ACCEL_PREFIX`, so nginx
sends the bytes (see `deploy/nginx/protected-media.conf`); it also names the stored file in `X-Media-Name`,
which nginx's fast path (`deploy/nginx/media-auth.conf`) reads from its cached answer. On S3 the redirect goes
to `OBJECT_STORE_ACCEL_PREFIX` followed by the path and query of a short-lived presigned GET
(`files.presigned_url`): nginx fetches the object from the store itself, the browser never sees that URL.
Callers check access first and pass the cache policy: `PRIVATE_IMMUTABLE` for signed-in viewers,
`public_cache_control()` for anonymous public links (short, so a revoked link stops being served from caches
within `PUBLIC_LINK_MAX_AGE`). Every file answer carries `FILE_CSP`: a file opened as a page (an SVG, HTML
smuggled after image bytes) runs nothing and loads nothing.
"""

import io
import logging
import re
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.http import content_disposition_header

from gallery import file_streams, files

logger = logging.getLogger(__name__)

MEDIA_SERVE_MODES = ("django", "nginx")
PRIVATE_IMMUTABLE = "private, max-age=31536000, immutable"
FILE_CSP = "sandbox; default-src 'none'"
# The storage name under MEDIA_ROOT, for deploy/nginx/media-auth.conf (which serves it after a cached check).
MEDIA_NAME_HEADER = "X-Media-Name"
# On S3, the internal nginx location (deploy/nginx/protected-media.conf) that fetches a presigned store URL.
OBJECT_STORE_ACCEL_PREFIX = "/_s3"


def public_cache_control() -> str:
    """`Cache-Control` of files behind public links: shared caches may keep them `PUBLIC_LINK_MAX_AGE` s."""
    return f"public, max-age={settings.PUBLIC_LINK_MAX_AGE}"


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


class Unsatisfiable(Exception):
    """The requested byte range lies outside the file."""


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte range asked by a `Range` header, or None for the whole file.

    Only one range is honoured; multiple, malformed or invalid ranges get the whole file (RFC 9110 allows
    ignoring `Range`). Raises `Unsatisfiable` when the range starts beyond the end.
    """
    match = _RANGE.match((header or "").strip())
    if not match or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if first == "":  # suffix: the last N bytes
        length = int(last)
        if length == 0:
            raise Unsatisfiable
        return max(0, size - length), size - 1
    start = int(first)
    if last and int(last) < start:
        return None
    if start >= size:
        raise Unsatisfiable
    return start, min(int(last), size - 1) if last else size - 1


def _common_headers(
    response: HttpResponse, *, cache_control: str, attachment_name: str | None
) -> HttpResponse:
    response["Cache-Control"] = cache_control
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    if attachment_name is not None:
        response["Content-Disposition"] = content_disposition_header(True, attachment_name)
    return response


def _accel_response(name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    signed = files.presigned_url(name)
    if signed is None:
        response["X-Accel-Redirect"] = settings.MEDIA_ACCEL_PREFIX.rstrip("/") + "/" + quote(name)
        response[MEDIA_NAME_HEADER] = "/" + name  # for nginx's fast path; nginx never passes it on
    else:  # the signed path and query as botocore wrote them; nginx adds the store's origin
        url = urlsplit(signed)
        response["X-Accel-Redirect"] = f"{OBJECT_STORE_ACCEL_PREFIX}{url.path}?{url.query}"
    return response


def _streamed_response(request: HttpRequest, name: str, content_type: str) -> HttpResponse:
    try:
        size = files.size(name)
    except FileNotFoundError:
        logger.warning("stored file %s is missing", name)
        raise Http404("The file is missing from storage.") from None
    try:
        # Without validators of our own, an If-Range cannot be confirmed: send the whole file.
        requested = byte_range(None if "If-Range" in request.headers else request.headers.get("Range"), size)
    except Unsatisfiable:
        response = HttpResponse(status=416, content_type="text/plain")
        response["Content-Range"] = f"bytes */{size}"
        return response
    first, last = requested or (0, size - 1)
    try:
        body = file_streams.open_range(name, first, last) if size else io.BytesIO()
    except FileNotFoundError:
        logger.warning("stored file %s vanished while being served", name)
        raise Http404("The file is missing from storage.") from None
    response = FileResponse(body, status=200 if requested is None else 206, content_type=content_type)
    response["Content-Length"] = str(last - first + 1)
    if requested is not None:
        response["Content-Range"] = f"bytes {first}-{last}/{size}"
    response["Accept-Ranges"] = "bytes"
    del response["Content-Disposition"]  # FileResponse names the storage file; only downloads get a name
    return response


def file_response(
    request: HttpRequest,
    *,
    name: str,
    content_type: str,
    cache_control: str = PRIVATE_IMMUTABLE,
    attachment_name: str | None = None,
) -> HttpResponse:
    """Answer with the stored file `name` (access already checked), as `MEDIA_SERVE` says.

    `attachment_name` makes it a download under that (user-facing, possibly Cyrillic) name. Every answer
    carries `Cache-Control: cache_control`, `X-Content-Type-Options: nosniff` and `FILE_CSP`.
    """
    if settings.MEDIA_SERVE == "nginx":
        response = _accel_response(name, content_type)
    else:
        response = _streamed_response(request, name, content_type)
        if response.status_code == 416:
            return response
    return _common_headers(response, cache_control=cache_control, attachment_name=attachment_name)
