"""JSON bodies of the API: orjson for every answer, unvalidated answers for the large lists, strict queries.

ninja validates each answer against its operation's response schema and dumps it before rendering; for a
page of 500 photos with their thumbnails that costs more than reading them from the database. The list
endpoints build their bodies field by field from rows and answer with `json_answer`, which skips that step:
their schemas stay the documentation (OpenAPI), and tests check real answers against them (`model_validate`
and schemathesis).
"""

from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse
from django.utils.datastructures import MultiValueDict
from ninja.errors import ValidationError
from ninja.parser import Parser
from ninja.renderers import BaseRenderer
from ninja.responses import NinjaJSONEncoder

_fallback = NinjaJSONEncoder().default


def json_dumps(data: Any) -> bytes:
    """`data` as JSON (UTF-8, RFC 3339 datetimes); types orjson does not know go to ninja's own encoder."""
    return orjson.dumps(data, default=_fallback)


class OrjsonRenderer(BaseRenderer):
    media_type = "application/json"

    def render(self, request: HttpRequest, data: Any, *, response_status: int) -> bytes:
        return json_dumps(data)


def json_answer(data: Any) -> HttpResponse:
    """A 200 answer with `data` as its JSON body, not validated against the response schema (see above)."""
    return HttpResponse(json_dumps(data), content_type=OrjsonRenderer.media_type)


class SingleValueParser(Parser):
    """Query strings and forms: a parameter that takes one value, given more than once, is refused (400).

    ninja would keep the last value silently; the document declares such parameters as scalars.
    """

    def parse_querydict(self, data: MultiValueDict, list_fields: list[str], request: HttpRequest) -> dict:
        repeated = [key for key in data if key not in list_fields and len(data.getlist(key)) > 1]
        if repeated:
            raise ValidationError(
                [{"loc": (key,), "msg": "give this parameter once, not a list"} for key in repeated]
            )
        return super().parse_querydict(data, list_fields, request)
