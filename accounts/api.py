"""JSON views of the accounts app."""

from django.http import HttpRequest
from ninja import Router, Schema

from accounts.roles import user_capabilities, user_roles

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    roles: list[str]
    capabilities: list[str]


@router.get("/me", response=MeOut, summary="Who the caller is and what they may do")
def me(request: HttpRequest) -> dict:
    user = request.auth
    return {
        "username": user.get_username(),
        "roles": sorted(user_roles(user)),
        "capabilities": sorted(user_capabilities(user)),
    }
