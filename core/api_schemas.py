"""Schemas shared by every app's JSON views: the error shape, and the errors every operation documents."""

from ninja import Field, Schema


class ErrorDetail(Schema):
    code: str = Field(min_length=1, examples=["not_found"])
    message: str = Field(min_length=1)


class ErrorOut(Schema):
    """`{"error": {"code", "message"}}`: the body of every 4xx/5xx answer of the API."""

    error: ErrorDetail


ERROR_DESCRIPTIONS = {
    400: "Invalid request: a parameter or the body is wrong (the message names it).",
    401: "Not authenticated, or the bearer token is invalid.",
    403: "Authenticated, but without the capability this operation needs.",
    404: "No such album, article or photo.",
}
ERROR_RESPONSES = {status: ErrorOut for status in ERROR_DESCRIPTIONS}

_REF = "#/components/schemas/{model}"


def errors_documented(document: dict) -> dict:
    """Add the 401/403 (authenticated operations) and 400 (operations taking input) answers to `document`."""
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorOut.model_json_schema(ref_template=_REF)
    schemas.update(error_schema.pop("$defs", {}))
    schemas.setdefault("ErrorOut", error_schema)
    error = {"application/json": {"schema": {"$ref": _REF.format(model="ErrorOut")}}}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            statuses = []
            if operation.get("security"):
                statuses += [401, 403]
            if operation.get("parameters") or operation.get("requestBody"):
                statuses.append(400)
            for status in statuses:
                operation["responses"].setdefault(
                    str(status), {"description": ERROR_DESCRIPTIONS[status], "content": error}
                )
    return document
