"""Authentication backends: capability permissions from the role matrix, and sign-in through Keycloak."""

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from accounts.oidc import (
    LoginRefused,
    ProviderSettingsMixin,
    TokenInvalid,
    looks_like_jwt,
    roles_from_claims,
    token_verify,
)
from accounts.roles import user_capabilities
from accounts.services import oidc_user_sync
from core.access import Capability

logger = logging.getLogger(__name__)


def not_a_password_attempt(request, credentials: dict | None) -> bool:
    """True for sign-ins without a username (Keycloak's callback), which login throttling leaves alone."""
    return not (credentials or {}).get("username")


class RoleBackend(ModelBackend):
    """Username/password login (only while `LOCAL_LOGIN` is on) plus capability permissions.

    Permissions are `pichosting.<capability>`; holders of the administer capability get every model
    permission, so `appadmin` can run the Django admin.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if not settings.LOCAL_LOGIN:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        capabilities = user_capabilities(user_obj)
        if perm.startswith("pichosting."):
            return perm.removeprefix("pichosting.") in {c.value for c in capabilities}
        if Capability.ADMINISTER in capabilities:
            return True
        return super().has_perm(user_obj, perm, obj)

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        if Capability.ADMINISTER in user_capabilities(user_obj):
            return True
        return super().has_module_perms(user_obj, app_label)


class KeycloakBackend(ProviderSettingsMixin, OIDCAuthenticationBackend):
    """Authorization-code sign-in (PKCE, state, nonce) through the provider at `OIDC_ISSUER`.

    Users are keyed on `sub`; their role groups are re-synced from the verified ID token, userinfo and JWT
    access token on every login. No app role: `LoginRefused`, and no account is created. Permissions are
    answered by `RoleBackend` alone.
    """

    def __init__(self, *args, **kwargs):
        # The base checks the key endpoint here, which would ask the provider on every request.
        self.UserModel = get_user_model()

    def authenticate(self, request, **kwargs):
        if "nonce" not in kwargs:  # only the OIDC callback view sends the nonce; password logins pass by
            return None
        return super().authenticate(request, **kwargs)

    def verify_token(self, token: str, **kwargs) -> dict:
        try:
            claims = token_verify(token, audience_or_azp=False)
        except TokenInvalid as exc:
            raise SuspiciousOperation(f"ID token rejected: {exc}") from exc
        if claims.get("nonce") != kwargs.get("nonce"):
            raise SuspiciousOperation("ID token rejected: the nonce differs from the one we sent")
        return claims

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if str(userinfo.get("sub")) != str(payload["sub"]):
            raise SuspiciousOperation("userinfo describes another subject than the ID token")
        claim_sets = [payload, userinfo]
        if looks_like_jwt(access_token):
            try:
                access_claims = token_verify(access_token, audience_or_azp=True)
            except TokenInvalid as exc:
                raise SuspiciousOperation(f"access token rejected: {exc}") from exc
            if str(access_claims["sub"]) != str(payload["sub"]):
                raise SuspiciousOperation("the access token belongs to another subject than the ID token")
            claim_sets.append(access_claims)
        roles = roles_from_claims(claim_sets, client_id=settings.OIDC_CLIENT_ID)
        claims = {**payload, **userinfo}
        user = oidc_user_sync(issuer=settings.OIDC_ISSUER, claims=claims, roles=roles, request=self.request)
        if user is None:
            raise LoginRefused(claims)
        return user

    def get_user(self, user_id):
        return ModelBackend.get_user(self, user_id)

    def has_perm(self, user_obj, perm: str, obj=None) -> bool:
        return False

    def has_module_perms(self, user_obj, app_label: str) -> bool:
        return False
