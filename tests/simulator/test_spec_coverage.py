"""Every GET endpoint of the official files in scope is served, with exactly its documented query
parameters, and its 200 and 404 bodies validate against the published schemas."""

from __future__ import annotations

from functools import cache
from typing import Any

import pytest

from bigcommerce_simulator.routes import ROUTES
from tests.simulator.openapi import _document, errors_of, require_spec_dir, response_validator, validator
from tests.simulator.support import SUB_RESOURCES, StoreApi

SPEC_FILES = {
    "v3": (
        "brands_catalog.v3.yml",
        "categories_catalog.v3.yml",
        "category-trees_catalog.v3.yml",
        "channels.v3.yml",
        "pages.v3.yml",
        "product-modifiers_catalog.v3.yml",
        "product-variant-options_catalog.v3.yml",
        "product-variants_catalog.v3.yml",
        "products_catalog.v3.yml",
        "sites.v3.yml",
        "webhooks.v3.yml",
    ),
    "v2": ("store_content.v2.yml", "store_information.v2.yml"),
}
# What the simulator does not serve, and why. The test below fails if one of these becomes
# served (so the list stays true) or if anything else in the files is left unserved.
NOT_SERVED = {
    "metafields": "metafields are app-private key/value data; no simulated store has any",
    "/complex-rules": "complex rules need modifier/option price adjustment semantics the sync never reads",
    "/reviews": "reviews are not simulated (a product carries only reviews_count/rating_sum)",
    "/catalog/products/channel-assignments": "every product is on channel 1 (include=channels)",
    "/catalog/products/category-assignments": "the same facts are in each product's categories",
    "/catalog/summary": "inventory valuation summary: no client of ours or in scope reads it",
    "/sort-order": "per-category manual product sort order is not simulated",
    "/listings": "channel listings belong to marketplace channels; the store has only its storefront",
    "currency-assignments": "one currency (USD) only",
    "/active-theme": "themes are not simulated",
    "/channel-menus": "control-panel menus are not simulated",
    "certificate": "TLS certificates are not simulated",
    "/redirects": "301 redirects are not simulated",
}


@pytest.fixture(autouse=True)
def spec_files() -> None:
    require_spec_dir()


def _resolved(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/")]
        node = target
    return node


@cache
def file_gets(file_name: str) -> dict[str, frozenset[str]]:
    """``path -> documented query parameters`` for every GET of one spec file."""
    document = _document(file_name)
    found = {}
    for path, item in document["paths"].items():
        if "get" in item:
            params = [
                _resolved(document, p) for p in item.get("parameters", []) + item["get"].get("parameters", [])
            ]
            found[path] = frozenset(p["name"] for p in params if p.get("in") == "query")
    return found


@cache
def documented_gets() -> dict[tuple[str, str], tuple[str, frozenset[str]]]:
    """``(version, path) -> (file, documented query parameters)`` for every GET in scope."""
    return {
        (version, path): (file_name, params)
        for version, files in SPEC_FILES.items()
        for file_name in files
        for path, params in file_gets(file_name).items()
    }


def _unserved_reason(path: str) -> str | None:
    return next((reason for marker, reason in NOT_SERVED.items() if marker in path), None)


def test_every_documented_get_is_served_with_exactly_its_documented_parameters():
    served = {(route.version, route.path): route for route in ROUTES if route.method == "GET"}
    wrong = []
    for key, (file_name, params) in documented_gets().items():
        reason = _unserved_reason(key[1])
        route = served.get(key)
        if reason is not None:
            if route is not None:
                wrong.append(f"{key} is served but listed as not served")
            continue
        if route is None:
            wrong.append(f"{key} ({file_name}) is not served")
        elif route.params != params:
            missing, extra = sorted(params - route.params), sorted(route.params - params)
            wrong.append(f"{key}: missing {missing}, undocumented {extra}")
    undocumented = [key for key in served if key not in documented_gets()]

    assert wrong == [] and undocumented == []
    assert len(served) >= 40


@pytest.fixture(scope="module")
def examples(sim_process) -> dict[str, Any]:
    """Products of alpha1 that have each kind of sub-resource, and other IDs to address."""
    api = StoreApi(sim_process.url)
    include = "variants,images,videos,custom_fields,bulk_pricing_rules,options,modifiers"
    products = api.all_v3("alpha1", "/v3/catalog/products", {"include": include})
    api.session.close()
    return {"products": products}


@pytest.fixture
def hook(api: StoreApi, sim_process, admin) -> dict[str, Any]:
    """A webhook of alpha1, created after the per-test reset."""
    response = api.session.post(
        f"{sim_process.url}/stores/alpha1/v3/hooks",
        json={"scope": "store/product/updated", "destination": "https://example.com/hooks"},
        headers={"X-Auth-Token": "token-alpha1"},
    )
    assert response.status_code == 200, response.text
    return response.json()["data"]


def concrete_path(version: str, path: str, examples: dict[str, Any]) -> str:
    """Fill a spec path's placeholders with IDs that exist in alpha1."""
    parts = path.strip("/").split("/")
    sub = next((SUB_RESOURCES[part] for part in parts if part in SUB_RESOURCES), None)
    needs_values = "/values" in path

    def usable(item: dict) -> bool:
        return not needs_values or bool(item["option_values"])

    product = next(p for p in examples["products"] if sub is None or any(map(usable, p[sub])))
    item = next(filter(usable, product[sub])) if sub else None
    values = {
        "product_id": product["id"],
        "brand_id": 40,
        "category_id": 21,
        "tree_id": 1,
        "pageId": 2,
        "id": item["id"] if item else 3,
        "channel_id": 1,
        "site_id": 1000,
        "route_id": 2,
        "webhook_id": 1,
    }
    if item is not None:
        values.update(variant_id=item["id"], image_id=item["id"], custom_field_id=item["id"])
        values.update(bulk_pricing_rule_id=item["id"], option_id=item["id"], modifier_id=item["id"])
        if item.get("option_values"):
            values["value_id"] = item["option_values"][0]["id"]
    filled = [str(values[part[1:-1]]) if part.startswith("{") else part for part in parts]
    return f"/{version}/" + "/".join(filled)


def served_gets() -> list[tuple[str, str]]:
    return sorted((route.version, route.path) for route in ROUTES if route.method == "GET")


# Where a published schema contradicts the rest of the reference, the body is checked
# against the part that agrees with it, and the reason is given.
ITEM_SCHEMAS = {
    # "Get all bulk pricing rules" types data as one object; the product's own
    # bulk_pricing_rules include (same file) and every other "Get all" are arrays.
    ("v3", "/catalog/products/{product_id}/bulk-pricing-rules"): (
        "products_catalog.v3.yml",
        "#/paths/~1catalog~1products~1{product_id}~1bulk-pricing-rules~1{bulk_pricing_rule_id}/get/responses/200/"
        "content/application~1json/schema/properties/data",
    ),
    # The tags schema nests an array in an array; the reference and real responses are
    # one flat array of {tag, post_ids}.
    ("v2", "/blog/tags"): (
        "store_content.v2.yml",
        "#/components/schemas/blogTags/items",
    ),
}


@pytest.mark.parametrize(("version", "path"), served_gets())
def test_each_served_get_validates(api: StoreApi, examples: dict, hook: dict, version: str, path: str):
    file_name, _ = documented_gets()[(version, path)]
    response = api.get("alpha1", concrete_path(version, path, examples))

    assert response.status_code == 200, response.text
    body = response.json()
    if (version, path) in ITEM_SCHEMAS:
        item_file, pointer = ITEM_SCHEMAS[(version, path)]
        items = body["data"] if version == "v3" else body
        assert items and [e for item in items for e in errors_of(validator(item_file, pointer), item)] == []
    else:
        assert errors_of(response_validator(file_name, path), body) == []
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        assert body["data"], f"{path}: the example should not be empty"


def _documents_404(file_name: str, path: str) -> bool:
    return "404" in _document(file_name)["paths"][path]["get"]["responses"]


@pytest.mark.parametrize(("version", "path"), [key for key in served_gets() if key[1].endswith("}")])
def test_each_single_item_get_is_404_for_a_missing_id(api: StoreApi, examples: dict, version: str, path: str):
    file_name, _ = documented_gets()[(version, path)]
    concrete = concrete_path(version, path, examples)
    missing = concrete.rsplit("/", 1)[0] + "/987654"

    response = api.get("alpha1", missing)

    assert response.status_code == 404
    body = response.json()
    if version == "v2":
        assert body[0]["status"] == 404
    elif _documents_404(file_name, path):
        media = "application/problem+json" if path.startswith("/content/") else "application/json"
        assert response.headers["Content-Type"] == media
        assert errors_of(response_validator(file_name, path, "404", media), body) == []
