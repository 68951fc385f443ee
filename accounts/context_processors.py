"""Template context: what the current user may do, for navigation."""

from django.http import HttpRequest

from accounts.roles import user_capabilities


def capabilities(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    return {"capabilities": {c.value for c in user_capabilities(user)} if user else set()}
