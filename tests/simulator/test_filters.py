"""Product, category, brand and page filters, checked against the unfiltered listing."""

from __future__ import annotations

from datetime import datetime

import pytest

from bigcommerce_simulator import SimulatorAdmin
from tests.simulator.support import StoreApi


@pytest.fixture
def all_products(api: StoreApi) -> list[dict]:
    return api.json("alpha1", "/v3/catalog/products", {"limit": 250})["data"]


def test_id_in_returns_exactly_the_existing_ids_in_id_order(api: StoreApi):
    body = api.json("alpha1", "/v3/catalog/products", {"id:in": "42,3,999,17,3"})

    assert [product["id"] for product in body["data"]] == [3, 17, 42]
    assert body["meta"]["pagination"]["total"] == 3


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_id_bounds_keep_exactly_the_existing_ids_between_them(
    api: StoreApi, admin: SimulatorAdmin, all_products: list[dict], direction: str
):
    ids = [p["id"] for p in all_products]
    deleted = ids[5]
    admin.delete_product("alpha1", deleted)
    params = {"id:greater": ids[2], "id:max": ids[40], "direction": direction, "limit": 250}
    also_min = {**params, "id:min": ids[4], "id:less": ids[30]}

    body = api.json("alpha1", "/v3/catalog/products", params)
    narrower = api.json("alpha1", "/v3/catalog/products", also_min)

    expected = [i for i in ids[3:41] if i != deleted]
    ordered = expected if direction == "asc" else expected[::-1]
    assert [p["id"] for p in body["data"]] == ordered
    assert body["meta"]["pagination"]["total"] == len(expected)
    narrow = [i for i in ids[4:30] if i != deleted]
    assert [p["id"] for p in narrower["data"]] == (narrow if direction == "asc" else narrow[::-1])


def test_date_modified_min_and_max_bound_the_result(api: StoreApi, all_products: list[dict]):
    dates = sorted(product["date_modified"] for product in all_products)
    low, high = dates[15], dates[45]

    newer = api.json("alpha1", "/v3/catalog/products", {"date_modified:min": low, "limit": 250})["data"]
    older = api.json("alpha1", "/v3/catalog/products", {"date_modified:max": high, "limit": 250})["data"]
    between = api.json(
        "alpha1", "/v3/catalog/products", {"date_modified:min": low, "date_modified:max": high, "limit": 250}
    )["data"]

    assert {p["id"] for p in newer} == {p["id"] for p in all_products if p["date_modified"] >= low}
    assert {p["id"] for p in older} == {p["id"] for p in all_products if p["date_modified"] <= high}
    assert {p["id"] for p in between} == {p["id"] for p in all_products if low <= p["date_modified"] <= high}
    assert len(between) >= 31


def test_date_modified_accepts_z_and_offsets(api: StoreApi, all_products: list[dict]):
    moment = sorted(product["date_modified"] for product in all_products)[30]
    as_z = moment.replace("+00:00", "Z")
    as_offset = datetime.fromisoformat(moment).astimezone().isoformat()

    by_z = api.json("alpha1", "/v3/catalog/products", {"date_modified:min": as_z, "limit": 250})
    by_offset = api.json("alpha1", "/v3/catalog/products", {"date_modified:min": as_offset, "limit": 250})

    assert by_z["data"] == by_offset["data"]
    assert by_z["meta"]["pagination"]["total"] == 30


def test_bare_date_is_accepted_and_malformed_date_is_422(api: StoreApi):
    assert api.get("alpha1", "/v3/catalog/products", {"date_modified:min": "2024-01-01"}).status_code == 200
    response = api.get("alpha1", "/v3/catalog/products", {"date_modified:min": "last tuesday"})

    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"date_modified:min"}


def test_is_visible_partitions_the_catalog(api: StoreApi, all_products: list[dict]):
    visible = api.json("alpha1", "/v3/catalog/products", {"is_visible": "true", "limit": 250})["data"]
    hidden = api.json("alpha1", "/v3/catalog/products", {"is_visible": "false", "limit": 250})["data"]

    assert visible and hidden
    assert all(p["is_visible"] for p in visible) and not any(p["is_visible"] for p in hidden)
    assert sorted(p["id"] for p in visible + hidden) == [p["id"] for p in all_products]


def test_filters_on_a_200k_catalog_page_consistently(api: StoreApi):
    params = {"date_modified:min": "2025-06-01T00:00:00+00:00", "is_visible": "true", "limit": 250}
    first = api.json("big1", "/v3/catalog/products", params)
    second = api.json("big1", "/v3/catalog/products", {**params, "page": 2})

    total = first["meta"]["pagination"]["total"]
    assert 1000 < total < 20_000
    products = first["data"] + second["data"]
    assert all(p["is_visible"] and p["date_modified"] >= "2025-06-01T00:00:00+00:00" for p in products)
    ids = [p["id"] for p in products]
    assert ids == sorted(ids) and len(set(ids)) == 500


@pytest.mark.parametrize(
    ("sort", "direction", "key"),
    [
        ("name", "asc", lambda p: (p["name"], p["id"])),
        ("date_modified", "desc", lambda p: (p["date_modified"], p["id"])),
        ("id", "desc", lambda p: p["id"]),
    ],
)
def test_sort_and_direction(api: StoreApi, all_products: list[dict], sort: str, direction: str, key):
    body = api.json("alpha1", "/v3/catalog/products", {"sort": sort, "direction": direction, "limit": 250})

    expected = sorted(all_products, key=key, reverse=direction == "desc")
    assert [p["id"] for p in body["data"]] == [p["id"] for p in expected]


def test_include_fields_keeps_only_id_and_the_listed_fields(api: StoreApi):
    body = api.json("alpha1", "/v3/catalog/products", {"include_fields": "date_modified", "limit": 3})
    excluded = api.json("alpha1", "/v3/catalog/products", {"exclude_fields": "description,id", "limit": 1})

    assert [set(product) for product in body["data"]] == [{"id", "date_modified"}] * 3
    assert "description" not in excluded["data"][0] and "id" in excluded["data"][0]


def test_tree_category_filters(api: StoreApi):
    everything = api.json("alpha1", "/v3/catalog/trees/categories", {"limit": 250})["data"]
    chosen = api.json("alpha1", "/v3/catalog/trees/categories", {"category_id:in": "21,25,999"})["data"]
    other_tree = api.json("alpha1", "/v3/catalog/trees/categories", {"tree_id:in": "2"})["data"]
    hidden = api.json("alpha1", "/v3/catalog/trees/categories", {"is_visible": "false", "limit": 250})["data"]
    roots = api.json("alpha1", "/v3/catalog/trees/categories", {"parent_id:in": "0", "limit": 250})["data"]

    assert [c["category_id"] for c in chosen] == [21, 25]
    assert other_tree == []
    assert [c["category_id"] for c in hidden] == [c["category_id"] for c in everything if not c["is_visible"]]
    assert roots and all(c["parent_id"] == 0 for c in roots)
    assert len(roots) == sum(c["parent_id"] == 0 for c in everything)


def test_legacy_category_and_brand_filters(api: StoreApi):
    categories = api.json("alpha1", "/v3/catalog/categories", {"id:in": "20,22"})["data"]
    brand = api.json("alpha1", "/v3/catalog/brands", {"limit": 1, "page": 3})["data"][0]
    by_name = api.json("alpha1", "/v3/catalog/brands", {"name": brand["name"]})["data"]

    assert [c["id"] for c in categories] == [20, 22]
    assert by_name == [brand]


def test_pages_v3_id_in_and_body_only_on_request(api: StoreApi):
    plain = api.json("alpha1", "/v3/content/pages", {"id:in": "1,3"})["data"]
    with_body = api.json("alpha1", "/v3/content/pages", {"id:in": "1,3", "include": "body"})["data"]

    assert [p["id"] for p in plain] == [1, 3]
    assert not any("body" in page for page in plain)
    assert all(page["body"] for page in with_body)


def test_pages_v3_name_filters(api: StoreApi):
    exact = api.json("alpha1", "/v3/content/pages", {"name": "Contact Us"})["data"]
    like = api.json("alpha1", "/v3/content/pages", {"name:like": "returns"})["data"]

    assert [page["name"] for page in exact] == ["Contact Us"]
    assert "Shipping & Returns" in [page["name"] for page in like]


def test_blog_posts_is_published_filter_and_count(api: StoreApi):
    published = api.json("alpha1", "/v2/blog/posts", {"is_published": "true"})
    count = api.json("alpha1", "/v2/blog/posts/count", {"is_published": "true"})

    assert all(post["is_published"] for post in published)
    assert count == {"count": len(published)}
