"""Changing a store between syncs through the admin API, observed over the store API."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bigcommerce_simulator import SimulatorAdmin
from bigcommerce_simulator.admin import SimulatorAdminError
from tests.simulator.support import BASE_CATALOG, StoreApi

PRODUCTS = "/v3/catalog/products"


def server_now(api: StoreApi) -> str:
    """Return the store's clock (``/v2/time``) as a ``date_modified`` filter value."""
    seconds = api.json("alpha1", "/v2/time")["time"]
    return datetime.fromtimestamp(seconds, UTC).isoformat()


def product_ids(api: StoreApi, store_hash: str = "alpha1", params: dict | None = None) -> list[int]:
    return [product["id"] for product in api.all_v3(store_hash, PRODUCTS, {"limit": 250, **(params or {})})]


def test_updating_a_product_moves_date_modified_to_now(api: StoreApi, admin: SimulatorAdmin):
    since = server_now(api)
    assert api.json("alpha1", PRODUCTS, {"date_modified:min": since})["data"] == []

    updated = admin.update_product("alpha1", 5, {"price": 12.5, "name": "Renamed Lamp"})

    assert updated["date_modified"] >= since and updated["price"] == updated["calculated_price"] == 12.5
    found = api.json("alpha1", PRODUCTS, {"date_modified:min": since})
    assert [product["id"] for product in found["data"]] == [5]
    assert found["data"][0]["name"] == "Renamed Lamp"
    newest = api.json("alpha1", PRODUCTS, {"sort": "date_modified", "direction": "desc", "limit": 1})
    assert newest["data"][0]["id"] == 5
    assert api.json("alpha1", f"{PRODUCTS}/5")["data"] == updated


def test_editing_a_variant_does_not_move_the_product_date(api: StoreApi, admin: SimulatorAdmin):
    products = api.json("alpha1", PRODUCTS, {"include": "variants", "limit": 250})["data"]
    product = next(p for p in products if p["inventory_tracking"] == "variant" and len(p["variants"]) > 1)
    variant = product["variants"][1]
    since = server_now(api)

    edited = admin.update_variant(
        "alpha1", product["id"], variant["id"], {"inventory_level": 77, "price": 3.25}
    )

    assert (edited["inventory_level"], edited["price"], edited["calculated_price"]) == (77, 3.25, 3.25)
    after = api.json("alpha1", f"{PRODUCTS}/{product['id']}", {"include": "variants"})["data"]
    assert after["date_modified"] == product["date_modified"]
    assert after["variants"][1] == edited and after["variants"][0] == product["variants"][0]
    assert after["inventory_level"] == sum(v["inventory_level"] for v in after["variants"])
    assert api.json("alpha1", PRODUCTS, {"date_modified:min": since})["data"] == []


def test_a_deleted_product_vanishes_from_lists_counts_filters_and_get(api: StoreApi, admin: SimulatorAdmin):
    assert admin.delete_product("alpha1", 10) == [10]

    assert api.get("alpha1", f"{PRODUCTS}/10").status_code == 404
    assert product_ids(api, params={"limit": 7}) == [i for i in range(1, 61) if i != 10]
    assert api.json("alpha1", PRODUCTS)["meta"]["pagination"]["total"] == 59
    by_id = api.json("alpha1", PRODUCTS, {"id:in": "9,10,11"})
    assert [p["id"] for p in by_id["data"]] == [9, 11] and by_id["meta"]["pagination"]["total"] == 2
    newest_first = api.json("alpha1", PRODUCTS, {"direction": "desc", "limit": 52})["data"]
    assert [p["id"] for p in newest_first][-2:] == [9, 8]
    with pytest.raises(SimulatorAdminError, match="404"):
        admin.update_product("alpha1", 10, {"price": 1.0})


def test_deletions_in_a_200k_catalog_keep_pagination_totals_right(api: StoreApi, admin: SimulatorAdmin):
    for product_id in (3, 150_000, 200_000):
        admin.delete_product("big1", product_id)

    first = api.json("big1", PRODUCTS, {"limit": 250, "include_fields": "id"})
    last = api.json("big1", PRODUCTS, {"limit": 250, "page": 800, "include_fields": "id"})
    around = api.json("big1", PRODUCTS, {"id:in": "149999,150000,150001"})

    assert first["meta"]["pagination"]["total"] == 199_997
    assert [p["id"] for p in first["data"]][:4] == [1, 2, 4, 5]
    assert last["meta"]["pagination"]["total_pages"] == 800
    assert [p["id"] for p in last["data"]][-1] == 199_999 and len(last["data"]) == 247
    assert [p["id"] for p in around["data"]] == [149_999, 150_001]


def test_created_products_get_new_ids_above_every_earlier_one(api: StoreApi, admin: SimulatorAdmin):
    since = server_now(api)
    first = admin.create_product("alpha1", {"name": "Brand New Mug", "is_visible": False})
    second = admin.create_product("alpha1")
    admin.delete_product("alpha1", second["id"])
    third = admin.create_product("alpha1")

    assert (first["id"], second["id"], third["id"]) == (61, 62, 63)
    assert first["date_created"] == first["date_modified"] >= since
    assert product_ids(api)[-2:] == [61, 63]
    assert api.json("alpha1", PRODUCTS)["meta"]["pagination"]["total"] == 62
    hidden = api.json("alpha1", PRODUCTS, {"is_visible": "false", "limit": 250})["data"]
    assert first["id"] in [p["id"] for p in hidden]
    fresh = api.json("alpha1", PRODUCTS, {"date_modified:min": since})["data"]
    assert [p["id"] for p in fresh] == [61, 63]
    full = api.json("alpha1", f"{PRODUCTS}/61", {"include": "variants,images"})["data"]
    assert full["name"] == "Brand New Mug" and full["variants"] and full["images"]


def test_renamed_and_hidden_products_are_seen_by_sort_and_filters(api: StoreApi, admin: SimulatorAdmin):
    admin.update_product("alpha1", 44, {"name": "!First by name", "is_visible": False})

    by_name = api.json("alpha1", PRODUCTS, {"sort": "name", "limit": 1})["data"]
    hidden = product_ids(api, params={"is_visible": "false"})
    visible = product_ids(api, params={"is_visible": "true"})

    assert by_name[0]["id"] == 44
    assert 44 in hidden and 44 not in visible


def test_deleting_a_category_deletes_its_subcategories_and_their_product_links(
    api: StoreApi, admin: SimulatorAdmin
):
    tree = api.all_v3("alpha1", "/v3/catalog/trees/categories", {"limit": 250})
    root = next(
        c for c in tree if c["parent_id"] == 0 and any(d["parent_id"] == c["category_id"] for d in tree)
    )
    children = {c["category_id"] for c in tree if c["parent_id"] == root["category_id"]}

    deleted = admin.delete_item("alpha1", "categories", root["category_id"])

    assert set(deleted) >= {root["category_id"], *children}
    remaining = api.all_v3("alpha1", "/v3/catalog/trees/categories", {"limit": 250})
    legacy = api.all_v3("alpha1", "/v3/catalog/categories", {"limit": 250})
    assert len(remaining) == len(legacy) == len(tree) - len(deleted)
    assert not {c["category_id"] for c in remaining} & set(deleted)
    products = api.all_v3("alpha1", PRODUCTS, {"limit": 250})
    assert not {cid for p in products for cid in p["categories"]} & set(deleted)


def test_created_and_updated_categories_show_in_both_category_apis(api: StoreApi, admin: SimulatorAdmin):
    created = admin.create_item("alpha1", "categories", {"name": "Garden Tools", "parent_id": 21})
    admin.update_item("alpha1", "categories", 25, {"name": "Renamed", "is_visible": False})

    assert created["category_id"] == 20 + BASE_CATALOG.categories
    assert created["url"] == {"path": "/garden-tools/", "is_customized": False}
    children = api.json("alpha1", "/v3/catalog/trees/categories", {"parent_id:in": "21", "limit": 250})[
        "data"
    ]
    assert created in children
    legacy = api.json("alpha1", "/v3/catalog/categories", {"id:in": f"25,{created['category_id']}"})["data"]
    assert [(c["id"], c["name"]) for c in legacy] == [
        (25, "Renamed"),
        (created["category_id"], "Garden Tools"),
    ]
    assert legacy[1]["custom_url"] == {"url": "/garden-tools/", "is_customized": False}
    hidden = api.json("alpha1", "/v3/catalog/trees/categories", {"is_visible": "false", "limit": 250})["data"]
    assert 25 in [c["category_id"] for c in hidden]


def test_brand_create_update_and_delete(api: StoreApi, admin: SimulatorAdmin):
    products = api.json("alpha1", PRODUCTS, {"limit": 250})["data"]
    brand_id = next(p["brand_id"] for p in products if p["brand_id"])

    created = admin.create_item("alpha1", "brands", {"name": "Acme Works"})
    admin.update_item("alpha1", "brands", 40, {"name": "Zeta Renamed"})
    admin.delete_item("alpha1", "brands", brand_id)

    assert created["id"] == 40 + BASE_CATALOG.brands
    assert api.json("alpha1", "/v3/catalog/brands", {"name": "Acme Works"})["data"] == [created]
    assert api.json("alpha1", "/v3/catalog/brands", {"name": "Zeta Renamed"})["data"][0]["id"] == 40
    brands = api.json("alpha1", "/v3/catalog/brands")
    assert brand_id not in [b["id"] for b in brands["data"]]
    assert brands["meta"]["pagination"]["total"] == BASE_CATALOG.brands
    after = api.json("alpha1", PRODUCTS, {"limit": 250})["data"]
    assert brand_id not in {p["brand_id"] for p in after}
    assert sum(p["brand_id"] == 0 for p in after) > sum(p["brand_id"] == 0 for p in products)


def test_page_create_update_and_search(api: StoreApi, admin: SimulatorAdmin):
    created = admin.create_item(
        "alpha1", "pages", {"name": "Summer Sale", "body": "<p>Everything half price</p>"}
    )
    admin.update_item("alpha1", "pages", 2, {"body": "<p>Call us on weekdays</p>"})

    assert created["id"] == BASE_CATALOG.pages + 1 and created["type"] == "page"
    assert api.json("alpha1", "/v3/content/pages", {"name": "Summer Sale"})["data"][0]["id"] == created["id"]
    like = api.json("alpha1", "/v3/content/pages", {"name:like": "weekdays", "include": "body"})["data"]
    assert [page["id"] for page in like] == [2]
    v2 = api.json("alpha1", "/v2/pages", {"limit": 250})
    assert [page["id"] for page in v2][-1] == created["id"]
    assert next(page for page in v2 if page["id"] == 2)["body"] == "<p>Call us on weekdays</p>"


@pytest.mark.parametrize("delete_children", [False, True])
def test_deleting_a_parent_page_lifts_or_deletes_its_children(
    api: StoreApi, admin: SimulatorAdmin, delete_children: bool
):
    parent = admin.create_item("alpha1", "pages", {"name": "Parent"})
    child = admin.create_item("alpha1", "pages", {"name": "Child", "parent_id": parent["id"]})

    deleted = admin.delete_item("alpha1", "pages", parent["id"], delete_children=delete_children)

    pages = {page["id"]: page for page in api.all_v3("alpha1", "/v3/content/pages", {"limit": 250})}
    assert parent["id"] not in pages
    if delete_children:
        assert deleted == [parent["id"], child["id"]] and child["id"] not in pages
    else:
        assert deleted == [parent["id"]]
        assert (pages[child["id"]]["parent_id"], pages[child["id"]]["is_visible"]) == (0, False)


def test_blog_post_create_update_and_delete(api: StoreApi, admin: SimulatorAdmin):
    created = admin.create_item("alpha1", "blog_posts", {"title": "Fresh News"})
    admin.update_item("alpha1", "blog_posts", 3, {"is_published": False, "title": "Withdrawn"})
    admin.delete_item("alpha1", "blog_posts", 4)

    posts = api.json("alpha1", "/v2/blog/posts", {"limit": 250})
    assert posts[0] == created and created["id"] == BASE_CATALOG.blog_posts + 1 and created["is_published"]
    assert [post["id"] for post in posts] == [13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1]
    assert api.json("alpha1", "/v2/blog/posts/count") == {"count": 12}
    unpublished = api.json("alpha1", "/v2/blog/posts", {"is_published": "false", "limit": 250})
    assert "Withdrawn" in [post["title"] for post in unpublished]


def test_reset_keeps_edits_unless_asked_to_drop_them(api: StoreApi, admin: SimulatorAdmin):
    admin.delete_product("alpha1", 1)

    admin.reset()
    assert api.get("alpha1", f"{PRODUCTS}/1").status_code == 404

    admin.reset(catalog=True)
    assert api.get("alpha1", f"{PRODUCTS}/1").status_code == 200
    assert admin.create_product("alpha1")["id"] == 61


def test_edits_stay_in_their_store(api: StoreApi, admin: SimulatorAdmin):
    admin.update_product("alpha1", 2, {"name": "Only In Alpha"})

    assert api.json("alpha1", f"{PRODUCTS}/2")["data"]["name"] == "Only In Alpha"
    assert api.json("twin1", f"{PRODUCTS}/2")["data"]["name"] != "Only In Alpha"


@pytest.mark.parametrize(
    ("kind", "item_id", "changes", "status"),
    [
        ("products", 5, {"id": 9}, "400"),
        ("products", 5, {"date_modified": "2020-01-01T00:00:00+00:00"}, "400"),
        ("products", 5, {"colour": "red"}, "400"),
        ("products", 5, {"price": "cheap"}, "400"),
        ("products", 5, {"categories": [999]}, "400"),
        ("products", 5, {"brand_id": 999}, "400"),
        ("products", 999, {"price": 1.0}, "404"),
        ("categories", 20, {"parent_id": 20}, "400"),
        ("pages", 1, {"type": "raw"}, "400"),
        ("nosuchstore", 1, {}, "404"),
    ],
)
def test_invalid_edits_are_refused(
    admin: SimulatorAdmin, kind: str, item_id: int, changes: dict, status: str
):
    store_hash, kind = ("nosuchstore", "products") if kind == "nosuchstore" else ("alpha1", kind)

    with pytest.raises(SimulatorAdminError, match=status):
        admin.update_item(store_hash, kind, item_id, changes)


def test_a_category_cannot_move_below_its_own_descendant(api: StoreApi, admin: SimulatorAdmin):
    tree = api.all_v3("alpha1", "/v3/catalog/trees/categories", {"limit": 250})
    child = next(c for c in tree if c["parent_id"])

    with pytest.raises(SimulatorAdminError, match="below itself"):
        admin.update_item("alpha1", "categories", child["parent_id"], {"parent_id": child["category_id"]})


def test_unknown_variant_is_404(admin: SimulatorAdmin):
    with pytest.raises(SimulatorAdminError, match="404"):
        admin.update_variant("alpha1", 5, 999_999, {"price": 1.0})
