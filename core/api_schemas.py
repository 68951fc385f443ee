"""Schemas shared by every app's JSON views: the error shape, and the errors every operation documents."""

from http import HTTPStatus

from ninja import Field, Schema
from pydantic import ConfigDict

# Largest row id (BigAutoField): id and cursor parameters are bounded by it, so no lookup overflows.
ID_MAX = 2**63 - 1


class BodyIn(Schema):
    """A JSON request body: a key the schema does not name is refused (400), and the document says so."""

    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Schema):
    code: str = Field(min_length=1, examples=["not_found"])
    message: str = Field(min_length=1)


class ErrorOut(Schema):
    """`{"error": {"code", "message"}}`: the body of every 4xx/5xx answer of the API."""

    error: ErrorDetail


ERROR_DESCRIPTIONS = {
    400: "Invalid request: a parameter or the body is wrong (the message names it).",
    401: "Not authenticated (code `not_authenticated`, whatever the method: checked before CSRF), or the "
    "bearer token is invalid (`invalid_token`), or the `Authorization` header is not `Bearer <token>` "
    "(`malformed_authorization`, even with a session cookie).",
    403: "Authenticated, but without the capability this operation needs (`forbidden`), or a signed-in "
    "session cookie without its CSRF token on POST/PUT/PATCH/DELETE (`csrf_failed`).",
    404: "No such album, article or photo.",
    503: "Temporarily unavailable (`unavailable`): the database cannot be reached; `Retry-After` says when "
    "to try again.",
}
ERROR_RESPONSES = {status: ErrorOut for status in ERROR_DESCRIPTIONS}

_REF = "#/components/schemas/{model}"


NUL_FREE = "^[^\\u0000]*$"  # pichosting.middleware.nul_refusing answers 400 to any text holding NUL


def nul_free_strings(node):
    """Declare, on every plain string schema of the document, that it holds no NUL character (refused)."""
    if isinstance(node, dict):
        if node.get("type") == "string" and not {"pattern", "format", "enum", "const"} & node.keys():
            node["pattern"] = NUL_FREE
        for value in node.values():
            nul_free_strings(value)
    elif isinstance(node, list):
        for value in node:
            nul_free_strings(value)
    return node


def errors_documented(document: dict) -> dict:
    """Add the 401/403 (authenticated operations), 400 (operations taking input) and 503 (all) answers."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template=_REF)
    schemas.update(error_schema.pop("$defs", {}))
    schemas.setdefault("ErrorOut", error_schema)
    error = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorOut")}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            statuses = [503]
            if operation.get("security"):
                statuses += [401, 403]
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.append(400)
            # ninja keys responses by int, JSON by text: one key per status, else the document repeats it
            responses = operation["responses"] = {
                str(key): value for key, value in operation["responses"].items()
            }
            for status in statuses:
                answer = responses.setdefault(str(status), {"content": error})
                if answer.get("description", HTTPStatus(status).phrase) == HTTPStatus(status).phrase:
                    answer["description"] = ERROR_DESCRIPTIONS[status]
    return nul_free_strings(document)
