"""Sign-in pages: the login form, the Keycloak redirect and callback, and logout through the provider."""

import logging
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render, resolve_url
from django.utils.translation import gettext as _
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from accounts.metrics import SIGN_IN_FAILURES
from accounts.models import ActionLog
from accounts.oidc import (
    LoginRefused,
    ProviderSettingsMixin,
    ProviderUnavailable,
    oidc_enabled,
    provider_endpoint,
)
from accounts.roles import role_descriptions
from accounts.services import action_log_record

logger = logging.getLogger(__name__)


def provider_unavailable_response(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A 503 page saying the sign-in service cannot be reached (the details go to the log, not the page)."""
    logger.error("OpenID provider unavailable: %s", exc)
    return render(request, "accounts/provider_unavailable.html", status=503)


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """The page of a refused sign-in (django-axes' lockout callable): 429, and when to try again."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    response = render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response


class LoginView(auth_views.LoginView):
    """The login page: "Sign in with Keycloak" when OIDC is on, the password form while `LOCAL_LOGIN`."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs) -> dict:
        return super().get_context_data(
            oidc_enabled=oidc_enabled(), local_login=settings.LOCAL_LOGIN, **kwargs
        )

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not settings.LOCAL_LOGIN:
            messages.error(request, _("Password sign-in is turned off here; sign in with Keycloak."))
            return self.render_to_response(self.get_context_data(), status=403)
        return super().post(request, *args, **kwargs)


class OidcLoginView(ProviderSettingsMixin, OIDCAuthenticationRequestView):
    """Redirect to the provider's authorization endpoint with state, nonce and a PKCE challenge."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("OpenID Connect sign-in is not configured.")
        try:
            return super().get(request)
        except ProviderUnavailable as exc:
            return provider_unavailable_response(request, exc)


class OidcCallbackView(ProviderSettingsMixin, OIDCAuthenticationCallbackView):
    """The provider sends the browser back here with a code: exchange it, verify, sync the user, log in."""

    @property
    def failure_url(self) -> str:
        return resolve_url(settings.LOGIN_URL)

    def get(self, request: HttpRequest) -> HttpResponse:
        if not oidc_enabled():
            raise Http404("OpenID Connect sign-in is not configured.")
        try:
            return super().get(request)
        except LoginRefused as refusal:
            return self.refuse(refusal)
        except (ProviderUnavailable, requests.ConnectionError, requests.Timeout) as exc:
            return provider_unavailable_response(request, exc)
        except (SuspiciousOperation, requests.RequestException) as exc:
            logger.warning("OpenID sign-in failed: %s", exc)
            return self.login_failure(reason=str(exc))

    def refuse(self, refusal: LoginRefused) -> HttpResponse:
        """The "no access" page; its "another account" link ends the Keycloak session this login made."""
        request = self.request
        switch_account_url = provider_logout_url(request)
        if request.user.is_authenticated:
            auth.logout(request)
        request.session.pop("oidc_id_token", None)
        claims = refusal.claims
        action_log_record(
            action=ActionLog.LOGIN_REFUSED,
            request=request,
            username=str(claims.get("preferred_username") or claims.get("sub", "")),
            details={"sub": str(claims.get("sub", "")), "reason": "no app role"},
        )
        context = {"roles": role_descriptions(), "switch_account_url": switch_account_url}
        return render(request, "accounts/no_access.html", context, status=403)

    def login_failure(self, reason: str = "") -> HttpResponse:
        request = self.request
        SIGN_IN_FAILURES.labels("keycloak").inc()
        action_log_record(
            action=ActionLog.LOGIN_FAILED,
            request=request,
            details={"via": "keycloak", "error": request.GET.get("error", ""), "reason": reason[:300]},
        )
        messages.error(request, _("Signing in with Keycloak did not complete. Please try again."))
        return super().login_failure()


def provider_logout_url(request: HttpRequest) -> str:
    """Where logout sends the browser: the provider's end-session endpoint for Keycloak sessions.

    Carries `id_token_hint` and `post_logout_redirect_uri` (our login page); local sessions, or a provider
    that cannot be reached, go straight to the login page.
    """
    local = resolve_url(settings.LOGOUT_REDIRECT_URL)
    id_token = request.session.get("oidc_id_token")
    if not (oidc_enabled() and id_token):
        return local
    try:
        end_session = provider_endpoint("end_session_endpoint")
    except ProviderUnavailable as exc:
        logger.warning("logging out locally only: %s", exc)
        return local
    query = urlencode(
        {
            "id_token_hint": id_token,
            "post_logout_redirect_uri": request.build_absolute_uri(local),
            "client_id": settings.OIDC_CLIENT_ID,
        }
    )
    return f"{end_session}?{query}"
