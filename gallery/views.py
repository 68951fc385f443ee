"""Gallery pages: thin views over `gallery.selectors`."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from gallery.selectors import album_list
from pichosting.access import Capability, require_capability


@require_capability(Capability.VIEW)
def albums(request: HttpRequest) -> HttpResponse:
    return render(request, "gallery/albums.html", {"albums": album_list()})
