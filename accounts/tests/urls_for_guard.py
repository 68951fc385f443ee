"""A URLconf with one guarded page and one guarded API view per capability, for the guard tests."""

from django.http import HttpResponse, JsonResponse
from django.urls import path

from core.access import Capability, require_capability
from pichosting.urls import handler403  # noqa: F401  (the guard renders the project's 403 page)
from pichosting.urls import urlpatterns as project_urlpatterns


def page_for(capability: Capability):
    return require_capability(capability)(lambda request: HttpResponse(f"page {capability}"))


def api_for(capability: Capability):
    return require_capability(capability)(lambda request: JsonResponse({"ok": str(capability)}))


urlpatterns = (
    [path(f"page/{c}", page_for(c)) for c in Capability]
    + [path(f"api/{c}", api_for(c)) for c in Capability]
    + project_urlpatterns
)
