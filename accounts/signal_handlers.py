"""Write logins, logouts, failed and throttled logins and denied requests to the action log; forget cached
roles when groups, their members or users change; keep the role groups after `migrate` and `flush`."""

from axes.signals import user_locked_out
from django.apps import apps as global_apps
from django.apps.registry import Apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete
from django.dispatch import receiver

from accounts.metrics import SIGN_IN_FAILURES
from accounts.models import ActionLog
from accounts.roles import user_roles_forget
from accounts.services import action_log_record, role_groups_ensure
from core.access import access_denied
from core.audit import action_performed


@receiver(user_logged_in, dispatch_uid="actionlog_login")
def log_login(sender, request, user, **kwargs) -> None:
    via = "keycloak" if getattr(user, "backend", "").endswith(".KeycloakBackend") else "password"
    action_log_record(action=ActionLog.LOGIN, user=user, request=request, details={"via": via})


@receiver(user_logged_out, dispatch_uid="actionlog_logout")
def log_logout(sender, request, user, **kwargs) -> None:
    if user is not None:
        action_log_record(action=ActionLog.LOGOUT, user=user, request=request)


@receiver(user_login_failed, dispatch_uid="actionlog_login_failed")
def log_login_failed(sender, credentials, request=None, **kwargs) -> None:
    SIGN_IN_FAILURES.labels("password").inc()
    action_log_record(
        action=ActionLog.LOGIN_FAILED, request=request, username=str(credentials.get("username", ""))
    )


@receiver(user_locked_out, dispatch_uid="actionlog_login_locked_out")
def log_login_locked_out(sender, request, username, ip_address, **kwargs) -> None:
    """django-axes locked (or kept refusing) a username or address after too many failed sign-ins."""
    action_log_record(action=ActionLog.LOGIN_LOCKED_OUT, request=request, username=str(username or ""))


@receiver(access_denied, dispatch_uid="actionlog_access_denied")
def log_access_denied(sender, request, capability, authenticated, **kwargs) -> None:
    action_log_record(
        action=ActionLog.ACCESS_DENIED,
        request=request,
        object_type="path",
        object_repr=request.path[:300],
        details={
            "capability": str(capability),
            "method": request.method,
            "authenticated": authenticated,
            **({"reason": kwargs["reason"]} if kwargs.get("reason") else {}),
        },
    )


@receiver(action_performed, dispatch_uid="actionlog_action_performed")
def log_action_performed(sender, **entry) -> None:
    entry.pop("signal", None)
    action_log_record(**entry)


@receiver(m2m_changed, sender=get_user_model().groups.through, dispatch_uid="roles_forget_membership")
def forget_roles_of_members(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """Someone joined or left a group (from either side, `user.groups` or `group.user_set`)."""
    if not reverse:
        if action in ("post_add", "post_remove", "post_clear"):
            user_roles_forget([instance.pk])
    elif action == "pre_clear":
        instance._members_before_clear = list(instance.user_set.values_list("pk", flat=True))
    elif action == "post_clear":
        user_roles_forget(getattr(instance, "_members_before_clear", []))
    elif action in ("post_add", "post_remove"):
        user_roles_forget(pk_set or [])


@receiver(post_save, sender=Group, dispatch_uid="roles_forget_group_saved")
@receiver(pre_delete, sender=Group, dispatch_uid="roles_forget_group_deleted")
def forget_roles_of_group(sender, instance, **kwargs) -> None:
    """A group was renamed (a role is a group's name) or is being deleted."""
    if instance.pk is not None:
        user_roles_forget(list(instance.user_set.values_list("pk", flat=True)))


@receiver(post_save, sender=get_user_model(), dispatch_uid="roles_forget_user_saved")
@receiver(post_delete, sender=get_user_model(), dispatch_uid="roles_forget_user_deleted")
def forget_roles_of_user(sender, instance, **kwargs) -> None:
    """A user was deactivated, made superuser or changed otherwise, or deleted."""
    user_roles_forget([instance.pk])


def role_groups_create(sender, using: str = "default", apps: Apps = global_apps, **kwargs) -> None:
    """post_migrate receiver (connected in AccountsConfig.ready): the role groups exist in `using` after every
    `migrate`, and again after a `flush` emptied auth_group (one the tests' transactional cases run too)."""
    try:
        apps.get_model("auth", "Group")
    except LookupError:  # migrating auth itself backwards: no group table to write to
        return
    role_groups_ensure(using)
