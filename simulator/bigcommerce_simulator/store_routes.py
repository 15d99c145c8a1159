"""Store information and time (v2), channels and sites (v3)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from .api_request import ApiRequest
from .filters import BOOL, DATE, INT, TEXT, custom, on_day, ops, text_list
from .listing import ListSpec, find, v3_list, v3_single
from .responses import ApiError, Response, json_response
from .store_state import StoreState
from .storefront import SITE_ID, site, site_routes

CHANNEL_INCLUDES = frozenset({"currencies"})
UNAVAILABLE_STATUSES = frozenset({"archived", "deleted", "terminated"})


def _available(item: Mapping[str, Any], wanted: bool) -> bool:
    """A channel is available for integration unless archived, deleted or terminated.

    :param item: a channel.
    :param wanted: the ``available`` value.
    """
    return (item.get("status") not in UNAVAILABLE_STATUSES) == wanted


CHANNEL_LIST = ListSpec(
    {
        "available": custom(_available, BOOL),
        **ops("status", TEXT, "in"),
        **ops("type", TEXT, "in"),
        **ops("platform", TEXT, "in"),
        "date_created": on_day("date_created"),
        **ops("date_created", DATE, "min", "max"),
        "date_modified": on_day("date_modified"),
        **ops("date_modified", DATE, "min", "max"),
    },
    field_selection=False,
)
SITE_LIST = ListSpec(
    {
        **ops("channel_id", INT, "in"),
        "url_type:in": custom(
            lambda item, types: any(url["type"] in types for url in item["urls"]), text_list
        ),
    },
    field_selection=False,
)
ROUTE_LIST = ListSpec({**ops("type", TEXT, "")}, field_selection=False)
PLAIN = ListSpec(field_selection=False)


def get_store(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/store``."""
    return json_response(store.store_information())


def get_time(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/time``."""
    return json_response({"time": int(time.time())})


def _channels(store: StoreState, request: ApiRequest) -> list[dict[str, object]]:
    """Return the channels, with ``currencies`` when included.

    :raises ApiError: 422 for an undocumented ``include`` value.
    """
    include = set(request.query.csv("include"))
    if include - CHANNEL_INCLUDES:
        raise ApiError(
            422, "The filter(s) are not valid.", errors={"include": "only 'currencies' may be included"}
        )
    channels = store.channels()
    if include:
        for channel in channels:
            currencies = {
                "channel_id": channel["id"],
                "enabled_currencies": ["USD"],
                "default_currency": "USD",
            }
            channel["currencies"] = currencies
    return channels


def list_channels(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/channels``."""
    return json_response(
        v3_list(_channels(store, request), request.query, CHANNEL_LIST, store.spec.limit_overflow)
    )


def get_channel(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/channels/{channel_id}``."""
    channel = find(_channels(store, request), request.arg(0))
    return json_response(v3_single(channel, request.query, PLAIN, "The requested channel was not found."))


def _site(store: StoreState) -> dict[str, object]:
    return site(str(store.store_information()["domain"]))


def list_sites(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/sites``: the standard pagination plus the documented ``offset``/``limit``/``total_items``."""
    body = v3_list([_site(store)], request.query, SITE_LIST, store.spec.limit_overflow)
    pagination: dict[str, Any] = body["meta"]["pagination"]  # type: ignore[index]
    pagination.update(
        offset=(pagination["current_page"] - 1) * pagination["per_page"],
        limit=pagination["per_page"],
        total_items=pagination["total"],
    )
    return json_response(body)


def _site_or_404(store: StoreState, request: ApiRequest) -> dict[str, object]:
    if request.arg(0) != SITE_ID:
        raise ApiError(404, "The requested site was not found.")
    return _site(store)


def get_site(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/sites/{site_id}``."""
    return json_response({"data": _site_or_404(store, request), "meta": {}})


def get_channel_site(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/channels/{channel_id}/site``."""
    if request.arg(0) != 1:
        raise ApiError(404, "The requested channel was not found.")
    return json_response({"data": _site(store), "meta": {}})


def list_site_routes(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/sites/{site_id}/routes``."""
    _site_or_404(store, request)
    return json_response(v3_list(site_routes(), request.query, ROUTE_LIST, store.spec.limit_overflow))


def get_site_route(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/sites/{site_id}/routes/{route_id}``."""
    _site_or_404(store, request)
    route = find(site_routes(), request.arg(1))
    return json_response(v3_single(route, request.query, PLAIN, "The requested route was not found."))
