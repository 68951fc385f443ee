"""`GET /healthz`: is this instance able to serve? Public, answers 200 or 503 with what failed, never why.

A probe every few seconds from each load balancer must stay cheap: the database answers a `SELECT 1` each
time, but the storage write check (a small file stored, read and deleted) runs at most once every
`STORAGE_CHECK_SECONDS` per process; other probes repeat its last result. `?deep=1` checks storage now.
"""

import logging
import threading
import time
import uuid

from django.core.files.base import ContentFile
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gallery import files

logger = logging.getLogger(__name__)

PROBE_PREFIX = "healthz/"
STORAGE_CHECK_SECONDS = 60.0

_storage_checked: dict[str, float | bool] = {}  # "at" (monotonic seconds) and "ok" of the last write check
_storage_lock = threading.Lock()


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


def storage_status(*, deep: bool) -> bool:
    """The last storage check's result, checking again when it is older than a minute or `deep` asks."""
    with _storage_lock:
        at = _storage_checked.get("at")
        if deep or at is None or time.monotonic() - at >= STORAGE_CHECK_SECONDS:
            _storage_checked.update(ok=storage_ok(), at=time.monotonic())
        return bool(_storage_checked["ok"])


def storage_status_forget() -> None:
    """Forget the last storage check, so the next probe checks again (tests; after fixing storage)."""
    with _storage_lock:
        _storage_checked.clear()


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_ok(), "storage": storage_status(deep=request.GET.get("deep") == "1")}
    healthy = all(checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "unavailable",
            "checks": {name: "ok" if ok else "failed" for name, ok in checks.items()},
        },
        status=200 if healthy else 503,
    )
