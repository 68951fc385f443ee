"""Gallery pages and protected files: thin views over `gallery.selectors` and `gallery.serving`."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from gallery import selectors
from gallery.links import content_type_of, stored_extension
from gallery.serving import file_response
from pichosting.access import Capability, require_capability


@require_capability(Capability.VIEW)
def albums(request: HttpRequest) -> HttpResponse:
    return render(request, "gallery/albums.html", {"albums": selectors.album_list()})


@require_capability(Capability.VIEW, status_only=True)
def original_file(request: HttpRequest, image_id: int, sha: str, ext: str) -> HttpResponse:
    image = selectors.image_for_file(image_id=image_id, sha=sha)
    if stored_extension(image.file.name) != ext:
        raise Http404("No such file.")
    return file_response(request, name=image.file.name, content_type=content_type_of(image.file.name))


@require_capability(Capability.VIEW, status_only=True)
def original_download(request: HttpRequest, image_id: int, sha: str) -> HttpResponse:
    image = selectors.image_for_file(image_id=image_id, sha=sha)
    return file_response(
        request,
        name=image.file.name,
        content_type=content_type_of(image.file.name),
        attachment_name=image.original_name,
    )


@require_capability(Capability.VIEW, status_only=True)
def thumbnail_file(request: HttpRequest, image_id: int, sha: str, size: int, ext: str) -> HttpResponse:
    thumbnail = selectors.thumbnail_for_file(image_id=image_id, sha=sha, size=size, extension=ext)
    return file_response(request, name=thumbnail.file.name, content_type=content_type_of(thumbnail.file.name))
