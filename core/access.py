"""Capability checks for pages and JSON views.

The capabilities are named here; which role has which lives in `accounts.roles` (the matrix), and the
authentication backend answers `user.has_perm(capability.permission)` from it. Every view guards itself with
`require_capability`, which is the only place that decides between a login redirect, 401 JSON and 403.
"""

import functools
from collections.abc import Callable
from enum import StrEnum

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.dispatch import Signal
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

access_denied = Signal()  # sent with request, capability, authenticated (and reason, for a rejected token)


class Capability(StrEnum):
    VIEW = "view"
    EXPORT = "export"
    UPLOAD = "upload"
    SHARE = "share"  # turn an album's public links on and off
    ADMINISTER = "administer"
    DELETE = "delete"

    @property
    def permission(self) -> str:
        """The permission string the auth backend understands, e.g. `pichosting.view`."""
        return f"pichosting.{self.value}"

    @property
    def label(self) -> str:
        """What the capability lets a person do, in the active language."""
        return str(CAPABILITY_LABELS[self])


CAPABILITY_LABELS = {
    Capability.VIEW: _("browse the gallery"),
    Capability.EXPORT: _("export link sheets"),
    Capability.UPLOAD: _("upload photos"),
    Capability.SHARE: _("turn public links on and off"),
    Capability.ADMINISTER: _("administer"),
    Capability.DELETE: _("delete"),
}


def error_response(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    """The JSON error shape of every API view: `{"error": {"code", "message"}}`."""
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def denial_response(
    request: HttpRequest, capability: Capability, *, status_only: bool = False
) -> HttpResponse:
    """Answer a request that lacks `capability`: login/401 for anonymous users, 403 otherwise.

    Refusals go to the action log; an anonymous page visit sent to the sign-in page does not.

    API requests and `status_only` views (file URLs loaded by `<img>`, scripts) get 401/403 JSON, never a
    login redirect.
    """
    authenticated = request.user.is_authenticated
    if not authenticated and not (status_only or is_api_request(request)):
        return redirect_to_login(request.get_full_path())  # the way in, not a refusal: not logged
    access_denied.send(sender=None, request=request, capability=capability, authenticated=authenticated)
    if status_only or is_api_request(request):
        if not authenticated:
            return error_response(
                401, "not_authenticated", "Authentication required.", WWW_Authenticate="Bearer"
            )
        return error_response(403, "forbidden", f"This action needs the '{capability}' capability.")
    raise PermissionDenied(gettext("This page needs the right to {action}.").format(action=capability.label))


def require_capability(capability: Capability, *, status_only: bool = False) -> Callable:
    """Decorate a view so that it runs only for users holding `capability` (see `denial_response`)."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(capability.permission):
                return denial_response(request, capability, status_only=status_only)
            return view(request, *args, **kwargs)

        wrapped.required_capability = capability
        return wrapped

    return decorator
