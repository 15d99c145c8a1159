"""The responses a fired fault sends instead of (or made from) the normal one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .faults import FaultEffect
from .responses import JSON, ApiError, ApiFamily, Response, error_response, json_response


def status_response(effect: FaultEffect, family: ApiFamily) -> Response:
    """Return the injected error: the documented body for the status, none for 429.

    :param effect: a ``status`` effect.
    :param family: the path's error body shape.
    """
    status = effect.status or 500
    if status == 429:
        return Response(429, headers={"X-Retry-After": "1"} if effect.rate_limit_headers else {})
    return error_response(family, ApiError(status))


def truncated(response: Response) -> Response:
    """Return a 200 whose JSON body stops halfway (an empty body becomes ``[{``).

    :param response: the response that would have been sent.
    """
    body = response.body[: len(response.body) // 2] if response.body else b"[{"
    return Response(200, body, JSON)


def with_repeated_items(current: Response, previous: Response, count: int) -> Response | None:
    """Return page N started ``count`` items early, so it repeats the end of page N-1.

    This is what offset pagination serves when ``count`` items are inserted before the
    page between the two requests. The pagination ``meta`` stays that of page N, except
    its ``count``.

    :param current: page N as normally served.
    :param previous: page N-1 of the same request.
    :param count: how many items to repeat.
    :returns: the shifted page, or ``None`` when the responses are no list pages or page
        N-1 has nothing to repeat.
    """
    current_page, previous_page = _list_page(current), _list_page(previous)
    if current_page is None or previous_page is None or not _items(previous_page):
        return None
    previous_items, current_items = _items(previous_page), _items(current_page)
    repeat = min(count, len(previous_items))
    page_size = max(len(previous_items), len(current_items))
    items = previous_items[-repeat:] + current_items[: page_size - repeat]
    if isinstance(current_page, list):
        return json_response(items)
    current_page["data"] = items
    current_page["meta"]["pagination"]["count"] = len(items)
    return json_response(current_page)


def with_malformed_items(response: Response, items: Mapping[str, Any]) -> Response | None:
    """Return a list page whose listed items are malformed, or ``None`` when it holds none of them.

    An item is found by its ``id`` (a tree category by its ``category_id``). A JSON object's
    fields are merged into it (with any type: a price that is a string, images that are no
    list); any other value takes its place (a string, ``null``, a list).

    :param response: the page as normally served.
    :param items: what each item becomes, by item ID.
    """
    page = _list_page(response)
    if page is None:
        return None
    changed = False
    served = []
    for item in _items(page):
        key = str(item.get("id", item.get("category_id"))) if isinstance(item, dict) else None
        if key in items:
            replacement = items[key]
            item = {**item, **replacement} if isinstance(replacement, dict) else replacement
            changed = True
        served.append(item)
    if not changed:
        return None
    if isinstance(page, list):
        return json_response(served)
    page["data"] = served
    return json_response(page)


def _list_page(response: Response) -> list[object] | dict[str, Any] | None:
    """Decode a v2 list page (204 is empty) or a v3 collection page.

    :param response: a response.
    :returns: the decoded page, or ``None`` for any other response.
    """
    if response.status == 204:
        return []
    if response.status != 200 or response.content_type != JSON:
        return None
    payload = json.loads(response.body)
    if isinstance(payload, list):
        return payload
    is_collection = isinstance(payload.get("data"), list) and "pagination" in payload.get("meta", {})
    return payload if is_collection else None


def _items(page: list[object] | dict[str, Any]) -> list[object]:
    """Return the items of a decoded list page.

    :param page: from :func:`_list_page`.
    """
    return page if isinstance(page, list) else page["data"]
