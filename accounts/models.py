"""The action log (who did what, when and from where) and OpenID identities."""

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

ACTION_LABELS = {
    "login": _("signed in"),
    "logout": _("signed out"),
    "login_failed": _("sign-in failed"),
    "login_locked_out": _("sign-in refused (too many failures)"),
    "access_denied": _("access refused"),
    "login_refused": _("sign-in refused (no role)"),
    "account_created": _("account created"),
    "bootstrap_admin": _("first administrator created"),
    "upload": _("upload"),
    "export": _("link sheet exported"),
    "storage_sync": _("storage sync"),
    "public_links": _("public links switched"),
    "public_links_regenerate": _("new public link token"),
    "action_log_export": _("action log downloaded"),
    "admin_add": _("added in the administration"),
    "admin_change": _("changed in the administration"),
    "admin_delete": _("deleted in the administration"),
    "admin_move_article": _("article moved"),
    "admin_move_image": _("photo moved"),
    "move_article": _("article moved"),
    "move_image": _("photo moved"),
    "admin_public_links": _("public links switched (administration)"),
    "admin_regenerate_link_token": _("new public link token (administration)"),
    "admin_regenerate_thumbnails": _("thumbnails remade"),
}
OBJECT_TYPE_LABELS = {"path": _("page address")}


def action_label(action: str) -> str:
    """An action code in words, in the active language (unknown codes as they are)."""
    return str(ACTION_LABELS.get(action, action))


def object_type_label(object_type: str) -> str:
    """`gallery.album` → the model's name in the active language; `path` → "page address"."""
    if object_type in OBJECT_TYPE_LABELS:
        return str(OBJECT_TYPE_LABELS[object_type])
    try:
        model = apps.get_model(object_type)
    except (LookupError, ValueError):
        return object_type
    return str(model._meta.verbose_name)


class ActionLog(models.Model):
    """One user-visible action. Rows are written only through `accounts.services.action_log_record`."""

    LOGIN = "login"
    LOGOUT = "logout"
    LOGIN_FAILED = "login_failed"
    LOGIN_LOCKED_OUT = "login_locked_out"
    ACCESS_DENIED = "access_denied"
    LOGIN_REFUSED = "login_refused"
    ACCOUNT_CREATED = "account_created"

    created_at = models.DateTimeField(verbose_name=_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL
    )
    username = models.CharField(verbose_name=_("username"), max_length=150, blank=True)
    action = models.CharField(verbose_name=_("action"), max_length=64, db_index=True)
    object_type = models.CharField(verbose_name=_("object type"), max_length=64, blank=True)
    object_id = models.CharField(verbose_name=_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(verbose_name=_("object"), max_length=300, blank=True)
    details = models.JSONField(verbose_name=_("details"), default=dict, blank=True)
    ip = models.GenericIPAddressField(verbose_name=_("IP address"), null=True, blank=True)

    class Meta:
        verbose_name = _("action log entry")
        verbose_name_plural = _("action log")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "created_at"], name="actionlog_user_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.username or '-'} {self.action} {self.object_repr}"


class OidcIdentity(models.Model):
    """Links a local user to the provider's subject: users are keyed on (`issuer`, `sub`), never on e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="oidc_identity",
    )
    issuer = models.CharField(verbose_name=_("issuer"), max_length=255)
    sub = models.CharField(verbose_name=_("subject"), max_length=255)
    created_at = models.DateTimeField(verbose_name=_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("OpenID identity")
        verbose_name_plural = _("OpenID identities")
        constraints = [models.UniqueConstraint(fields=["issuer", "sub"], name="oidcidentity_issuer_sub")]

    def __str__(self) -> str:
        return f"{self.sub} @ {self.issuer}"
