"""Writes of the accounts app: the action log and the local bootstrap."""

import logging
import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import models, transaction
from django.http import HttpRequest

from accounts.models import ActionLog
from accounts.roles import Role

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as Django sees it (the proxy sets REMOTE_ADDR in production)."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def action_log_record(
    *,
    action: str,
    user: AbstractBaseUser | AnonymousUser | None = None,
    request: HttpRequest | None = None,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    username: str = "",
    details: dict | None = None,
) -> ActionLog:
    """Record one action; `user` defaults to the request's user, the object to `obj` when given."""
    if user is None and request is not None:
        user = getattr(request, "user", None)
    real_user = user if user is not None and user.is_authenticated else None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
        object_repr = object_repr or str(obj)
    entry = ActionLog.objects.create(
        user=real_user,
        username=(real_user.get_username() if real_user else username)[:150],
        action=action,
        object_type=object_type[:64],
        object_id=str(object_id)[:64],
        object_repr=object_repr[:300],
        details=details or {},
        ip=client_ip(request),
    )
    logger.info("action %s by %s on %s %s", action, entry.username or "-", object_type, object_id)
    return entry


def role_groups_ensure() -> list[Group]:
    """Create the role groups if missing; returns them in matrix order."""
    return [Group.objects.get_or_create(name=role.value)[0] for role in Role]


@transaction.atomic
def local_admin_bootstrap(*, username: str = "admin") -> str | None:
    """On an empty user table create `username` as superuser in appadmin; return its password, else None."""
    role_groups_ensure()
    user_model = get_user_model()
    if user_model.objects.exists():
        return None
    password = secrets.token_urlsafe(12)
    admin = user_model.objects.create_superuser(username=username, email="", password=password)
    admin.groups.add(Group.objects.get(name=Role.ADMIN.value))
    action_log_record(action="bootstrap_admin", user=admin, obj=admin)
    return password
