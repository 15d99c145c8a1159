"""HTTP responses and the documented BigCommerce error body shapes.

Error bodies follow the reference (section 9): v3 JSON objects (the category trees wrap
their 422 as ``{"errors": {...}, "meta": {...}}``), Pages v3 ``application/problem+json``
objects, and v2 JSON arrays.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import Enum
from http import HTTPStatus

STATUS_CODES_TYPE = "/api-docs/getting-started/api-status-codes"
JSON = "application/json"
PROBLEM_JSON = "application/problem+json"


@dataclass
class Response:
    """An HTTP response ready to be written.

    :param status: HTTP status code.
    :param body: the encoded body (empty for 204 and 429).
    :param content_type: the ``Content-Type``, or ``None`` without a body.
    :param headers: extra headers.
    """

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: dict[str, str] = field(default_factory=dict)


def json_response(payload: object, status: int = 200, content_type: str = JSON) -> Response:
    """Encode ``payload`` as compact UTF-8 JSON.

    :param payload: any JSON-serialisable value.
    :param status: HTTP status code.
    :param content_type: the media type to announce.
    """
    body = json.dumps(payload, separators=(",", ":")).encode()
    return Response(status, body, content_type)


class ApiFamily(Enum):
    """Which error body shape a path uses."""

    V3 = "v3"
    V3_TREES = "v3-trees"
    V3_PROBLEM = "v3-problem"
    V2 = "v2"

    @classmethod
    def for_path(cls, api_path: str) -> ApiFamily:
        """Return the family of a path below the store prefix, e.g. ``/v3/content/pages``.

        :param api_path: the path after ``/stores/{store_hash}``.
        """
        if api_path.startswith("/v2/"):
            return cls.V2
        if api_path.startswith("/v3/content/pages"):
            return cls.V3_PROBLEM
        if api_path.startswith("/v3/catalog/trees"):
            return cls.V3_TREES
        return cls.V3


class ApiError(Exception):
    """An error a route reports; the server renders it in the path's error shape.

    :param status: HTTP status code.
    :param title: the human-readable title (v3) or message (v2).
    :param detail: optional v3 ``detail`` text.
    :param errors: optional per-field messages.
    """

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        errors: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title or HTTPStatus(status).phrase)
        self.status = status
        self.title = title or HTTPStatus(status).phrase
        self.detail = detail
        self.errors = errors


def error_response(family: ApiFamily, error: ApiError) -> Response:
    """Render ``error`` in the body shape of ``family``.

    :param family: which API the failed request addressed.
    :param error: status, title and details.
    """
    if family is ApiFamily.V2:
        return json_response([{"status": error.status, "message": error.title}], error.status)
    body: dict[str, object] = {"status": error.status, "title": error.title, "type": STATUS_CODES_TYPE}
    if error.detail is not None:
        body["detail"] = error.detail
    if family is ApiFamily.V3_PROBLEM:
        if error.errors is not None:
            body["errors"] = [f"{key}: {message}" for key, message in error.errors.items()]
        return json_response(body, error.status, PROBLEM_JSON)
    if error.errors is not None:
        body["errors"] = error.errors
    if family is ApiFamily.V3_TREES and error.status == 422:
        # The category trees spec wraps its 422 like a batch result.
        wrapped = {
            "errors": {**body, "errors": error.errors or {}},
            "meta": {"total": 0, "success": 0, "failed": 0},
        }
        return json_response(wrapped, error.status)
    return json_response(body, error.status)
