"""`GET /healthz`: is this instance able to serve? Public, answers 200 or 503 with what failed, never why."""

import logging
import uuid

from django.core.files.base import ContentFile
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gallery import files

logger = logging.getLogger(__name__)

PROBE_PREFIX = "healthz/"


def database_ok() -> bool:
    """The default database answers a query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        logger.exception("health check: database failed")
        return False


def storage_ok() -> bool:
    """The media storage accepts, returns and deletes a small file (filesystem or S3 alike)."""
    payload = uuid.uuid4().hex.encode()
    name = None
    try:
        name = files.store(f"{PROBE_PREFIX}probe-{payload.decode()}", ContentFile(payload))
        with files.open_file(name) as handle:
            return handle.read() == payload
    except Exception:
        logger.exception("health check: storage failed")
        return False
    finally:
        if name:
            try:
                files.delete(name)
            except Exception:
                logger.exception("health check: could not delete the storage probe %s", name)


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_ok(), "storage": storage_ok()}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )
