"""System checks for the sign-in configuration (`manage.py check`, run at every start)."""

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def sign_in_configured(app_configs=None, **kwargs) -> list:
    """OIDC needs all three of issuer, client id and secret; some way of signing in must remain."""
    problems = []
    oidc_values = {
        "OIDC_ISSUER": settings.OIDC_ISSUER,
        "OIDC_CLIENT_ID": settings.OIDC_CLIENT_ID,
        "OIDC_CLIENT_SECRET": settings.OIDC_CLIENT_SECRET,
    }
    missing = [name for name, value in oidc_values.items() if not value]
    if settings.OIDC_ISSUER and missing:
        problems.append(
            Error(
                f"OpenID Connect is half configured: {', '.join(missing)} missing.",
                hint="Set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together, or none of them.",
                id="accounts.E001",
            )
        )
    local = ("http://127.", "http://localhost", "http://[::1]")
    if settings.OIDC_ISSUER.startswith("http://") and not settings.OIDC_ISSUER.startswith(local):
        problems.append(
            Warning(
                "OIDC_ISSUER is plain http: the client secret and tokens travel unencrypted.",
                hint="Use the provider's https:// URL unless it is reached over a private, trusted network.",
                id="accounts.W002",
            )
        )
    if not settings.LOCAL_LOGIN and not settings.OIDC_ISSUER:
        problems.append(
            Warning(
                "Nobody can sign in: LOCAL_LOGIN is off and OpenID Connect is not configured.",
                hint="Set OIDC_ISSUER (with client id and secret) or LOCAL_LOGIN=true.",
                id="accounts.W001",
            )
        )
    return problems


@register()
def role_cache_bounded(app_configs=None, **kwargs) -> list:
    """Cached roles must expire within the documented revocation bound (60 s)."""
    if 0 <= settings.ROLE_CACHE_SECONDS <= 60:
        return []
    return [
        Error(
            f"ROLE_CACHE_SECONDS is {settings.ROLE_CACHE_SECONDS}: a removed role could work that long.",
            hint="Use 0 to 60 seconds.",
            id="accounts.E003",
        )
    ]
