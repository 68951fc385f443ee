"""Gallery pages and protected files: thin views over `gallery.selectors` and `gallery.serving`."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from core.access import Capability, denial_response, require_capability
from core.audit import Actor
from gallery import moves, selectors, services
from gallery.forms import ArticleFilterForm, MoveForm
from gallery.links import (
    content_type_of,
    download_name,
    file_stem_safe,
    public_base_url,
    public_original_url,
    stored_extension,
)
from gallery.models import Album, Article
from gallery.pagination import InvalidCursor, Page
from gallery.serving import file_response
from gallery.zips import zip_of_originals

ALBUMS_PER_PAGE = 48
ARTICLES_PER_PAGE = 60
SEARCH_MAX_LENGTH = 200
SELECTION_MAX = 10_000  # ids taken from one selection form


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
    # filters that cannot be applied (a date out of range, a backward range) are named on the page: 400
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "gallery/album.html", context, status=status)


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


def _next_url(request: HttpRequest, album: Album) -> str:
    """The page a form came from (`next`, if it is on this site), else the album page."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("gallery:album", args=[album.slug])
    return target


def _back(request: HttpRequest, album: Album) -> HttpResponse:
    return redirect(_next_url(request, album))


@require_capability(Capability.SHARE)
@require_POST
def album_links(request: HttpRequest, album_slug: str) -> HttpResponse:
    """Turn an album's public links on or off (`state`), or give it a new token (`regenerate`, appadmin)."""
    album = get_object_or_404(Album, slug=album_slug)
    if request.POST.get("regenerate"):
        if not request.user.has_perm(Capability.ADMINISTER.permission):
            return denial_response(request, Capability.ADMINISTER)
        services.album_link_token_regenerate(album=album, actor=Actor(request=request))
        messages.success(
            request, _("“%s” has a new link token: its old public links no longer work.") % album
        )
        return _back(request, album)
    enabled = request.POST.get("state") == "on"
    services.album_public_links_set(album=album, enabled=enabled, actor=Actor(request=request))
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


def _zip_response(images, name: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(zip_of_originals(images.iterator()), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "private, no-store"
    return response


@require_capability(Capability.VIEW)
def album_zip(request: HttpRequest, album_slug: str) -> HttpResponse:
    found = get_object_or_404(Album, slug=album_slug)
    return _zip_response(selectors.images_to_download(album=found), f"{file_stem_safe(found.name)}.zip")


@require_capability(Capability.VIEW)
def article_zip(request: HttpRequest, album_slug: str, article_slug: str) -> HttpResponse:
    found = get_object_or_404(Article, album__slug=album_slug, slug=article_slug)
    return _zip_response(
        selectors.images_to_download(article_ids=[found.pk]), f"{file_stem_safe(found.sku)}.zip"
    )


def _selected_ids(request: HttpRequest, field: str) -> list[int]:
    return [int(value) for value in request.POST.getlist(field) if value.isdigit()][:SELECTION_MAX]


def _selection_album(request: HttpRequest) -> Album:
    return get_object_or_404(Album, slug=request.POST.get("album", ""))


@require_POST
@require_capability(Capability.VIEW)
def selection_zip(request: HttpRequest) -> HttpResponse:
    """The originals of the photos (`image`) or articles (`article`) ticked on one album's pages."""
    album = _selection_album(request)
    images = selectors.images_to_download(
        album=album,
        image_ids=_selected_ids(request, "image") or None,
        article_ids=_selected_ids(request, "article") or None,
    )
    return _zip_response(images, f"{file_stem_safe(album.name)}.zip")


@require_POST
@require_capability(Capability.DELETE)
def selection_delete(request: HttpRequest) -> HttpResponse:
    """Ask to confirm, naming the count; once confirmed, delete the ticked photos or articles of one album."""
    album = _selection_album(request)
    image_ids, article_ids = _selected_ids(request, "image"), _selected_ids(request, "article")
    images = list(selectors.images_to_download(album=album, image_ids=image_ids)) if image_ids else []
    articles = list(Article.objects.filter(album=album, pk__in=article_ids)) if article_ids else []
    if not images and not articles:
        messages.error(request, _("Nothing was selected."))
        return _back(request, album)
    if request.POST.get("confirmed") != "1":
        context = {
            "album": album,
            "images": images,
            "articles": articles,
            "next": _next_url(request, album),
        }
        return render(request, "gallery/selection_delete.html", context)
    if images:
        deleted = services.images_delete(images=images)
        messages.success(
            request,
            ngettext("%(count)d photo deleted.", "%(count)d photos deleted.", deleted) % {"count": deleted},
        )
    for article in articles:
        services.article_delete(article=article)
    if articles:
        count = len(articles)
        messages.success(
            request,
            ngettext("%(count)d article deleted.", "%(count)d articles deleted.", count) % {"count": count},
        )
    return _back(request, album)


@require_POST
@require_capability(Capability.EXPORT)
def selection_export(request: HttpRequest) -> HttpResponse:
    """Open the export page for the SKUs of the ticked articles (or of the ticked photos) of one album."""
    album = _selection_album(request)
    image_ids = _selected_ids(request, "image")
    articles = Article.objects.filter(album=album)
    if image_ids:
        articles = articles.filter(images__pk__in=image_ids)
    else:
        articles = articles.filter(pk__in=_selected_ids(request, "article"))
    skus = list(articles.order_by("sku_key").values_list("sku", flat=True).distinct())
    if not skus:
        messages.error(request, _("Nothing was selected."))
        return _back(request, album)
    query = urlencode({"albums": album.slug, "skus": "\n".join(skus)})
    return redirect(f"{reverse('exports:page')}?{query}")


@require_POST
@require_capability(Capability.UPLOAD)
def selection_move(request: HttpRequest) -> HttpResponse:
    """Ask where the ticked photos (to an article, existing or new) or articles (to an album) of one album
    go; once the form is sent back valid (`confirmed`), move them and go back to the page they came from."""
    album = _selection_album(request)
    image_ids, article_ids = _selected_ids(request, "image"), _selected_ids(request, "article")
    images = list(selectors.images_to_download(album=album, image_ids=image_ids)) if image_ids else []
    articles = (
        [] if images else list(Article.objects.filter(album=album, pk__in=article_ids).order_by("sku_key"))
    )
    if not images and not articles:
        messages.error(request, _("Nothing was selected."))
        return _back(request, album)
    confirmed = request.POST.get("confirmed") == "1"
    form = MoveForm(request.POST if confirmed else None, source=album, images=images)
    if form.is_valid():
        try:
            _move(request, form, images=images, articles=articles)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            return _back(request, album)
    context = {
        "album": album,
        "images": images,
        "articles": articles,
        "form": form,
        "next": _next_url(request, album),
    }
    return render(request, "gallery/selection_move.html", context, status=400 if form.errors else 200)


def _move(request: HttpRequest, form: MoveForm, *, images: list, articles: list) -> None:
    """Carry out a valid move form (see `selection_move`); its outcome goes to the messages and the log."""
    target = form.cleaned_data["to_album"]
    if articles:
        moves.articles_move(articles=articles, album=target, actor=Actor(request=request))
        count = len(articles)
        message = ngettext(
            "%(count)d article moved to album “%(album)s”.",
            "%(count)d articles moved to album “%(album)s”.",
            count,
        )
        messages.success(request, message % {"count": count, "album": target.name})
        return
    article = form.cleaned_data["article"]
    if article is None:
        article, result = moves.images_move_to_new_article(
            images=images, album=target, sku=form.cleaned_data["to_sku"], actor=Actor(request=request)
        )
    else:
        result = moves.images_move(images=images, article=article, actor=Actor(request=request))
    if result.moved:
        count = len(result.moved)
        message = ngettext(
            "%(count)d photo moved to “%(sku)s” (album “%(album)s”).",
            "%(count)d photos moved to “%(sku)s” (album “%(album)s”).",
            count,
        )
        messages.success(request, message % {"count": count, "sku": article.sku, "album": target.name})
    if result.duplicates:
        count = len(result.duplicates)
        message = ngettext(
            "%(count)d photo stayed where it was: “%(sku)s” already holds the same picture.",
            "%(count)d photos stayed where they were: “%(sku)s” already holds the same pictures.",
            count,
        )
        messages.warning(request, message % {"count": count, "sku": article.sku})
