"""The action log (who did what, when and from where) and OpenID identities."""

from django.conf import settings
from django.db import models


class ActionLog(models.Model):
    """One user-visible action. Rows are written only through `accounts.services.action_log_record`."""

    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    ACCESS_DENIED = "access_denied"
    LOGIN_REFUSED = "login_refused"
    ACCOUNT_CREATED = "account_created"

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    username = models.CharField(max_length=150, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="actionlog_user_time")]
        verbose_name = "action log entry"
        verbose_name_plural = "action log"

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.object_repr}"


class OidcIdentity(models.Model):
    """Links a local user to the provider's subject: users are keyed on (`issuer`, `sub`), never on e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oidc_identity"
    )
    issuer = models.CharField(max_length=255)
    sub = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "sub"], name="oidcidentity_issuer_sub")]
        verbose_name = "OpenID identity"

    def __str__(self) -> str:
        return f"{self.sub} @ {self.issuer}"
