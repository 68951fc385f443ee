"""The role → capability matrix: the one place that says who may do what."""

from collections.abc import Iterable
from enum import StrEnum

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.access import Capability


class Role(StrEnum):
    VIEWER = "appviewer"
    USER = "appuser"
    ADMIN = "appadmin"


# appuser may switch public links: the people who upload a season are the ones who send its sheets to the
# marketplaces. Regenerating a token revokes every link already sent, so it stays with ADMINISTER.
ROLE_CAPABILITIES: dict[Role, frozenset[Capability]] = {
    Role.VIEWER: frozenset({Capability.VIEW, Capability.EXPORT}),
    Role.USER: frozenset({Capability.VIEW, Capability.EXPORT, Capability.UPLOAD, Capability.SHARE}),
    Role.ADMIN: frozenset(Capability),
}

ROLE_LABELS = {Role.VIEWER: _("Viewer"), Role.USER: _("Uploader"), Role.ADMIN: _("Administrator")}


def role_descriptions() -> list[tuple[str, str, list[str]]]:
    """Each role as (label, role id, what it lets a person do), in matrix order, in the active language."""
    return [
        (
            str(ROLE_LABELS[role]),
            role.value,
            [capability.label for capability in Capability if capability in caps],
        )
        for role, caps in ROLE_CAPABILITIES.items()
    ]


_ROLES_CACHE_ATTR = "_pichosting_roles"


def _roles_cache_key(user_id: int) -> str:
    return f"accounts:roles:{user_id}"


def user_roles(user: AbstractBaseUser | AnonymousUser) -> frozenset[Role]:
    """The app roles the user holds through group membership.

    Kept on the user object for the request, and in the cache for `ROLE_CACHE_SECONDS`: every change of a
    user's groups (and of the user or a group) forgets it at once (`user_roles_forget`), in every process when
    the cache is shared; otherwise another process may answer from its own copy until the timeout.
    """
    if not user.is_active or not user.is_authenticated:
        return frozenset()
    cached = getattr(user, _ROLES_CACHE_ATTR, None)
    if cached is None:
        key = _roles_cache_key(user.pk)
        names = cache.get(key)
        if names is None:
            names = list(
                user.groups.filter(name__in=[role.value for role in Role]).values_list("name", flat=True)
            )
            cache.set(key, names, settings.ROLE_CACHE_SECONDS)
        cached = frozenset(Role(name) for name in names)
        setattr(user, _ROLES_CACHE_ATTR, cached)
    return cached


def user_roles_forget(user_ids: Iterable[int]) -> None:
    """Drop the cached roles of `user_ids` now and again when the transaction commits (a process reading
    the groups in between would otherwise cache the old ones)."""
    keys = [_roles_cache_key(user_id) for user_id in user_ids]
    if keys:
        cache.delete_many(keys)
        transaction.on_commit(lambda: cache.delete_many(keys))


def remember_user_roles(user: AbstractBaseUser, roles: frozenset[Role]) -> None:
    """Keep the roles just written to the user's groups on the user object, sparing a lookup this request."""
    setattr(user, _ROLES_CACHE_ATTR, frozenset(roles))


def user_capabilities(user: AbstractBaseUser | AnonymousUser) -> frozenset[Capability]:
    """Everything the user may do: the union over their roles; superusers may do everything."""
    if not user.is_active or not user.is_authenticated:
        return frozenset()
    if user.is_superuser:
        return frozenset(Capability)
    return frozenset().union(*(ROLE_CAPABILITIES[role] for role in user_roles(user)))
