"""Error pages that explain what happened instead of showing internals."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.roles import role_descriptions


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"message": message, "roles": role_descriptions()}, status=403)
