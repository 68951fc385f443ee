"""The one way any app records a user-visible action in the action log: `audit()`.

`core` cannot know the action log's model (it imports none of our apps); `audit()` sends `action_performed`,
and the accounts app, the only writer of ActionLog rows, receives it and writes the entry in the same
transaction, as it does for `core.access.access_denied`.

A write records its own entry, the way Zulip's `do_*` actions write their audit row: the service that
changes the rows takes an `Actor` (who, from where) and calls `Actor.record`, so no caller has to remember to
log. `None` as the actor means the caller's own entry covers the write (the admin's change form, whose
`admin_change` entry `core.admin.AuditedModelAdmin` records) or nobody is acting (tests, internal steps).
"""

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models
from django.dispatch import Signal
from django.http import HttpRequest

# sent with action, request, user, username, obj, object_type, object_id, object_repr, details
action_performed = Signal()


def audit(
    *,
    action: str,
    request: HttpRequest | None = None,
    user: AbstractBaseUser | AnonymousUser | None = None,
    username: str = "",
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    details: dict | None = None,
) -> None:
    """Record that `user` (by default the request's user; else `username`) did `action` to `obj` (or to the
    object named by `object_type`, `object_id` and `object_repr`)."""
    action_performed.send(
        sender=None,
        action=action,
        request=request,
        user=user,
        username=username,
        obj=obj,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        details=details or {},
    )


@dataclass(frozen=True)
class Actor:
    """Who makes a write: a request (its user and address), else a user or a name; `admin` when it is done
    in the administration (some actions have an `admin_` name of their own there)."""

    request: HttpRequest | None = None
    user: AbstractBaseUser | AnonymousUser | None = None
    username: str = ""
    admin: bool = False

    def record(self, *, action: str, obj: models.Model | None = None, details: dict | None = None) -> None:
        """`audit()` this actor doing `action` to `obj`."""
        audit(
            action=action,
            request=self.request,
            user=self.user,
            username=self.username,
            obj=obj,
            details=details,
        )
