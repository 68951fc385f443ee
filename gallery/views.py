"""Gallery pages and protected files: thin views over `gallery.selectors` and `gallery.serving`."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import Capability, denial_response, require_capability
from core.audit import audit
from gallery import selectors, services
from gallery.forms import ArticleFilterForm
from gallery.links import (
    content_type_of,
    download_name,
    public_base_url,
    public_original_url,
    stored_extension,
)
from gallery.models import Album, Article
from gallery.pagination import InvalidCursor, Page
from gallery.serving import file_response

ALBUMS_PER_PAGE = 48
ARTICLES_PER_PAGE = 60
SEARCH_MAX_LENGTH = 200


def _page_or_error(request: HttpRequest, load, **kwargs) -> Page | HttpResponse:
    try:
        return load(cursor=request.GET.get("cursor") or None, **kwargs)
    except InvalidCursor:
        message = _("This page link is broken or outdated. Start again from the first page.")
        return render(request, "gallery/bad_link.html", {"message": message}, status=400)


@require_capability(Capability.VIEW)
def albums(request: HttpRequest) -> HttpResponse:
    search = request.GET.get("q", "").strip()[:200]
    sort = request.GET.get("sort", "name")
    sort = sort if sort in selectors.ALBUM_ORDERINGS else "name"
    page = _page_or_error(request, selectors.album_page, search=search, sort=sort, limit=ALBUMS_PER_PAGE)
    if isinstance(page, HttpResponse):
        return page
    context = {"page": page, "search": search, "sort": sort, "first_page": not request.GET.get("cursor")}
    return render(request, "gallery/albums.html", context)


@require_capability(Capability.VIEW)
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()[:SEARCH_MAX_LENGTH]
    answer = selectors.catalogue_search(text=text) if text else None
    return render(request, "gallery/search.html", {"search": text, "answer": answer})


@require_capability(Capability.VIEW)
def album(request: HttpRequest, album_slug: str) -> HttpResponse:
    found = get_object_or_404(Album, slug=album_slug)
    form = ArticleFilterForm(request.GET or None, uploaders=selectors.uploaders())
    filters = form.filters()
    page = _page_or_error(
        request, selectors.article_page, album=found, filters=filters, limit=ARTICLES_PER_PAGE
    )
    if isinstance(page, HttpResponse):
        return page
    context = {
        "album": found,
        "form": form,
        "filtered": filters.active,
        "page": page,
        "first_page": not request.GET.get("cursor"),
    }
    return render(request, "gallery/album.html", context)


@require_capability(Capability.VIEW)
def article(request: HttpRequest, album_slug: str, article_slug: str) -> HttpResponse:
    found = get_object_or_404(
        Article.objects.select_related("album"), album__slug=album_slug, slug=article_slug
    )
    images = selectors.article_images(article=found)
    if found.album.public_links_enabled:
        base_url = public_base_url(request)
        for image in images:
            image.article, image.album = found, found.album
            image.public_url = public_original_url(image, base_url=base_url)
    context = {"album": found.album, "article": found, "images": images, "links_next": request.path}
    return render(request, "gallery/article.html", context)


def _back(request: HttpRequest, album: Album) -> HttpResponse:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("gallery:album", args=[album.slug])
    return redirect(target)


@require_capability(Capability.SHARE)
@require_POST
def album_links(request: HttpRequest, album_slug: str) -> HttpResponse:
    """Turn an album's public links on or off (`state`), or give it a new token (`regenerate`, appadmin)."""
    album = get_object_or_404(Album, slug=album_slug)
    if request.POST.get("regenerate"):
        if not request.user.has_perm(Capability.ADMINISTER.permission):
            return denial_response(request, Capability.ADMINISTER)
        services.album_link_token_regenerate(album=album)
        audit(request=request, action="public_links_regenerate", obj=album)
        messages.success(
            request, _("“%s” has a new link token: its old public links no longer work.") % album
        )
        return _back(request, album)
    enabled = request.POST.get("state") == "on"
    if album.public_links_enabled != enabled:
        services.album_public_links_set(album=album, enabled=enabled)
        audit(request=request, action="public_links", obj=album, details={"enabled": enabled})
    if enabled:
        messages.success(request, _("Public links of “%s” are on: exported links now open.") % album)
    else:
        messages.success(request, _("Public links of “%s” are off: they answer “not found”.") % album)
    return _back(request, album)


@require_capability(Capability.VIEW, status_only=True)
def original_file(request: HttpRequest, image_id: int, sha: str, ext: str) -> HttpResponse:
    image = selectors.image_for_file(image_id=image_id, sha=sha)
    if stored_extension(image.file.name) != ext:
        raise Http404("No such file.")
    return file_response(request, name=image.file.name, content_type=content_type_of(image.file.name))


@require_capability(Capability.VIEW, status_only=True)
def original_download(request: HttpRequest, image_id: int, sha: str) -> HttpResponse:
    image = selectors.image_for_download(image_id=image_id, sha=sha)
    return file_response(
        request,
        name=image.file.name,
        content_type=content_type_of(image.file.name),
        attachment_name=download_name(
            sku=image.article.sku, position=image.position, image_format=image.format
        ),
    )


@require_capability(Capability.VIEW, status_only=True)
def thumbnail_file(request: HttpRequest, image_id: int, sha: str, size: int, ext: str) -> HttpResponse:
    thumbnail = selectors.thumbnail_for_file(image_id=image_id, sha=sha, size=size, extension=ext)
    return file_response(request, name=thumbnail.file.name, content_type=content_type_of(thumbnail.file.name))
