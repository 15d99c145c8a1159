"""A store API request after authentication, and the shape of an endpoint handler."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .query import QueryParams
from .responses import ApiError, Response

if TYPE_CHECKING:
    from .store_state import StoreState


@dataclass(frozen=True)
class ApiRequest:
    """A store API request after authentication.

    :param api_path: the path below ``/stores/{store_hash}``.
    :param query: the query parameters.
    :param path_args: the route pattern's captured groups.
    :param body: the request body (empty for GET).
    """

    api_path: str
    query: QueryParams
    path_args: tuple[str, ...]
    body: bytes = b""

    def arg(self, position: int) -> int:
        """Return a numeric path segment, e.g. the product ID of ``/catalog/products/12``.

        :param position: index into :attr:`path_args`.
        """
        return int(self.path_args[position])

    def json_body(self) -> dict[str, Any]:
        """Return the body as a JSON object.

        :raises ApiError: 422 when the body is not a JSON object.
        """
        try:
            payload = json.loads(self.body or b"null")
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise ApiError(422, "JSON data is missing or invalid", errors={"body": "must be a JSON object"})
        return payload


Handler = Callable[["StoreState", ApiRequest], Response]
