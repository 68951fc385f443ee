"""`GET /metrics` for Prometheus: django-prometheus's request metrics and the apps' own counters (gunicorn
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set), plus the catalogue and upload figures each app reads
from the database at scrape time (`gallery.metrics`, `uploads.metrics`).

Served only with `Authorization: Bearer <METRICS_TOKEN>`, or to a direct caller (no X-Forwarded-For, i.e. not
through nginx) from METRICS_INTERNAL_NETWORKS; nginx itself answers 404 for /metrics.
"""

import hmac
import ipaddress
import os

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from prometheus_client import REGISTRY as PROCESS_REGISTRY

from gallery.metrics import GalleryCollector
from uploads.metrics import UploadsCollector


def metrics_allowed(request: HttpRequest) -> bool:
    """The bearer token matches METRICS_TOKEN, or the caller is on an internal network and not proxied."""
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    if "X-Forwarded-For" in request.headers:
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net) for net in settings.METRICS_INTERNAL_NETWORKS)


def _registry() -> CollectorRegistry:
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        for collector in list(PROCESS_REGISTRY._collector_to_names):
            registry.register(collector)
    else:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    registry.register(GalleryCollector())
    registry.register(UploadsCollector())
    return registry


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not metrics_allowed(request):
        return JsonResponse(
            {"error": {"code": "forbidden", "message": "Metrics need the bearer token (METRICS_TOKEN)."}},
            status=403,
        )
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
