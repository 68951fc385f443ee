"""`Authorization: Bearer <access token>` for the JSON API, verified locally against the provider's keys."""

import logging

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import AuthenticationError, HttpError
from ninja.security import HttpBearer

from accounts.models import ActionLog
from accounts.oidc import ProviderUnavailable, TokenInvalid, oidc_enabled, roles_from_claims, token_verify
from accounts.roles import Role
from accounts.services import action_log_record, oidc_user_sync

logger = logging.getLogger(__name__)


class InvalidBearerToken(AuthenticationError):
    """401 with `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750)."""

    code = "invalid_token"
    rfc6750_error = "invalid_token"

    def __init__(self, reason: str):
        super().__init__(401, f"Invalid bearer token: {reason}.")
        self.reason = reason

    @property
    def www_authenticate(self) -> str:
        description = self.reason.replace("\\", "").replace('"', "'")
        return f'Bearer error="{self.rfc6750_error}", error_description="{description}"'


class MalformedAuthorization(InvalidBearerToken):
    """401 `malformed_authorization`: an `Authorization` header, even empty, that is not `Bearer <token>`."""

    code = "malformed_authorization"
    rfc6750_error = "invalid_request"

    def __init__(self):
        AuthenticationError.__init__(
            self, 401, "The Authorization header must be 'Bearer <access token>'; other schemes are refused."
        )
        self.reason = "not a Bearer token"


class BearerProviderUnavailable(HttpError):
    code = "provider_unavailable"

    def __init__(self):
        super().__init__(503, "The sign-in service cannot be reached to check the token; try again shortly.")


class BearerNoAppRole(HttpError):
    code = "no_app_role"

    def __init__(self):
        names = ", ".join(role.value for role in Role)
        super().__init__(403, f"The token is valid but carries none of the roles {names}.")


class BearerAccountDisabled(HttpError):
    code = "account_disabled"

    def __init__(self):
        super().__init__(403, "This account is disabled in PicHosting.")


class KeycloakBearer(HttpBearer):
    """Authenticate API calls by a Keycloak access token (users and service accounts alike).

    Checks the RS256 signature against the cached key set, `iss`, `exp`, and `aud` or `azp`; the user is
    created or updated from the token and holds exactly the token's app roles. Sets `request.user`, so the
    capability guard answers from those roles. Bearer calls need no CSRF token.
    """

    openapi_bearerFormat = "JWT"
    openapi_description = "A Keycloak access token (a service account: the client-credentials grant)."

    def __call__(self, request: HttpRequest):
        """None without an `Authorization` header; any other scheme is refused, never left to the cookie.

        ninja's `HttpBearer` ignores a header whose scheme is not `Bearer` and lets the session cookie decide,
        so credentials that fail (`Basic …`, a tab after `Bearer`) still got a signed-in answer.
        """
        value = request.headers.get(self.header)
        if value is None:
            return None
        scheme, _, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            raise MalformedAuthorization()
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str):
        if not oidc_enabled():
            raise InvalidBearerToken("this server accepts no bearer tokens (OpenID Connect is off)")
        try:
            claims = token_verify(token, audience_or_azp=True)
        except TokenInvalid as exc:
            raise InvalidBearerToken(str(exc)) from exc
        except ProviderUnavailable as exc:
            logger.error("cannot check a bearer token: %s", exc)
            raise BearerProviderUnavailable() from exc
        if str(claims.get("typ", "Bearer")).lower() != "bearer":
            raise InvalidBearerToken(f"this is an {claims['typ']} token, not an access token")
        roles = roles_from_claims([claims], client_id=settings.OIDC_CLIENT_ID)
        user = oidc_user_sync(issuer=settings.OIDC_ISSUER, claims=claims, roles=roles, request=request)
        if user is None:
            action_log_record(
                action=ActionLog.LOGIN_REFUSED,
                request=request,
                username=str(claims.get("preferred_username") or claims["sub"]),
                details={"sub": str(claims["sub"]), "reason": "no app role", "via": "bearer"},
            )
            raise BearerNoAppRole()
        if not user.is_active:
            raise BearerAccountDisabled()
        request.user = user
        return user
