"""Gallery pages and protected files: thin views over `gallery.selectors` and `gallery.serving`."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from core.access import Capability, require_capability
from gallery import selectors
from gallery.forms import ArticleFilterForm
from gallery.links import content_type_of, download_name, stored_extension
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
    context = {
        "album": found.album,
        "article": found,
        "images": images,
        "origin": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "gallery/article.html", context)


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
