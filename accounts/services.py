"""Writes of the accounts app: the action log, the local bootstrap and users signing in through OpenID."""

import logging
import secrets
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, Group
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest

from accounts.models import ActionLog, OidcIdentity
from accounts.roles import Role, remember_user_roles

logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: REMOTE_ADDR, or with `BEHIND_PROXY` the last X-Forwarded-For entry (the
    address our proxy saw and appended; earlier entries are whatever the client sent)."""
    if request is None:
        return None
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.BEHIND_PROXY and forwarded.strip():
        return forwarded.rsplit(",", 1)[-1].strip()[:45] or None
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


def role_groups_ensure(using: str = "default") -> list[Group]:
    """Create the role groups if missing in database `using`; returns them in matrix order."""
    return [Group.objects.db_manager(using).get_or_create(name=role.value)[0] for role in Role]


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


def _username_free(username: str, *, exclude_pk: int | None) -> bool:
    users = get_user_model().objects.filter(username=username)
    return not (users.exclude(pk=exclude_pk) if exclude_pk else users).exists()


def _oidc_username(claims: Mapping, *, exclude_pk: int | None = None) -> str:
    """`preferred_username` when no other account has it; otherwise it gets a suffix from `sub`.

    A provider user never takes over a local account that happens to share a name or e-mail.
    """
    sub = str(claims["sub"])
    wanted = str(claims.get("preferred_username") or "").strip()[:120] or f"oidc-{sub[:8]}"
    if _username_free(wanted, exclude_pk=exclude_pk):
        return wanted
    for length in (8, 16, len(sub)):
        candidate = f"{wanted}-{sub[:length]}"[:150]
        if _username_free(candidate, exclude_pk=exclude_pk):
            return candidate
    raise ValueError(f"no free username for subject {sub}")


def _profile_fields(claims: Mapping) -> dict:
    given, family = claims.get("given_name"), claims.get("family_name")
    if not (given or family):
        given, family = claims.get("name"), ""
    return {
        "email": str(claims.get("email") or "")[:254],
        "first_name": str(given or "")[:150],
        "last_name": str(family or "")[:150],
    }


def user_role_groups_set(user: AbstractBaseUser, roles: frozenset[Role]) -> bool:
    """Make the user's role groups exactly `roles` (other groups stay); True when something changed."""
    current = set(user.groups.filter(name__in=[role.value for role in Role]).values_list("name", flat=True))
    wanted = {role.value for role in roles}
    if current - wanted:
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    if wanted - current:
        user.groups.add(*Group.objects.filter(name__in=wanted - current))
    remember_user_roles(user, roles)
    return current != wanted


def _identity_find(issuer: str, sub: str) -> OidcIdentity | None:
    return OidcIdentity.objects.select_related("user").filter(issuer=issuer, sub=sub).first()


def _oidc_user_create(
    *, issuer: str, claims: Mapping, fields: dict, roles: frozenset[Role], request: HttpRequest | None
) -> AbstractBaseUser | None:
    """Create the user and its identity; None when a parallel request created them first."""
    sub = str(claims["sub"])
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=_oidc_username(claims), password=None, **fields
            )
            OidcIdentity.objects.create(user=user, issuer=issuer, sub=sub)
    except IntegrityError:
        return None
    action_log_record(
        action=ActionLog.ACCOUNT_CREATED,
        user=user,
        request=request,
        obj=user,
        details={"issuer": issuer, "sub": sub, "roles": sorted(roles)},
    )
    return user


@transaction.atomic
def oidc_user_sync(
    *, issuer: str, claims: Mapping, roles: frozenset[Role], request: HttpRequest | None = None
) -> AbstractBaseUser | None:
    """Create or update the user keyed on (`issuer`, `claims["sub"]`) so that it holds exactly `roles`.

    Username, e-mail and name follow the claims; `appadmin` grants `is_staff`. With no app role nothing is
    created: an existing user is stripped of its role groups and None is returned. Parallel first calls of
    one subject (an API client's burst) end with one account.
    """
    sub = str(claims["sub"])
    identity = _identity_find(issuer, sub)
    if not roles:
        if identity is not None:
            user_role_groups_set(identity.user, frozenset())
            if identity.user.is_staff:
                identity.user.is_staff = False
                identity.user.save(update_fields=["is_staff"])
        return None
    fields = {**_profile_fields(claims), "is_staff": Role.ADMIN in roles}
    user = None
    for _attempt in range(3):
        if identity is not None:
            user = identity.user
            break
        user = _oidc_user_create(issuer=issuer, claims=claims, fields=fields, roles=roles, request=request)
        if user is not None:
            break
        identity = _identity_find(issuer, sub)
    if user is None:
        raise RuntimeError(f"could not create an account for subject {sub}")
    wanted_name = str(claims.get("preferred_username") or "")
    if wanted_name and wanted_name != user.username:
        fields["username"] = _oidc_username(claims, exclude_pk=user.pk)
    changed = [name for name, value in fields.items() if getattr(user, name) != value]
    if changed:
        for name in changed:
            setattr(user, name, fields[name])
        user.save(update_fields=changed)
    user_role_groups_set(user, roles)
    return user
