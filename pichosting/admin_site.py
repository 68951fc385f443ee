"""The Django admin as the administrators' panel: only holders of the administer capability enter.

Signed-in users without it (`appviewer`, `appuser`, even with staff status) get a 403 page and an
`access_denied` entry in the action log instead of the stock admin login form; anonymous visitors go to the
app's own login page (local or Keycloak). Every add, change and delete made in the admin reaches the action
log through `core.admin.AuditedModelAdmin`.
"""

from functools import update_wrapper

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from core.access import Capability, denial_response


class PicHostingAdminSite(admin.AdminSite):
    site_header = _("PicHosting administration")
    site_title = "PicHosting"
    index_title = _("Catalogue and operations")
    index_template = "admin/pichosting_index.html"

    def has_permission(self, request: HttpRequest) -> bool:
        return request.user.is_active and request.user.has_perm(Capability.ADMINISTER.permission)

    def admin_view(self, view, cacheable: bool = False):
        inner = super().admin_view(view, cacheable)

        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not self.has_permission(request):
                return denial_response(request, Capability.ADMINISTER)  # login page, or 403 and logged
            return inner(request, *args, **kwargs)

        return update_wrapper(guarded, view)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        """No login form of its own: the app's sign-in page, or 403 for a signed-in non-administrator."""
        if request.user.is_authenticated:
            if not self.has_permission(request):
                return denial_response(request, Capability.ADMINISTER)
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        return redirect_to_login(
            request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index", current_app=self.name)
        )

    def get_urls(self):
        from gallery.admin.trash import trash  # the admin site wires apps; imported once URLs load
        from operations.admin_views import statistics

        return [
            path("statistics/", self.admin_view(statistics), name="statistics"),
            path("trash/", self.admin_view(trash), name="trash"),
            *super().get_urls(),
        ]
