"""Served responses validate against BigCommerce's published OpenAPI response schemas."""

from __future__ import annotations

import copy

import pytest

from tests.simulator.openapi import errors_of, require_spec_dir, response_validator, validator
from tests.simulator.support import StoreApi

PRODUCTS = "products_catalog.v3.yml"
VARIANTS = "product-variants_catalog.v3.yml"
TREES = "category-trees_catalog.v3.yml"
PAGES = "pages.v3.yml"
CONTENT_V2 = "store_content.v2.yml"
VARIANT_ITEM = (
    "#/paths/~1catalog~1products~1{product_id}~1variants/get/responses/200/content/"
    "application~1json/schema/properties/data/items"
)
PAGE_TYPE_SCHEMAS = {
    "page": "typePage",
    "raw": "typeRaw",
    "contact_form": "typeContactForm",
    "link": "typeLink",
    "blog": "typeBlog",
}
ALL_INCLUDES = "variants,images,custom_fields,primary_image,options,modifiers,channels"


@pytest.fixture(autouse=True)
def spec_files() -> None:
    """Skip every test here when the OpenAPI files are not beside the repository."""
    require_spec_dir()


def assert_valid(
    file_name: str, path: str, body: object, status: str = "200", media_type: str = "application/json"
) -> None:
    assert errors_of(response_validator(file_name, path, status, media_type), body) == []


def test_the_validators_are_not_vacuous(api: StoreApi):
    body = api.json("alpha1", "/v3/catalog/products", {"limit": 2})
    broken = copy.deepcopy(body)
    broken["data"][0]["price"] = "free"
    broken["data"][1]["availability"] = "sometimes"
    broken["meta"]["pagination"]["total"] = "many"

    errors = errors_of(response_validator(PRODUCTS, "/catalog/products"), broken)

    assert len(errors) == 3


@pytest.mark.parametrize(
    "include",
    [
        "",
        "variants",
        "images",
        "custom_fields",
        "primary_image",
        "options",
        "modifiers",
        "channels",
        ALL_INCLUDES,
    ],
)
def test_product_pages_with_each_include(api: StoreApi, include: str):
    bodies = [
        api.json(store, "/v3/catalog/products", {"include": include, "limit": 250})
        for store in ("alpha1", "big1")
    ]

    for body in bodies:
        assert_valid(PRODUCTS, "/catalog/products", body)
        for name in filter(None, include.split(",")):
            assert all(name in product for product in body["data"])
    variants = [
        variant for body in bodies for product in body["data"] for variant in product.get("variants", [])
    ]
    variant_validator = validator(VARIANTS, VARIANT_ITEM)
    assert [error for variant in variants for error in errors_of(variant_validator, variant)] == []


def test_single_product_and_its_404(api: StoreApi):
    found = api.json("alpha1", "/v3/catalog/products/12", {"include": ALL_INCLUDES})
    missing = api.get("alpha1", "/v3/catalog/products/999")

    assert_valid(PRODUCTS, "/catalog/products/{product_id}", found)
    assert_valid(PRODUCTS, "/catalog/products/{product_id}", missing.json(), "404")


@pytest.mark.parametrize("store_hash", ["alpha1", "big1", "empty1"])
def test_tree_categories(api: StoreApi, store_hash: str):
    body = api.json(store_hash, "/v3/catalog/trees/categories", {"limit": 250})

    assert_valid(TREES, "/catalog/trees/categories", body)


def test_category_trees(api: StoreApi):
    assert_valid(TREES, "/catalog/trees", api.json("alpha1", "/v3/catalog/trees"))


def test_legacy_categories(api: StoreApi):
    for store_hash in ("alpha1", "big1"):
        body = api.json(store_hash, "/v3/catalog/categories", {"limit": 250})
        assert_valid("categories_catalog.v3.yml", "/catalog/categories", body)


def test_brands(api: StoreApi):
    assert_valid("brands_catalog.v3.yml", "/catalog/brands", api.json("alpha1", "/v3/catalog/brands"))


@pytest.mark.parametrize("include", ["", "body"])
def test_pages_v3_collection(api: StoreApi, include: str):
    body = api.json("alpha1", "/v3/content/pages", {"include": include})

    assert_valid(PAGES, "/content/pages", body)


def test_pages_v3_each_type_matches_its_own_schema(api: StoreApi):
    pages = api.json("big1", "/v3/content/pages", {"include": "body"})["data"]

    assert {page["type"] for page in pages} == set(PAGE_TYPE_SCHEMAS)
    for page in pages:
        type_validator = validator(PAGES, f"#/components/schemas/{PAGE_TYPE_SCHEMAS[page['type']]}")
        assert errors_of(type_validator, page) == [], page


def test_pages_v3_error_bodies(api: StoreApi):
    unsupported = api.get("alpha1", "/v3/content/pages", {"sort": "name"})
    mistyped = api.get("alpha1", "/v3/content/pages", {"limit": "many"})

    assert_valid(PAGES, "/content/pages", unsupported.json(), "400", "application/problem+json")
    assert_valid(PAGES, "/content/pages", mistyped.json(), "422", "application/problem+json")


def test_v2_blog_posts_and_count(api: StoreApi):
    assert_valid(CONTENT_V2, "/blog/posts", api.json("alpha1", "/v2/blog/posts", {"limit": 250}))
    assert_valid(CONTENT_V2, "/blog/posts/count", api.json("alpha1", "/v2/blog/posts/count"))


def test_v2_pages(api: StoreApi):
    assert_valid(CONTENT_V2, "/pages", api.json("big1", "/v2/pages"))


def test_v2_store_and_time(api: StoreApi):
    assert_valid("store_information.v2.yml", "/store", api.json("alpha1", "/v2/store"))
    assert_valid("store_information.v2.yml", "/time", api.json("alpha1", "/v2/time"))


def test_channels(api: StoreApi):
    assert_valid("channels.v3.yml", "/channels", api.json("alpha1", "/v3/channels"))
