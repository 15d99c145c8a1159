"""Web pages (``/v3/content/pages``, ``/v2/pages``), blog posts and tags (``/v2/blog/...``).

v2 lists are bare arrays, ``204 No Content`` when the page is empty; a missing v2 item is a
404 with the v2 error array.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from .api_request import ApiRequest
from .edited_catalog import EditedCatalog
from .filters import BOOL, INT, TEXT, custom, ops
from .listing import Item, ListSpec, select, v3_list
from .pagination import page_window, v2_page
from .responses import ApiError, Response, json_response
from .store_state import StoreState

PAGE_INCLUDES = frozenset({"body"})


def _name_or_body_like(item: Mapping[str, Any], word: str) -> bool:
    """``name:like`` on Pages v3 matches the name or the body.

    :param item: a page rendered with its body.
    :param word: the text looked for.
    """
    return word.strip("%").lower() in f"{item.get('name', '')} {item.get('body', '')}".lower()


def _published(raw: str) -> tuple[int, int]:
    """Return the ``published_date`` filter as a ``[start, end)`` Unix range.

    A bare date covers that UTC day; a timestamp is that second.

    :param raw: the parameter value.
    """
    text = raw.strip()
    if len(text) == 10:
        start = int(datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC).timestamp())
        return start, start + 86400
    moment = datetime.fromisoformat(text)
    second = int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())
    return second, second + 1


_published.__doc__ = "must be an ISO 8601 date or timestamp"


def _published_within(item: Mapping[str, Any], bounds: tuple[int, int]) -> bool:
    moment = datetime.strptime(str(item["published_date_iso8601"]), "%Y-%m-%dT%H:%M:%S%z").timestamp()
    return bounds[0] <= moment < bounds[1]


PAGE_LIST = ListSpec(
    {
        "channel_id": custom(lambda item, channel: item.get("channel_id", 1) == channel, INT),
        **ops("id", INT, "in"),
        **ops("name", TEXT, ""),
        "name:like": custom(_name_or_body_like),
    },
    field_selection=False,
)
BLOG_POST_LIST = ListSpec(
    {
        **ops("is_published", BOOL, ""),
        **ops("url", TEXT, ""),
        "tag": custom(lambda item, tag: tag in (item.get("tags") or ())),
        "published_date": custom(_published_within, _published),
    },
    field_selection=False,
)
V2_PAGE_LIST = ListSpec(field_selection=False)


def _page_include(request: ApiRequest) -> bool:
    """Read Pages v3 ``include``: only ``body`` is documented.

    :param request: the request.
    :raises ApiError: 422 for another value.
    """
    include = set(request.query.csv("include"))
    if include - PAGE_INCLUDES:
        raise ApiError(422, "Input is invalid", errors={"include": "only 'body' may be included"})
    return "body" in include


def list_pages_v3(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/content/pages``: ``body`` only with ``include=body``."""
    view = store.editor.view()
    with_body = _page_include(request)
    pages = [view.page_v3(index, include_body=True) for index in view.live("pages")]
    body = v3_list(pages, request.query, PAGE_LIST, store.spec.limit_overflow)
    if not with_body:
        for page in body["data"]:  # type: ignore[attr-defined]
            page.pop("body", None)
    return json_response(body)


def get_page_v3(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v3/content/pages/{pageId}``."""
    view = store.editor.view()
    with_body = _page_include(request)
    index = view.index_of("pages", request.arg(0))
    if index is None:
        raise ApiError(404, "The requested page was not found.")
    return json_response({"data": view.page_v3(index, include_body=with_body), "meta": {}})


def _blog_posts(view: EditedCatalog, request: ApiRequest) -> list[Item]:
    """Return the posts passing the filters, newest (highest ID) first."""
    posts = [view.blog_post(index) for index in view.live("blog_posts").reversed_order()]
    return select(posts, request.query, BLOG_POST_LIST)


def list_blog_posts(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/blog/posts``: a bare array, 204 when the page is empty."""
    posts = _blog_posts(store.editor.view(), request)
    window = page_window(request.query, store.spec.limit_overflow)
    return v2_page(range(len(posts)), window, posts.__getitem__)


def count_blog_posts(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/blog/posts/count``: the count of what the same filters list."""
    return json_response({"count": len(_blog_posts(store.editor.view(), request))})


def get_blog_post(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/blog/posts/{id}``."""
    view = store.editor.view()
    index = view.index_of("blog_posts", request.arg(0))
    if index is None:
        raise ApiError(404, "The requested resource was not found.")
    return json_response(view.blog_post(index))


def list_blog_tags(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/blog/tags``: each tag with the IDs of the posts that carry it, tags in name order."""
    view = store.editor.view()
    tags: dict[str, list[int]] = {}
    for index in view.live("blog_posts"):
        post = view.blog_post(index)
        for tag in post["tags"]:  # type: ignore[attr-defined]
            tags.setdefault(tag, []).append(int(post["id"]))  # type: ignore[call-overload]
    return json_response([{"tag": tag, "post_ids": ids} for tag, ids in sorted(tags.items())])


def list_pages_v2(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/pages``: a bare array with bodies, 204 when the page is empty."""
    view = store.editor.view()
    window = page_window(request.query, store.spec.limit_overflow)
    return v2_page(view.live("pages"), window, view.page_v2)


def get_page_v2(store: StoreState, request: ApiRequest) -> Response:
    """``GET /v2/pages/{id}``."""
    view = store.editor.view()
    index = view.index_of("pages", request.arg(0))
    if index is None:
        raise ApiError(404, "The requested resource was not found.")
    return json_response(view.page_v2(index))
