"""The synthetic content is realistic and consistent: references resolve, shapes follow the reference."""

from __future__ import annotations

import re
import time

import pytest

from tests.simulator.support import StoreApi

V3_TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$")
ALL_INCLUDES = "variants,images,custom_fields,primary_image,options,modifiers"


@pytest.fixture
def products(api: StoreApi) -> list[dict]:
    """Every product of alpha1 with every sub-resource (10 per page because of options)."""
    return api.all_v3("alpha1", "/v3/catalog/products", {"include": ALL_INCLUDES})


def test_variants_follow_the_options(products: list[dict]):
    assert len(products) == 60
    for product in products:
        variants, options = product["variants"], product["options"]
        assert 1 <= len(variants) <= 4
        assert all(variant["product_id"] == product["id"] for variant in variants)
        if options:
            assert product["base_variant_id"] is None
            option_values = {(o["id"], v["id"]) for o in options for v in o["option_values"]}
            for variant in variants:
                assert len(variant["option_values"]) == len(options)
                assert {(v["option_id"], v["id"]) for v in variant["option_values"]} <= option_values
        else:
            assert [variant["id"] for variant in variants] == [product["base_variant_id"]]
            assert variants[0]["option_values"] == [] and variants[0]["sku"] == product["sku"]
    assert any(product["options"] for product in products)
    assert any(not product["options"] for product in products)


def test_inventory_totals_match_variant_stock(products: list[dict]):
    for product in products:
        if product["inventory_tracking"] == "variant":
            assert product["inventory_level"] == sum(v["inventory_level"] for v in product["variants"])


def test_images_have_one_thumbnail_which_is_the_primary_image(products: list[dict]):
    for product in products:
        images = product["images"]
        assert 1 <= len(images) <= 4
        assert [image["is_thumbnail"] for image in images].count(True) == 1
        assert product["primary_image"] == images[0] and images[0]["is_thumbnail"]
        assert [image["sort_order"] for image in images] == list(range(len(images)))
        for image in images:
            assert all(
                image[key].startswith("https://")
                for key in ("url_zoom", "url_standard", "url_thumbnail", "url_tiny")
            )


def test_prices_and_custom_fields(products: list[dict]):
    for product in products:
        assert product["price"] > 0
        expected = product["sale_price"] or product["price"]
        assert product["calculated_price"] == expected
        assert 0 <= product["sale_price"] < product["price"]
        assert len({field["name"] for field in product["custom_fields"]}) == len(product["custom_fields"])
        assert all(field["id"] > 0 and field["value"] for field in product["custom_fields"])
    assert any(product["sale_price"] for product in products)
    assert any(product["custom_fields"] for product in products)


def test_products_reference_existing_categories_and_brands(api: StoreApi, products: list[dict]):
    category_ids = {c["category_id"] for c in api.all_v3("alpha1", "/v3/catalog/trees/categories")}
    brand_ids = {b["id"] for b in api.all_v3("alpha1", "/v3/catalog/brands")}

    for product in products:
        assert product["categories"] and set(product["categories"]) <= category_ids
        assert product["brand_id"] == 0 or product["brand_id"] in brand_ids
    assert any(product["brand_id"] == 0 for product in products)


def test_search_relevant_fields_have_the_documented_types(products: list[dict]):
    for product in products:
        assert V3_TIMESTAMP.match(product["date_created"]) and V3_TIMESTAMP.match(product["date_modified"])
        assert product["date_created"] <= product["date_modified"]
        assert isinstance(product["meta_keywords"], list) and isinstance(product["search_keywords"], str)
        assert product["custom_url"]["url"].startswith("/") and product["custom_url"]["url"].endswith("/")
        assert product["availability"] in {"available", "disabled", "preorder"}
        assert "<" in product["description"] and "&" in product["description"] + "&"


def test_a_large_catalog_is_realistic(api: StoreApi):
    page = api.json("big1", "/v3/catalog/products", {"limit": 250, "page": 400})["data"]

    visible = sum(product["is_visible"] for product in page) / len(page)
    assert 0.8 <= visible <= 0.97
    names = [product["name"] for product in page]
    assert len(set(names)) == len(names)
    assert any(not name.isascii() for name in names)
    assert any(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", name) for name in names)
    assert any(re.search(r"[\U0001F300-\U0001FAFF\u2728]", name) for name in names)
    assert any("&amp;" in product["description"] or "&quot;" in product["description"] for product in page)
    assert {product["availability"] for product in page} == {"available", "disabled", "preorder"}


def test_categories_form_a_tree_at_most_four_deep(api: StoreApi):
    categories = api.all_v3("big1", "/v3/catalog/trees/categories", {"limit": 250})
    by_id = {category["category_id"]: category for category in categories}

    def depth(category: dict) -> int:
        return 1 if category["parent_id"] == 0 else 1 + depth(by_id[category["parent_id"]])

    depths = [depth(category) for category in categories]
    assert len(categories) == 500 and max(depths) == 4 and min(depths) == 1
    for category, category_depth in zip(categories, depths, strict=True):
        assert category["tree_id"] == 1 and len(category["name"]) <= 50
        assert category["url"]["path"].count("/") == category_depth + 1
    assert len({category["category_uuid"] for category in categories}) == 500


def test_legacy_categories_mirror_tree_categories(api: StoreApi):
    tree = api.json("alpha1", "/v3/catalog/trees/categories", {"limit": 250})["data"]
    legacy = api.json("alpha1", "/v3/catalog/categories", {"limit": 250})["data"]

    for node, category in zip(tree, legacy, strict=True):
        assert category["id"] == node["category_id"] and category["parent_id"] == node["parent_id"]
        assert category["custom_url"] == {"url": node["url"]["path"], "is_customized": False}
        assert "url" not in category and "category_id" not in category


def test_pages_v3_types_and_bodies(api: StoreApi):
    plain = api.json("alpha1", "/v3/content/pages")["data"]
    full = api.json("alpha1", "/v3/content/pages", {"include": "body"})["data"]

    assert {page["type"] for page in plain} == {"page", "raw", "contact_form", "link", "blog"}
    assert sum(page["type"] == "page" for page in plain) > len(plain) / 3
    for page in full:
        assert ("body" in page) == (page["type"] != "link")
        if page["type"] in ("page", "contact_form", "blog"):
            assert page["meta_keywords"] is None or isinstance(page["meta_keywords"], str)
    assert any(page["type"] == "link" and page["link"].startswith("https://") for page in full)


def test_v2_pages_include_bodies(api: StoreApi):
    pages = api.json("alpha1", "/v2/pages")

    assert all(isinstance(page["body"], str) for page in pages)
    assert {page["type"] for page in pages} <= {"page", "contact_form", "raw", "link"}


def test_blog_posts_have_the_documented_fields(api: StoreApi):
    posts = api.json("alpha1", "/v2/blog/posts")

    for post in posts:
        assert isinstance(post["tags"], list) and all(isinstance(tag, str) for tag in post["tags"])
        assert isinstance(post["meta_keywords"], str) and post["url"].startswith("/blog/")
        assert post["published_date"]["timezone_type"] == 1 and post["published_date"]["timezone"] == "+00:00"
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000000", post["published_date"]["date"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000", post["published_date_iso8601"])
        assert "<p>" in post["body"]


def test_store_time_channels_and_hooks(api: StoreApi):
    store = api.json("alpha1", "/v2/store")
    server_time = api.json("alpha1", "/v2/time")["time"]
    channels = api.json("alpha1", "/v3/channels")["data"]
    hooks = api.json("alpha1", "/v3/hooks")

    assert store["id"] == "alpha1" and isinstance(store["store_id"], int) and store["default_channel_id"] == 1
    assert abs(server_time - time.time()) < 5
    assert 1 in [channel["id"] for channel in channels]
    assert hooks["data"] == [] and hooks["meta"]["pagination"]["total"] == 0
