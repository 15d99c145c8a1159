"""Offset pagination for v3 envelopes and v2 bare arrays (reference sections 2 and 3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from .query import QueryParams
from .responses import ApiError, Response, json_response

DEFAULT_LIMIT = 50
MAX_LIMIT = 250
LIMIT_OVERFLOW_MODES = ("clamp", "413")


@dataclass(frozen=True)
class PageWindow:
    """The requested page and the effective page size.

    :param page: 1-based page number.
    :param per_page: effective ``limit``.
    """

    page: int
    per_page: int

    def slice(self, total: int) -> range:
        """Return the positions of this page's items within a result of ``total`` items.

        :param total: size of the whole result.
        """
        start = min((self.page - 1) * self.per_page, total)
        return range(start, min(start + self.per_page, total))


def page_window(query: QueryParams, limit_overflow: str = "clamp", cap: int | None = None) -> PageWindow:
    """Read ``page`` and ``limit`` from a request.

    :param query: the request parameters.
    :param limit_overflow: ``"clamp"`` to serve at most 250 items, ``"413"`` to reject larger limits.
    :param cap: a lower endpoint-specific maximum (e.g. 10 with ``include=options``).
    :raises ApiError: 422 for non-integers, 413 for a limit above 250 in ``"413"`` mode.
    """
    page = max(1, query.integer("page", 1))
    limit = max(1, query.integer("limit", DEFAULT_LIMIT))
    if limit > MAX_LIMIT:
        if limit_overflow == "413":
            raise ApiError(
                413, "The limit is too high.", detail=f"limit must not exceed {MAX_LIMIT}.", errors={}
            )
        limit = MAX_LIMIT
    if cap is not None:
        limit = min(limit, cap)
    return PageWindow(page, limit)


def v3_collection(
    items: Sequence[int], window: PageWindow, query: QueryParams, render: Callable[[int], object]
) -> dict[str, object]:
    """Build a v3 ``{"data", "meta": {"pagination"}}`` envelope for one page.

    :param items: the whole result, as item indexes in response order.
    :param window: the page to return.
    :param query: the request parameters, repeated in the links.
    :param render: turns an item index into its API object.
    """
    total = len(items)
    data = [render(items[position]) for position in window.slice(total)]
    total_pages = -(-total // window.per_page)
    links = {"current": _link(query, window.per_page, window.page)}
    if window.page > 1 and total:
        links["previous"] = _link(query, window.per_page, window.page - 1)
    if window.page < total_pages:
        links["next"] = _link(query, window.per_page, window.page + 1)
    pagination = {
        "total": total,
        "count": len(data),
        "per_page": window.per_page,
        "current_page": window.page,
        "total_pages": total_pages,
        "links": links,
    }
    return {"data": data, "meta": {"pagination": pagination}}


def v2_page(items: Sequence[int], window: PageWindow, render: Callable[[int], object]) -> Response:
    """Return one v2 page as a bare JSON array, or ``204 No Content`` when it is empty.

    :param items: the whole result, as item indexes in response order.
    :param window: the page to return.
    :param render: turns an item index into its API object.
    """
    data = [render(items[position]) for position in window.slice(len(items))]
    return json_response(data) if data else Response(204)


def _link(query: QueryParams, per_page: int, page: int) -> str:
    """Return a relative link repeating the request parameters, e.g. ``?include=images&limit=2&page=3``.

    :param query: the request parameters.
    :param per_page: the effective limit.
    :param page: the target page.
    """
    pairs = [(name, value) for name, value in query.pairs if name not in ("page", "limit")]
    pairs += [("limit", str(per_page)), ("page", str(page))]
    return "?" + urlencode(pairs, safe=":,")
