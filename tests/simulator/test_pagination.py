"""Pagination of v3 envelopes and v2 arrays, as the reference (sections 2 and 3) describes it."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest

from tests.simulator.support import BASE_CATALOG, StoreApi

V3_COLLECTIONS = {
    "/v3/catalog/products": ("id", BASE_CATALOG.products),
    "/v3/catalog/trees/categories": ("category_id", BASE_CATALOG.categories),
    "/v3/catalog/categories": ("id", BASE_CATALOG.categories),
    "/v3/catalog/brands": ("id", BASE_CATALOG.brands),
    "/v3/content/pages": ("id", BASE_CATALOG.pages),
    "/v3/catalog/trees": ("id", 1),
    "/v3/channels": ("id", 1),
}


def pagination(body: dict) -> dict:
    return body["meta"]["pagination"]


def test_empty_store_answers_an_empty_envelope_with_only_a_current_link(api: StoreApi):
    body = api.json("empty1", "/v3/catalog/products")

    assert body["data"] == []
    assert pagination(body) == {
        "total": 0,
        "count": 0,
        "per_page": 50,
        "current_page": 1,
        "total_pages": 0,
        "links": {"current": "?limit=50&page=1"},
    }


@pytest.mark.parametrize(
    "path", ["/v3/catalog/trees/categories", "/v3/catalog/brands", "/v3/content/pages", "/v3/hooks"]
)
def test_other_empty_collections_are_empty_envelopes(api: StoreApi, path: str):
    body = api.json("empty1", path)

    assert body["data"] == [] and pagination(body)["total"] == 0
    assert set(pagination(body)["links"]) == {"current"}


def test_exactly_one_page_has_neither_previous_nor_next(api: StoreApi):
    body = api.json("exact1", "/v3/catalog/products")

    meta = pagination(body)
    assert (meta["total"], meta["count"], meta["per_page"], meta["total_pages"]) == (50, 50, 50, 1)
    assert meta["links"] == {"current": "?limit=50&page=1"}
    assert [product["id"] for product in body["data"]] == list(range(1, 51))


def test_partial_last_page_and_edge_links(api: StoreApi):
    pages = [api.json("alpha1", "/v3/catalog/products", {"limit": 25, "page": page}) for page in (1, 2, 3)]

    assert [pagination(body)["count"] for body in pages] == [25, 25, 10]
    assert {pagination(body)["total_pages"] for body in pages} == {3}
    first, middle, last = (pagination(body)["links"] for body in pages)
    assert "previous" not in first and first["next"] == "?limit=25&page=2"
    assert middle == {
        "previous": "?limit=25&page=1",
        "current": "?limit=25&page=2",
        "next": "?limit=25&page=3",
    }
    assert "next" not in last and last["previous"] == "?limit=25&page=2"
    ids = [product["id"] for body in pages for product in body["data"]]
    assert ids == list(range(1, 61))


def test_page_past_the_end_is_empty_but_keeps_the_total(api: StoreApi):
    body = api.json("alpha1", "/v3/catalog/products", {"limit": 25, "page": 9})

    assert body["data"] == []
    meta = pagination(body)
    assert (meta["total"], meta["count"], meta["current_page"]) == (60, 0, 9)
    assert "next" not in meta["links"]


def test_links_repeat_every_request_parameter_and_lead_to_the_next_page(api: StoreApi):
    params = {"include": "images,variants", "is_visible": "true", "limit": 5, "page": 2}
    body = api.json("alpha1", "/v3/catalog/products", params)

    next_link = pagination(body)["links"]["next"]
    assert parse_qs(next_link[1:]) == {
        "include": ["images,variants"],
        "is_visible": ["true"],
        "limit": ["5"],
        "page": ["3"],
    }
    following = api.json("alpha1", "/v3/catalog/products" + next_link)
    assert pagination(following)["current_page"] == 3
    assert all("images" in product and "variants" in product for product in following["data"])


def test_limit_above_250_is_clamped(api: StoreApi):
    body = api.json("big1", "/v3/catalog/products", {"limit": 1000})

    meta = pagination(body)
    assert (meta["per_page"], meta["count"], meta["total"], meta["total_pages"]) == (250, 250, 200_000, 800)
    assert meta["links"]["next"] == "?limit=250&page=2"


def test_limit_above_250_is_413_when_the_store_is_configured_so(api: StoreApi):
    response = api.get("strict1", "/v3/catalog/products", {"limit": 251})

    assert response.status_code == 413
    assert response.json()["status"] == 413 and response.json()["errors"] == {}
    assert api.get("strict1", "/v3/catalog/products", {"limit": 250}).status_code == 200


def test_last_page_of_a_huge_catalog(api: StoreApi):
    body = api.json("big1", "/v3/catalog/products", {"limit": 250, "page": 800})

    assert [product["id"] for product in body["data"]][-1] == 200_000
    assert "next" not in pagination(body)["links"]


@pytest.mark.parametrize("include", ["options", "modifiers", "variants,options"])
def test_options_or_modifiers_cap_the_page_at_ten(api: StoreApi, include: str):
    body = api.json("alpha1", "/v3/catalog/products", {"include": include, "limit": 50})

    meta = pagination(body)
    assert (meta["per_page"], meta["count"], meta["total_pages"]) == (10, 10, 6)
    assert meta["links"]["next"] == f"?include={include}&limit=10&page=2"


def test_other_includes_do_not_cap_the_page(api: StoreApi):
    body = api.json("alpha1", "/v3/catalog/products", {"include": "variants,images", "limit": 50})

    assert pagination(body)["count"] == 50


@pytest.mark.parametrize("path", V3_COLLECTIONS)
def test_following_next_links_visits_every_item_once(api: StoreApi, path: str):
    id_field, expected = V3_COLLECTIONS[path]

    items = api.all_v3("alpha1", path, {"limit": 5})

    ids = [item[id_field] for item in items]
    assert len(ids) == len(set(ids)) == expected


def test_v2_blog_posts_page_then_204_past_the_end(api: StoreApi):
    sizes = [len(api.json("alpha1", "/v2/blog/posts", {"limit": 5, "page": page})) for page in (1, 2, 3)]
    past_end = api.get("alpha1", "/v2/blog/posts", {"limit": 5, "page": 4})
    far_past_end = api.get("alpha1", "/v2/blog/posts", {"limit": 5, "page": 40})

    assert sizes == [5, 5, 2]
    for response in (past_end, far_past_end):
        assert response.status_code == 204
        assert response.content == b""
        assert "Content-Length" not in response.headers


def test_v2_empty_store_answers_204_on_page_one(api: StoreApi):
    for path in ("/v2/blog/posts", "/v2/pages"):
        response = api.get("empty1", path)
        assert response.status_code == 204 and response.content == b""


def test_v2_limit_is_clamped_to_250(api: StoreApi):
    posts = api.json("exact1", "/v2/blog/posts", {"limit": 500})

    assert len(posts) == 50


def test_blog_count_matches_the_pages_and_posts_are_newest_first(api: StoreApi):
    count = api.json("alpha1", "/v2/blog/posts/count")
    posts = [
        post
        for page in (1, 2, 3)
        for post in api.json("alpha1", "/v2/blog/posts", {"limit": 5, "page": page})
    ]

    assert count == {"count": 12} and len(posts) == 12
    assert [post["id"] for post in posts] == list(range(12, 0, -1))
    dates = [post["published_date_iso8601"] for post in posts]
    assert dates == sorted(dates, reverse=True)
    assert api.json("empty1", "/v2/blog/posts/count") == {"count": 0}


def test_v2_pages_are_paged_like_blog_posts(api: StoreApi):
    first = api.json("alpha1", "/v2/pages", {"limit": 10})
    second = api.json("alpha1", "/v2/pages", {"limit": 10, "page": 2})

    assert [page["id"] for page in first + second] == list(range(1, 13))
    assert api.get("alpha1", "/v2/pages", {"limit": 10, "page": 3}).status_code == 204


def test_malformed_page_number_is_422(api: StoreApi):
    response = api.get("alpha1", "/v3/catalog/brands", {"page": "two"})

    assert response.status_code == 422
    assert response.json()["errors"] == {"page": "must be an integer"}
