"""Equal seeds give identical stores, across stores, processes and the in-process Catalog."""

from __future__ import annotations

import pytest

from bigcommerce_simulator import Catalog, SimulatorProcess
from tests.simulator.support import BASE_CATALOG, SPECS, StoreApi

SAMPLE_REQUESTS = [
    ("/v3/catalog/products", {"include": "variants,images,custom_fields,primary_image", "limit": 60}),
    ("/v3/catalog/products", {"include": "options,modifiers", "page": 3}),
    ("/v3/catalog/trees/categories", {"limit": 250}),
    ("/v3/catalog/categories", {"limit": 250}),
    ("/v3/catalog/brands", None),
    ("/v3/content/pages", {"include": "body"}),
    ("/v2/blog/posts", None),
    ("/v2/pages", None),
]


@pytest.mark.parametrize(("path", "params"), SAMPLE_REQUESTS)
def test_stores_with_the_same_spec_serve_identical_json(api: StoreApi, path: str, params: dict | None):
    alpha = api.get("alpha1", path, params)
    twin = api.get("twin1", path, params)

    assert alpha.status_code == twin.status_code == 200
    assert alpha.content == twin.content


def test_a_fresh_process_serves_byte_identical_json(api: StoreApi):
    with SimulatorProcess([SPECS["alpha1"]]) as other:
        other_api = StoreApi(other.url)
        for path, params in SAMPLE_REQUESTS:
            assert other_api.get("alpha1", path, params).content == api.get("alpha1", path, params).content


def test_a_different_seed_gives_different_content(api: StoreApi):
    alpha = api.json("alpha1", "/v3/catalog/products", {"limit": 60})["data"]
    beta = api.json("beta1", "/v3/catalog/products", {"limit": 60})["data"]

    assert [p["id"] for p in alpha] == [p["id"] for p in beta]
    different = sum(a["name"] != b["name"] for a, b in zip(alpha, beta, strict=True))
    assert different >= 55
    assert api.json("alpha1", "/v2/blog/posts") != api.json("beta1", "/v2/blog/posts")


def test_the_in_process_catalog_predicts_what_the_server_serves(api: StoreApi):
    catalog = Catalog(BASE_CATALOG)
    include = {"variants", "images", "custom_fields", "primary_image"}

    served = api.json("alpha1", "/v3/catalog/products", {"include": ",".join(include), "limit": 60})["data"]
    posts = api.json("alpha1", "/v2/blog/posts")

    assert served == [catalog.product(index, include) for index in range(60)]
    assert posts == [catalog.blog_post(index) for index in range(11, -1, -1)]
    assert api.json("alpha1", "/v3/catalog/brands")["data"] == [catalog.brand(index) for index in range(8)]


def test_a_product_is_the_same_whatever_is_included(api: StoreApi):
    bare = api.json("alpha1", "/v3/catalog/products/9")["data"]
    full = api.json(
        "alpha1",
        "/v3/catalog/products/9",
        {"include": "variants,images,custom_fields,primary_image,options,modifiers"},
    )["data"]

    assert {key: value for key, value in full.items() if key in bare} == bare
