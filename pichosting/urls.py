"""URL map: each app brings its own urls module; this file only wires them together."""

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path

from pichosting.api import api
from pichosting.health import healthz
from pichosting.metrics import metrics


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says: send them to the icon."""
    return HttpResponsePermanentRedirect(static("pichosting/favicon.svg"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics, name="metrics"),
    path("favicon.ico", favicon),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("api/", api.urls),
    path("", include("uploads.urls")),
    path("", include("exports.urls")),
    path("", include("gallery.urls")),
]

handler403 = "core.errors.forbidden"
handler500 = "core.errors.internal_error"
