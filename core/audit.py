"""Announce user-visible changes so that the action log records them.

Apps that may not import `accounts` (the gallery, by the one-way dependency rule) call `audit()`; the accounts
app receives `action_performed` and writes the action log, as it does for `core.access.access_denied`.
"""

from django.db import models
from django.dispatch import Signal
from django.http import HttpRequest

action_performed = Signal()  # sent with request, action, obj, details


def audit(*, request: HttpRequest, action: str, obj: models.Model | None = None, details: dict | None = None):
    """Record that the request's user did `action` (to `obj`)."""
    action_performed.send(sender=None, request=request, action=action, obj=obj, details=details or {})
