"""Keep Keycloak browser sessions fresh: re-check with the provider when the ID token's time is up."""

from django.http import HttpRequest, HttpResponse
from mozilla_django_oidc.middleware import SessionRefresh

from accounts.oidc import ProviderSettingsMixin, ProviderUnavailable, oidc_enabled
from accounts.views import provider_unavailable_response


class OidcSessionRefresh(ProviderSettingsMixin, SessionRefresh):
    """mozilla-django-oidc's silent re-authentication (`prompt=none`), for Keycloak sessions only.

    `OIDC_EXEMPT_URLS` exempts the JSON API. The endpoint is discovered when a refresh is due; a provider
    that cannot be reached then gets the "sign-in unavailable" page rather than a stack trace.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        if not oidc_enabled():
            return None
        try:
            return super().process_request(request)
        except ProviderUnavailable as exc:
            return provider_unavailable_response(request, exc)
