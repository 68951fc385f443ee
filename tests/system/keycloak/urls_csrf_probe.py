"""The project's URLs plus one unsafe JSON operation behind the API's own authentication list (CSRF test)."""

from django.urls import path
from ninja import NinjaAPI

from pichosting.api import api
from pichosting.urls import urlpatterns as project_urlpatterns

probe = NinjaAPI(auth=api.auth, urls_namespace="csrf-probe", docs_url=None, openapi_url=None)


@probe.api_operation(["GET", "POST"], "/echo")
def echo(request) -> dict:
    return {"user": request.auth.get_username()}


urlpatterns = [path("csrf-probe/", probe.urls), *project_urlpatterns]
