"""Served responses validate against BigCommerce's published OpenAPI response schemas."""

from __future__ import annotations

import copy

import pytest

from bigcommerce_simulator import SimulatorAdmin
from tests.simulator.openapi import errors_of, require_spec_dir, response_validator, validator
from tests.simulator.support import StoreApi

PRODUCTS = "products_catalog.v3.yml"
VARIANTS = "product-variants_catalog.v3.yml"
TREES = "category-trees_catalog.v3.yml"
PAGES = "pages.v3.yml"
CONTENT_V2 = "store_content.v2.yml"
WEBHOOKS = "webhooks.v3.yml"
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


def assert_valid_variants(products: list[dict]) -> None:
    variant_validator = validator(VARIANTS, VARIANT_ITEM)
    variants = [variant for product in products for variant in product.get("variants", [])]
    assert variants and [error for v in variants for error in errors_of(variant_validator, v)] == []


@pytest.mark.parametrize("page", [1, 3, 6])
def test_product_first_middle_and_last_pages_with_every_include(api: StoreApi, page: int):
    body = api.json("alpha1", "/v3/catalog/products", {"include": ALL_INCLUDES, "limit": 10, "page": page})

    assert_valid(PRODUCTS, "/catalog/products", body)
    assert_valid_variants(body["data"])


def test_last_product_page_of_a_huge_catalog(api: StoreApi):
    body = api.json("big1", "/v3/catalog/products", {"limit": 250, "page": 800})

    assert_valid(PRODUCTS, "/catalog/products", body)


@pytest.mark.parametrize(
    ("file_name", "spec_path", "path"),
    [
        (TREES, "/catalog/trees/categories", "/v3/catalog/trees/categories"),
        ("categories_catalog.v3.yml", "/catalog/categories", "/v3/catalog/categories"),
        ("brands_catalog.v3.yml", "/catalog/brands", "/v3/catalog/brands"),
        (PAGES, "/content/pages", "/v3/content/pages"),
    ],
)
def test_v3_collections_first_middle_and_last_pages(api: StoreApi, file_name: str, spec_path: str, path: str):
    total_pages = api.json("alpha1", path, {"limit": 3})["meta"]["pagination"]["total_pages"]

    for page in (1, (total_pages + 1) // 2, total_pages):
        body = api.json("alpha1", path, {"limit": 3, "page": page})
        assert body["data"] and body["meta"]["pagination"]["current_page"] == page
        assert_valid(file_name, spec_path, body)
    assert total_pages >= 3


@pytest.mark.parametrize("path", ["/blog/posts", "/pages"])
@pytest.mark.parametrize("page", [1, 2, 3])
def test_v2_lists_first_middle_and_last_pages(api: StoreApi, path: str, page: int):
    body = api.json("alpha1", f"/v2{path}", {"limit": 5, "page": page})

    assert body
    assert_valid(CONTENT_V2, path, body)


def test_hooks_envelope_and_401(api: StoreApi):
    body = api.json("alpha1", "/v3/hooks")
    unauthorized = api.get("alpha1", "/v3/hooks", token="wrong")

    # The spec's minItems: 1 on data cannot describe a store without hooks, so only meta is checked.
    assert body["data"] == []
    meta_schema = "#/components/responses/webhooks_Resp/content/application~1json/schema/properties/meta"
    assert errors_of(validator(WEBHOOKS, meta_schema), body["meta"]) == []
    assert_valid(WEBHOOKS, "/hooks", unauthorized.json(), "401")


@pytest.mark.parametrize(
    ("path", "params"), [("/catalog/trees", {"id:in": "one"}), ("/catalog/trees/categories", {"page": "two"})]
)
def test_category_tree_422_is_wrapped_as_documented(api: StoreApi, path: str, params: dict):
    response = api.get("alpha1", f"/v3{path}", params)

    assert response.status_code == 422
    assert_valid(TREES, path, response.json(), "422")


def test_channels_422(api: StoreApi):
    response = api.get("alpha1", "/v3/channels", {"limit": "many"})

    assert response.status_code == 422
    assert_valid("channels.v3.yml", "/channels", response.json(), "422")


@pytest.fixture
def edited_store(api: StoreApi, admin: SimulatorAdmin) -> dict[str, dict]:
    """alpha1 after one edit of each kind: what the admin API returned."""
    admin.update_product("alpha1", 4, {"price": 19.5, "sale_price": 15.0, "name": "Edited"})
    variant_id = api.json("alpha1", "/v3/catalog/products/4", {"include": "variants"})["data"]["variants"][0][
        "id"
    ]
    admin.update_variant("alpha1", 4, variant_id, {"inventory_level": 0, "sale_price": 9.0})
    admin.delete_product("alpha1", 7)
    admin.delete_item("alpha1", "categories", 33)
    admin.delete_item("alpha1", "brands", 41)
    admin.update_item("alpha1", "pages", 1, {"meta_keywords": None, "is_visible": False})
    admin.update_item("alpha1", "blog_posts", 2, {"tags": ["Edited"], "is_published": False})
    return {
        "product": admin.create_product("alpha1", {"name": "Created"}),
        "category": admin.create_item("alpha1", "categories", {"name": "Created", "parent_id": 21}),
        "brand": admin.create_item("alpha1", "brands", {"name": "Created"}),
        "page": admin.create_item("alpha1", "pages", {"name": "Created", "body": "<p>New</p>"}),
        "post": admin.create_item("alpha1", "blog_posts", {"title": "Created"}),
    }


@pytest.mark.parametrize("page", [1, 3, 6])
def test_product_pages_after_edits(api: StoreApi, edited_store: dict, page: int):
    body = api.json("alpha1", "/v3/catalog/products", {"include": ALL_INCLUDES, "limit": 10, "page": page})

    assert body["meta"]["pagination"]["total_pages"] == 6
    assert_valid(PRODUCTS, "/catalog/products", body)
    assert_valid_variants(body["data"])
    if page == 6:
        assert body["data"][-1]["id"] == edited_store["product"]["id"]


def test_single_products_after_edits(api: StoreApi, edited_store: dict):
    edited = api.json("alpha1", "/v3/catalog/products/4", {"include": ALL_INCLUDES})
    created = api.json(
        "alpha1", f"/v3/catalog/products/{edited_store['product']['id']}", {"include": ALL_INCLUDES}
    )
    deleted = api.get("alpha1", "/v3/catalog/products/7")

    assert edited["data"]["variants"][0]["sale_price"] == 9.0
    for body in (edited, created):
        assert_valid(PRODUCTS, "/catalog/products/{product_id}", body)
        assert_valid_variants([body["data"]])
    assert deleted.status_code == 404
    assert_valid(PRODUCTS, "/catalog/products/{product_id}", deleted.json(), "404")


def test_other_collections_after_edits(api: StoreApi, edited_store: dict):
    trees = api.json("alpha1", "/v3/catalog/trees/categories", {"limit": 250})
    legacy = api.json("alpha1", "/v3/catalog/categories", {"limit": 250})
    brands = api.json("alpha1", "/v3/catalog/brands")
    pages = api.json("alpha1", "/v3/content/pages", {"include": "body"})

    assert edited_store["category"] in trees["data"] and edited_store["brand"] in brands["data"]
    assert_valid(TREES, "/catalog/trees/categories", trees)
    assert_valid("categories_catalog.v3.yml", "/catalog/categories", legacy)
    assert_valid("brands_catalog.v3.yml", "/catalog/brands", brands)
    assert_valid(PAGES, "/content/pages", pages)
    assert errors_of(validator(PAGES, "#/components/schemas/typePage"), edited_store["page"]) == []
    assert_valid(CONTENT_V2, "/pages", api.json("alpha1", "/v2/pages", {"limit": 250}))
    assert_valid(CONTENT_V2, "/blog/posts", api.json("alpha1", "/v2/blog/posts", {"limit": 250}))
    assert_valid(CONTENT_V2, "/blog/posts/count", api.json("alpha1", "/v2/blog/posts/count"))
