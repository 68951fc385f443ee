"""Public photo links: the one function that builds them and the one that reads them back.

`{PUBLIC_BASE_URL}/p/<album token>/<article slug>/<sha256 prefix>[-<size>].<ext>` names one exact file
(content-addressed: a new photo gets a new link, so it may be cached forever).
`{PUBLIC_BASE_URL}/p/<album token>/<article slug>/<n>[-<size>].<ext>` is the alias of the article's n-th photo
(1 = main), which redirects to whatever photo holds that place now.
"""

import re
from dataclasses import dataclass

from django.conf import settings

from gallery.paths import SHA_PREFIX_LENGTH

POSITION_MAX_DIGITS = 4
_FILE_NAME = re.compile(
    rf"^(?:(?P<sha>[0-9a-f]{{{SHA_PREFIX_LENGTH}}})|(?P<position>[1-9][0-9]{{0,{POSITION_MAX_DIGITS - 1}}}))"
    r"(?:-(?P<size>[1-9][0-9]{0,4}))?\.(?P<extension>[a-z0-9]{2,5})$"
)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")


def public_link(
    *,
    token: str,
    article_slug: str,
    extension: str,
    sha256: str = "",
    position: int | None = None,
    size: int | None = None,
    base_url: str | None = None,
) -> str:
    """The public URL of a photo file (by `sha256`) or of the n-th photo alias (by 1-based `position`).

    `base_url` defaults to `PUBLIC_BASE_URL`. Callers linking many photos build the parts once instead:
    `public_article_url` per article, `public_name_suffix` per kind of file, then join them per photo.
    """
    key = str(position) if position is not None else sha256[:SHA_PREFIX_LENGTH]
    return public_article_url(token=token, article_slug=article_slug, base_url=base_url) + (
        key + public_name_suffix(size=size, extension=extension)
    )


def public_article_url(*, token: str, article_slug: str, base_url: str | None = None) -> str:
    """What every public link of one article starts with: `{PUBLIC_BASE_URL}/p/<token>/<slug>/`."""
    return f"{base_url or settings.PUBLIC_BASE_URL}/p/{token}/{article_slug}/"


def public_name_suffix(*, size: int | None, extension: str) -> str:
    """What follows the sha256 prefix or the position in a public file name: `[-<size>].<ext>`."""
    return f"-{size}.{extension}" if size is not None else f".{extension}"


@dataclass(frozen=True)
class PublicName:
    """The last segment of a public link, parsed: exactly one of `sha_prefix` and `position` is set."""

    sha_prefix: str
    position: int | None
    size: int | None
    extension: str


def public_name_parse(name: str) -> PublicName | None:
    """Parse `<sha prefix|position>[-<size>].<ext>`; None when it is not a well-formed public file name."""
    match = _FILE_NAME.match(name)
    if match is None:
        return None
    return PublicName(
        sha_prefix=match["sha"] or "",
        position=int(match["position"]) if match["position"] else None,
        size=int(match["size"]) if match["size"] else None,
        extension=match["extension"],
    )


def token_well_formed(token: str) -> bool:
    """Whether `token` could be an album link token at all (saves a query for junk)."""
    return bool(_TOKEN.match(token))
