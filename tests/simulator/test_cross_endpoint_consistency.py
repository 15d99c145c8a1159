"""The same facts agree across endpoints, and every ID an item refers to exists."""

from __future__ import annotations

import pytest

from tests.simulator.support import SUB_RESOURCES, StoreApi

EVERY_INCLUDE = ",".join(SUB_RESOURCES.values()) + ",primary_image,channels,parent_relations,reviews"


@pytest.fixture
def products(api: StoreApi) -> list[dict]:
    return api.all_v3("alpha1", "/v3/catalog/products", {"include": EVERY_INCLUDE})


def test_every_include_returns_its_key(products: list[dict]):
    keys = set(EVERY_INCLUDE.split(","))

    assert all(keys <= set(product) for product in products)
    assert any(product["videos"] for product in products) and any(not p["videos"] for p in products)
    assert any(product["bulk_pricing_rules"] for product in products)
    assert all(product["parent_relations"] == [] and product["channels"] == [1] for product in products)


@pytest.mark.parametrize("path", sorted(SUB_RESOURCES))
def test_sub_resource_endpoints_equal_the_product_include(api: StoreApi, products: list[dict], path: str):
    key = SUB_RESOURCES[path]
    for product in products[:25]:
        listed = api.all_v3("alpha1", f"/v3/catalog/products/{product['id']}/{path}", {"limit": 2})
        assert listed == product[key], (path, product["id"])
        for item in listed:
            single = api.json("alpha1", f"/v3/catalog/products/{product['id']}/{path}/{item['id']}")
            assert single["data"] == item


def test_option_and_modifier_values_equal_their_parent(api: StoreApi, products: list[dict]):
    checked = 0
    for product in products:
        for kind in ("options", "modifiers"):
            for owner in product[kind]:
                base = f"/v3/catalog/products/{product['id']}/{kind}/{owner['id']}/values"
                assert api.all_v3("alpha1", base) == owner["option_values"]
                checked += len(owner["option_values"])
    assert checked > 20


def test_catalog_variants_are_the_products_variants_in_order(api: StoreApi, products: list[dict]):
    everything = api.all_v3("alpha1", "/v3/catalog/variants", {"limit": 250})
    some = [p["id"] for p in products[5:9]]
    chosen = api.all_v3("alpha1", "/v3/catalog/variants", {"product_id:in": ",".join(map(str, some))})

    assert everything == [variant for product in products for variant in product["variants"]]
    assert chosen == [v for p in products if p["id"] in some for v in p["variants"]]


def test_variants_of_a_200k_catalog_page_to_the_end(api: StoreApi):
    first = api.json("big1", "/v3/catalog/variants", {"limit": 250})
    total_pages = first["meta"]["pagination"]["total_pages"]
    last = api.json("big1", "/v3/catalog/variants", {"limit": 250, "page": total_pages})
    last_product = api.json("big1", "/v3/catalog/products/200000", {"include": "variants"})["data"]

    assert 200_000 < first["meta"]["pagination"]["total"] < 800_000
    assert last["data"][-len(last_product["variants"]) :] == last_product["variants"]


def test_referenced_ids_exist(api: StoreApi, products: list[dict]):
    categories = api.all_v3("alpha1", "/v3/catalog/trees/categories", {"limit": 250})
    category_ids = {c["category_id"] for c in categories}
    brand_ids = {b["id"] for b in api.all_v3("alpha1", "/v3/catalog/brands", {"limit": 250})}
    tree_ids = {t["id"] for t in api.json("alpha1", "/v3/catalog/trees")["data"]}
    channel_ids = {c["id"] for c in api.json("alpha1", "/v3/channels")["data"]}
    pages = api.all_v3("alpha1", "/v3/content/pages", {"limit": 250})
    posts = api.json("alpha1", "/v2/blog/posts", {"limit": 250})
    tags = api.json("alpha1", "/v2/blog/tags")
    sites = api.json("alpha1", "/v3/sites")["data"]

    for product in products:
        assert set(product["categories"]) <= category_ids
        assert product["brand_id"] in brand_ids | {0}
        option_ids = {o["id"] for o in product["options"]}
        value_ids = {v["id"] for o in product["options"] for v in o["option_values"]}
        for variant in product["variants"]:
            assert {v["option_id"] for v in variant["option_values"]} <= option_ids
            assert {v["id"] for v in variant["option_values"]} <= value_ids
        assert product["primary_image"] in product["images"]
    assert all(c["parent_id"] in category_ids | {0} and c["tree_id"] in tree_ids for c in categories)
    assert all(page["parent_id"] in {p["id"] for p in pages} | {0} for page in pages)
    post_ids = {post["id"] for post in posts}
    assert tags and all(set(tag["post_ids"]) <= post_ids for tag in tags)
    assert {(tag["tag"], pid) for tag in tags for pid in tag["post_ids"]} == {
        (tag, post["id"]) for post in posts for tag in post["tags"]
    }
    assert all(site["channel_id"] in channel_ids for site in sites)
    assert api.json("alpha1", "/v2/store")["default_site_id"] in {site["id"] for site in sites}


def test_category_tree_nests_exactly_the_tree_categories(api: StoreApi):
    flat = api.all_v3("alpha1", "/v3/catalog/trees/categories", {"limit": 250})
    tree = api.json("alpha1", "/v3/catalog/trees/1/categories")["data"]
    shallow = api.json("alpha1", "/v3/catalog/trees/1/categories", {"depth": 1})["data"]

    def walk(nodes: list[dict]) -> list[dict]:
        return [n for node in nodes for n in (node, *walk(node["children"]))]

    nodes = walk(tree)
    assert sorted(n["id"] for n in nodes) == sorted(c["category_id"] for c in flat)
    by_id = {c["category_id"]: c for c in flat}
    assert all(by_id[n["id"]]["parent_id"] == n["parent_id"] for n in nodes)
    assert all(len(n["path"]) == n["depth"] - 1 for n in nodes)
    assert [n["id"] for n in shallow] == [n["id"] for n in tree] and all(not n["children"] for n in shallow)
    assert api.get("alpha1", "/v3/catalog/trees/2/categories").status_code == 404


def test_single_items_equal_their_list_entries(api: StoreApi):
    pairs = [
        ("/v3/catalog/brands", "/v3/catalog/brands/{}", "id"),
        ("/v3/catalog/categories", "/v3/catalog/categories/{}", "id"),
        ("/v3/channels", "/v3/channels/{}", "id"),
        ("/v3/sites/1000/routes", "/v3/sites/1000/routes/{}", "id"),
    ]
    for listing, single, key in pairs:
        for item in api.json("alpha1", listing, {"limit": 5})["data"]:
            assert api.json("alpha1", single.format(item[key]))["data"] == item
    for post in api.json("alpha1", "/v2/blog/posts", {"limit": 5}):
        assert api.json("alpha1", f"/v2/blog/posts/{post['id']}") == post
    for page in api.json("alpha1", "/v2/pages", {"limit": 5}):
        assert api.json("alpha1", f"/v2/pages/{page['id']}") == page
    for page in api.json("alpha1", "/v3/content/pages", {"include": "body", "limit": 5})["data"]:
        assert api.json("alpha1", f"/v3/content/pages/{page['id']}", {"include": "body"})["data"] == page
    assert api.json("alpha1", "/v3/channels/1/site")["data"] == api.json("alpha1", "/v3/sites/1000")["data"]
