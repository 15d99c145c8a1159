"""The simulated stores of the simulator tests, and a small HTTP client for them.

Each store exists to exercise one behaviour: sizes, quotas, latency or limit handling.
"""

from __future__ import annotations

import requests

from bigcommerce_simulator import CatalogSpec, StoreSpec

BASE_CATALOG = CatalogSpec(seed=1, products=60, categories=30, brands=8, pages=12, blog_posts=12)
EMPTY_CATALOG = CatalogSpec(seed=1, products=0, categories=0, brands=0, pages=0, blog_posts=0)

# A product's sub-resource paths, and the include key that carries the same items.
SUB_RESOURCES = {
    "variants": "variants",
    "images": "images",
    "videos": "videos",
    "custom-fields": "custom_fields",
    "bulk-pricing-rules": "bulk_pricing_rules",
    "options": "options",
    "modifiers": "modifiers",
}

STORES = [
    StoreSpec("alpha1", "token-alpha1", BASE_CATALOG, quota=0),
    StoreSpec("twin1", "token-twin1", BASE_CATALOG, quota=0),
    StoreSpec(
        "beta1",
        "token-beta1",
        CatalogSpec(seed=2, products=60, categories=30, brands=8, pages=12, blog_posts=12),
        quota=0,
    ),
    StoreSpec("empty1", "token-empty1", EMPTY_CATALOG, quota=0),
    StoreSpec("exact1", "token-exact1", CatalogSpec(seed=3, products=50, blog_posts=50), quota=0),
    StoreSpec("big1", "token-big1", CatalogSpec(seed=4, products=200_000, categories=500), quota=0),
    StoreSpec("limited1", "token-limited1", BASE_CATALOG, quota=5, window_ms=60_000),
    StoreSpec("burst1", "token-burst1", BASE_CATALOG, quota=2, window_ms=400),
    StoreSpec("slow1", "token-slow1", BASE_CATALOG, quota=0, latency_ms=150),
    StoreSpec("strict1", "token-strict1", BASE_CATALOG, quota=0, limit_overflow="413"),
]
SPECS = {spec.store_hash: spec for spec in STORES}


class StoreApi:
    """Sends authenticated requests to the simulated stores over one keep-alive session.

    :param base_url: the simulator URL.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.session = requests.Session()

    def get(
        self,
        store_hash: str,
        path: str,
        params: dict[str, object] | None = None,
        token: str | None = "default",
        timeout: float = 30,
    ) -> requests.Response:
        """GET ``/stores/{store_hash}{path}``.

        :param store_hash: the store.
        :param path: e.g. ``/v3/catalog/products``.
        :param params: query parameters.
        :param token: ``"default"`` for the store's token, ``None`` for no header, or a token.
        :param timeout: seconds to wait for the connection and for each read.
        """
        headers = {"Accept": "application/json"}
        if token == "default":
            token = SPECS[store_hash].token if store_hash in SPECS else "none"
        if token is not None:
            headers["X-Auth-Token"] = token
        return self.session.get(
            f"{self.base_url}/stores/{store_hash}{path}", params=params, headers=headers, timeout=timeout
        )

    def json(self, store_hash: str, path: str, params: dict[str, object] | None = None) -> object:
        """GET and decode JSON, asserting a 200.

        :param store_hash: the store.
        :param path: e.g. ``/v3/catalog/products``.
        :param params: query parameters.
        """
        response = self.get(store_hash, path, params)
        assert response.status_code == 200, response.text
        return response.json()

    def all_v3(self, store_hash: str, path: str, params: dict[str, object] | None = None) -> list[dict]:
        """Follow ``links.next`` from page 1 and return every item.

        :param store_hash: the store.
        :param path: a v3 collection path.
        :param params: query parameters for the first page.
        """
        body = self.json(store_hash, path, params)
        items = list(body["data"])
        while "next" in body["meta"]["pagination"]["links"]:
            body = self.json(store_hash, path + body["meta"]["pagination"]["links"]["next"])
            items += body["data"]
        return items
