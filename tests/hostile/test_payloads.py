"""Generated BigCommerce payloads: items of wrong shapes and types, and list pages that lie.

An item either becomes a document the search index can hold (every field of the type its
mapping says) or is refused with a ``DocumentError`` naming the item and the field, which the
import records before going on. A list page that is not what the paging relies on raises a
``BigCommerceError`` naming the endpoint and what is wrong. Nothing else is ever raised.
"""

from __future__ import annotations

import copy
import re
import time
from typing import Any

import orjson
from hypothesis import example, given
from hypothesis import strategies as st

from bigcommerce_sync import extraction
from bigcommerce_sync.documents import (
    DocumentError,
    blog_post_document,
    category_document,
    fingerprinted,
    page_document,
    product_document,
)
from bigcommerce_sync.hooks.bigcommerce import BigCommerceError, BigCommerceHook, _detail
from bigcommerce_sync.index_definitions import index_body
from bigcommerce_sync.sync_types import Entity
from tests.hostile.conftest import Refused, examples, judge
from tests.hostile.strategies import DECODED_JUNK, HUGE_TEXT, TEXT

SURFACE = "BigCommerce payloads"
MAX_MESSAGE = 400

PRODUCT = {
    "id": 111,
    "name": "Café Hoodie",
    "sku": "HD-1",
    "type": "physical",
    "description": "<p>Warm &amp; <strong>soft</strong></p>",
    "categories": [3, 4],
    "brand_id": 7,
    "price": 40.0,
    "sale_price": 35.0,
    "calculated_price": 35.0,
    "is_visible": True,
    "availability": "available",
    "inventory_level": 5,
    "custom_url": {"url": "/cafe-hoodie/", "is_customized": False},
    "meta_keywords": ["hoodie", "warm"],
    "date_modified": "2026-11-20T10:00:00+00:00",
    "variants": [
        {
            "id": 1,
            "sku": "HD-1-S",
            "calculated_price": 35.0,
            "inventory_level": 2,
            "option_values": [{"option_display_name": "Size", "label": "S"}],
        }
    ],
    "images": [{"url_standard": "a.jpg", "url_thumbnail": "at.jpg", "is_thumbnail": True, "sort_order": 1}],
    "primary_image": {"url_thumbnail": "at.jpg"},
    "custom_fields": [{"id": 1, "name": "Material", "value": "Cotton"}],
}
CATEGORY = {
    "category_id": 5,
    "tree_id": 1,
    "parent_id": 1,
    "name": "Hoodies",
    "description": "<p>Warm</p>",
    "url": {"path": "/c/h/"},
    "is_visible": True,
    "meta_keywords": ["hoodies"],
    "page_title": "Hoodies",
}
PAGE = {"id": 3, "name": "About", "type": "page", "body": "<h1>About</h1>", "url": "/about/", "channel_id": 1}
POST = {
    "id": 9,
    "title": "Winter",
    "body": "<p>Hi</p>",
    "tags": ["news"],
    "is_published": True,
    "published_date_iso8601": "2018-05-18T13:26:42+0000",
}
MAPPINGS = {entity: index_body(entity, {})["mappings"]["properties"] for entity in Entity}
BUILDERS = {
    "product": (lambda p: product_document(p, {7: "Acme"}, {3: "Tops"}), PRODUCT, "id", Entity.PRODUCTS),
    "category": (
        fingerprinted(lambda c: category_document(c, [CATEGORY, c])),
        CATEGORY,
        "category_id",
        Entity.CATEGORIES,
    ),
    "page": (fingerprinted(page_document), PAGE, "id", Entity.PAGES),
    "blog post": (fingerprinted(blog_post_document), POST, "id", Entity.BLOG_POSTS),
}


def paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every path into a JSON value: keys and list positions."""
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        return found + [p for key, item in value.items() for p in paths(item, (*prefix, key))]
    if isinstance(value, list):
        return found + [p for i, item in enumerate(value) for p in paths(item, (*prefix, i))]
    return found


def replaced(value: Any, path: tuple, new: Any) -> Any:
    value = copy.deepcopy(value)
    *parents, last = path
    target = value
    for step in parents:
        target = target[step]
    target[last] = new
    return target if not path else value


JUNK = DECODED_JUNK | HUGE_TEXT | st.sampled_from(["12.50", "free", "true", "", "2026-13-45", [], {}])


@st.composite
def items(draw) -> tuple[str, Any, set[str]]:
    """An item of a kind: valid but for up to three fields (at any depth), or junk altogether."""
    kind = draw(st.sampled_from(sorted(BUILDERS)))
    valid = BUILDERS[kind][1]
    if draw(st.integers(0, 9)) == 0:
        return kind, draw(DECODED_JUNK), set()
    item, touched = copy.deepcopy(valid), set()
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from([*paths(item), ("new field",)]))
        if not where or not _reachable(item, where):
            continue
        if draw(st.booleans()) and len(where) == 1 and where[0] in item:
            del item[where[0]]
        else:
            item = replaced(item, where, draw(JUNK))
        touched.add(str(where[0]))
    return kind, item, touched


def _reachable(item: Any, path: tuple) -> bool:
    target = item
    for step in path[:-1]:
        if isinstance(target, dict) and step in target or isinstance(target, list) and step < len(target):
            target = target[step]
        else:
            return False
    return isinstance(target, dict | list) and (isinstance(target, dict) or path[-1] < len(target))


def check_document(document: dict[str, Any], properties: dict[str, Any], where: str = "") -> None:
    """Every mapped field holds what its mapping type can index."""
    for name, mapping in properties.items():
        if name not in document:
            continue
        value = document[name]
        values = value if isinstance(value, list) else [value]
        for one in values:
            if one is None:
                continue
            path = f"{where}{name}"
            if "properties" in mapping:
                assert isinstance(one, dict), path
                check_document(one, mapping["properties"], f"{path}.")
                continue
            kind = mapping["type"]
            if kind in ("long", "integer"):
                assert type(one) is int and -(2**63) <= one < 2**63, (path, one)
            elif kind == "double":
                assert isinstance(one, int | float) and not isinstance(one, bool), (path, one)
            elif kind == "boolean":
                assert isinstance(one, bool), (path, one)
            else:  # text, keyword, date
                assert isinstance(one, str), (path, one)


@given(case=items())
@example(case=("product", {**PRODUCT, "price": "12.50"}, {"price"}))
@example(case=("product", {**PRODUCT, "images": "none"}, {"images"}))
@example(case=("product", {**PRODUCT, "images": [{"sort_order": "a"}, {"sort_order": 1}]}, {"images"}))
@example(case=("product", {**PRODUCT, "brand_id": [7]}, {"brand_id"}))
@example(case=("product", {**PRODUCT, "custom_fields": [{"name": [1], "value": 2}]}, {"custom_fields"}))
@example(case=("product", {**PRODUCT, "is_visible": "false"}, {"is_visible"}))
@example(case=("product", {**PRODUCT, "categories": 5}, {"categories"}))
@example(case=("product", {**PRODUCT, "id": 2**64 - 1}, {"id"}))
@example(case=("category", {**CATEGORY, "tree_id": 2**64 - 1}, {"tree_id"}))
@example(case=("page", {**PAGE, "body": "<" * 200_000}, {"body"}))
@example(case=("blog post", {**POST, "published_date_iso8601": ["2018"]}, {"published_date_iso8601"}))
@example(case=("blog post", "not an object", set()))
def test_an_item_becomes_a_document_or_is_refused_naming_its_field(case):
    kind, item, touched = case
    build, _, id_key, entity = BUILDERS[kind]
    started = time.monotonic()

    result = judge(SURFACE, lambda: build(item), DocumentError)

    assert time.monotonic() - started < 2, "a document must be built in linear time"
    if isinstance(result, Refused):
        message = result.message
        assert message.startswith(kind), message
        assert len(message) <= MAX_MESSAGE, message[:200]
        if isinstance(item, dict) and re.match(rf"{kind} \d+: ", message):
            named = re.search(r"'([^'\[\].]+)[^']*'|(published_date_iso8601)", message)
            assert named, f"names no field: {message}"
            assert (named.group(1) or named.group(2)) in touched | {"name", "title"}, message
    else:
        check_document(result, MAPPINGS[entity])
        assert orjson.loads(orjson.dumps(result))["id"] == item[id_key]


class PagedHook(BigCommerceHook):
    """The real hook's paging, over list pages handed to it instead of fetched."""

    def __init__(self, bodies: list[Any]) -> None:
        super().__init__("bigcommerce_hostile")
        self.bodies = bodies
        self.requests = 0

    def get_conn(self, headers=None, extra_options=None):
        self.base_url = "https://api.bigcommerce.com/stores/hostile"
        return None

    def get_json(self, session, endpoint, params):
        self.requests += 1
        assert self.requests <= len(self.bodies) + 3, "the hook kept asking for pages past the listing"
        page = params.get("page", 1)
        empty = [] if endpoint.startswith("v2/") else {"data": [], "meta": {"pagination": {"total": 0}}}
        return self.bodies[page - 1] if page <= len(self.bodies) else empty


COUNTS = st.integers(0, 3) | st.integers(-5, 10**18) | DECODED_JUNK
PAGINATION = st.fixed_dictionaries(
    {},
    optional={
        "total": COUNTS,
        "total_pages": COUNTS,
        "count": COUNTS,
        "links": st.fixed_dictionaries({}, optional={"next": TEXT, "current": TEXT}) | DECODED_JUNK,
    },
)
V3_BODIES = st.one_of(
    st.fixed_dictionaries(
        {"data": st.lists(DECODED_JUNK, min_size=1, max_size=3) | DECODED_JUNK},
        optional={
            "meta": st.fixed_dictionaries({}, optional={"pagination": PAGINATION | DECODED_JUNK})
            | DECODED_JUNK
        },
    ),
    DECODED_JUNK,
)


@examples(0.5)
@given(bodies=st.lists(V3_BODIES, min_size=1, max_size=3))
@example(bodies=[{"data": [{}], "meta": []}])
@example(bodies=[{"data": [{}], "meta": {"pagination": {"total": "12", "links": {"next": "?page=2"}}}}])
@example(
    bodies=[{"data": [{}], "meta": {"pagination": {"total_pages": 10**18, "links": {"next": "?page=2"}}}}]
)
@example(bodies=[{"data": [{}], "meta": {"pagination": {"links": 5, "total_pages": 2}}}])
def test_a_v3_listing_is_read_or_refused_naming_what_is_wrong(bodies):
    hook = PagedHook(bodies)

    pages = judge(SURFACE, lambda: list(hook.iter_v3_pages("catalog/products")), BigCommerceError)

    if isinstance(pages, Refused):
        assert "v3/catalog/products" in pages.message
        assert "'data' list" in pages.message or "meta.pagination" in pages.message, pages.message
        assert len(pages.message) <= MAX_MESSAGE
    else:
        assert all(isinstance(page, list) for page in pages)
        assert all(page.total is None or (type(page.total) is int and page.total >= 0) for page in pages)


@examples(0.25)
@given(bodies=st.lists(DECODED_JUNK | st.lists(DECODED_JUNK, max_size=3), min_size=1, max_size=3))
def test_a_v2_listing_is_read_or_refused_naming_what_is_wrong(bodies):
    pages = judge(SURFACE, lambda: list(PagedHook(bodies).iter_v2_pages("blog/posts")), BigCommerceError)

    if isinstance(pages, Refused):
        assert "v2/blog/posts" in pages.message or "blog/posts" in pages.message, pages.message
    else:
        assert all(isinstance(page, list) for page in pages)


@examples(0.25)
@given(body=DECODED_JUNK | st.fixed_dictionaries({"time": DECODED_JUNK, "count": DECODED_JUNK}))
@example(body={"time": 10**18})
@example(body={"time": -1})
def test_single_answers_are_read_or_refused(body):
    hook = PagedHook([body])

    for read in (
        hook.server_time,
        lambda: hook.count_v2("blog/posts"),
        lambda: hook.get_v3_data("catalog/trees/1"),
    ):
        hook.requests = 0
        judge(SURFACE, read, BigCommerceError)


@examples(0.25)
@given(text=TEXT | DECODED_JUNK.map(lambda d: orjson.dumps(d).decode()) | HUGE_TEXT)
@example(text="[" * 100_000)
@example(text='{"title": "' + "x" * 10_000 + '"}')
def test_an_error_body_of_any_shape_gets_a_short_description(text):
    import requests

    response = requests.Response()
    response.status_code, response.reason, response._content = 500, "Internal Server Error", text.encode()

    detail = judge(SURFACE, lambda: _detail(response), ())

    assert isinstance(detail, str) and len(detail) <= 210


class TreeHook:
    """What the category and product streams read first (trees, brands, categories), handed over."""

    def __init__(self, pages: dict[str, list[Any]], nodes: list[Any]) -> None:
        self.pages, self.nodes = pages, nodes

    def iter_v3_pages(self, path, params=None, **_):
        from bigcommerce_sync.hooks.bigcommerce import Page

        yield Page(self.pages.get(path, []), len(self.pages.get(path, [])))

    def get_v3_data(self, path, params=None):
        return self.nodes


@examples(0.5)
@given(
    categories=st.lists(
        st.fixed_dictionaries(
            {"category_id": st.integers(1, 5) | DECODED_JUNK, "name": st.just("C")},
            optional={"tree_id": st.just(1) | DECODED_JUNK, "parent_id": st.integers(0, 5) | DECODED_JUNK},
        )
        | DECODED_JUNK,
        max_size=6,
    ),
    brands=st.lists(
        st.fixed_dictionaries({"id": st.integers(1, 3) | DECODED_JUNK, "name": TEXT | DECODED_JUNK})
        | DECODED_JUNK,
        max_size=3,
    ),
    trees=st.lists(st.fixed_dictionaries({"id": st.just(1) | DECODED_JUNK}) | DECODED_JUNK, max_size=2),
    nodes=st.lists(
        st.fixed_dictionaries(
            {"id": st.integers(1, 5) | DECODED_JUNK, "name": TEXT}, optional={"children": DECODED_JUNK}
        )
        | DECODED_JUNK,
        max_size=3,
    ),
)
@example(
    categories=[{"category_id": [1], "tree_id": {}, "name": "C"}, "junk"],
    brands=[{"id": 1}],
    trees=["x"],
    nodes=[{"id": 1, "name": "n", "children": 5}],
)
def test_category_trees_and_brands_of_any_shape_never_stop_a_stream(categories, brands, trees, nodes):
    hook = TreeHook(
        {"catalog/trees/categories": categories, "catalog/brands": brands, "catalog/trees": trees}, nodes
    )

    def read_both() -> list[Any]:
        streams = [
            extraction.entity_stream(hook, Entity.CATEGORIES),
            extraction._product_stream(hook, iter([])),
        ]
        built = []
        for category in next(streams[0].pages):
            try:
                built.append(streams[0].to_document(category))
            except DocumentError as error:
                built.append(Refused(error))
        built.append(streams[1].to_document(PRODUCT))
        return built

    judge(SURFACE, read_both, ())
