"""Template helpers: the roles described in words, for refusal pages rendered outside the accounts app."""

from django import template

from accounts.roles import role_descriptions

register = template.Library()


@register.simple_tag
def roles_described() -> list[tuple[str, str, list[str]]]:
    """See `accounts.roles.role_descriptions`."""
    return role_descriptions()
