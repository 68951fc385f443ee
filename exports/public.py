"""Public photo links marketplaces fetch anonymously: `/p/<token>/<article slug>/<file name>`.

Everything wrong (malformed name, unknown or revoked token, public links off, another album's article, a size
or extension that does not exist) answers the same bare 404, so links cannot be probed. The token is checked
in the same single indexed query that finds the file, so regenerating it or switching public links off takes
effect on the very next request in every worker.
"""

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.http import require_safe

from exports import selectors
from exports.links import PublicName, public_link, public_name_parse, token_well_formed
from exports.metrics import PUBLIC_LINK_REQUESTS
from gallery.links import content_type_of, stored_extension
from gallery.serving import file_response, public_cache_control
from gallery.specs import FORMAT_EXTENSIONS, THUMBNAIL_FORMAT_BY_EXTENSION, THUMBNAIL_SIZES

ALIAS_CACHE_CONTROL = "public, max-age=60"
LARGEST_SIZE = max(THUMBNAIL_SIZES)


def _not_found() -> Http404:
    return Http404("No such file.")


def _parsed(token: str, name: str) -> PublicName:
    parsed = public_name_parse(name)
    if parsed is None or not token_well_formed(token):
        raise _not_found()
    if parsed.size is not None and (
        parsed.size not in THUMBNAIL_SIZES or parsed.extension not in THUMBNAIL_FORMAT_BY_EXTENSION
    ):
        raise _not_found()
    return parsed


def _public_response(request: HttpRequest, name: str) -> HttpResponse:
    return file_response(
        request, name=name, content_type=content_type_of(name), cache_control=public_cache_control()
    )


@require_safe
def public_file(request: HttpRequest, token: str, article_slug: str, name: str) -> HttpResponse:
    """Serve the exact file a content link names, or redirect a position alias to the current photo."""
    try:
        response = _public_file(request, token, article_slug, name)
    except Http404:
        PUBLIC_LINK_REQUESTS.labels("not_found").inc()
        raise
    PUBLIC_LINK_REQUESTS.labels("redirect" if response.status_code in (301, 302) else "file").inc()
    return response


def _public_file(request: HttpRequest, token: str, article_slug: str, name: str) -> HttpResponse:
    parsed = _parsed(token, name)
    if parsed.position is not None:
        return _alias_redirect(token, article_slug, parsed)
    if parsed.size is None:
        image = selectors.public_original(
            token=token, article_slug=article_slug, sha_prefix=parsed.sha_prefix
        )
        if image is None or stored_extension(image.file.name) != parsed.extension:
            raise _not_found()
        return _public_response(request, image.file.name)
    thumbnail = selectors.public_thumbnail(
        token=token,
        article_slug=article_slug,
        sha_prefix=parsed.sha_prefix,
        size=parsed.size,
        fmt=THUMBNAIL_FORMAT_BY_EXTENSION[parsed.extension],
    )
    if thumbnail is None:
        raise _not_found()
    return _public_response(request, thumbnail.file.name)


def _alias_redirect(token: str, article_slug: str, parsed: PublicName) -> HttpResponse:
    """`<n>[-<size>].<ext>` → the content link of the article's n-th photo now.

    Without a size, the original's own extension links the original; `jpg` or `webp` link the largest
    rendition in that format, so `1.jpg` is always a JPEG.
    """
    image = selectors.public_photo_at(token=token, article_slug=article_slug, position=parsed.position)
    if image is None:
        raise _not_found()
    size = parsed.size
    if size is None and parsed.extension != FORMAT_EXTENSIONS.get(image.format):
        if parsed.extension not in THUMBNAIL_FORMAT_BY_EXTENSION:
            raise _not_found()
        size = LARGEST_SIZE
    target = public_link(
        token=token, article_slug=article_slug, extension=parsed.extension, sha256=image.sha256, size=size
    )
    response = HttpResponseRedirect(target)
    response["Cache-Control"] = ALIAS_CACHE_CONTROL
    return response
