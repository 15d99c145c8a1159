"""A small client for the simulator's ``/_simulator/`` control API."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from .faults import DEFAULT_DELAY_MS, DEFAULT_DUPLICATE_COUNT


class SimulatorAdminError(RuntimeError):
    """The control API refused a request (e.g. an invalid fault rule or an unknown item)."""


class SimulatorAdmin:
    """Reads stats, manages fault rules and edits the catalogs of a running simulator.

    :param url: the simulator base URL, e.g. ``http://127.0.0.1:54321``.
    :param timeout: seconds to wait for each answer.
    """

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def health(self) -> dict[str, Any]:
        """Return ``{"status": "ok", "stores": [...]}``."""
        return self._call("GET", "health")

    def stats(self) -> dict[str, Any]:
        """Return ``{"stores": {store_hash: counters}}``.

        Counters: ``requests``, ``responses`` (by status, plus ``dropped``),
        ``responses_by_path`` (``{path: {status: n}}``, IDs folded to ``{id}``), ``rate_limited``
        (the simulator's own quota 429s), ``too_many_requests`` (429s by cause: ``quota``,
        ``shedding`` for injected 429s without rate-limit headers, ``injected_with_headers``),
        ``faults_injected`` and ``faults_by_kind`` (e.g. ``{"503": 2, "drop": 1}``), ``paths``
        (hits per path), ``in_flight``, ``max_in_flight`` (peak concurrent requests) and
        ``quota_usage`` (``quota`` (0 when unlimited), ``window_ms``, ``max_used_in_window``
        and ``windows``: requests spent per window, the latest last).
        """
        return self._call("GET", "stats")

    def reset(self, catalog: bool = False) -> None:
        """Clear counters, fault rules and rate-limit windows.

        :param catalog: also drop every created, updated and deleted item.
        """
        self._call("POST", "reset", {"catalog": catalog} if catalog else None)

    def add_fault(
        self,
        store_hash: str | None,
        path: str,
        status: int | None = None,
        *,
        kind: str = "status",
        from_page: int = 1,
        after: int = 0,
        times: int | None = None,
        rate_limit_headers: bool = True,
        rate: float | None = None,
        kinds: list[str] | None = None,
        seed: int | str = 0,
        delay_ms: int = DEFAULT_DELAY_MS,
        duplicate_count: int = DEFAULT_DUPLICATE_COUNT,
        items: dict[int | str, Any] | None = None,
    ) -> dict[str, Any]:
        """Register a fault rule and return it (with its ``id``).

        :param store_hash: the store it applies to, or ``None`` for every store.
        :param path: path prefix below the store, e.g. ``/v3/catalog/products``.
        :param status: HTTP status to answer with when ``kind`` is ``"status"``.
        :param kind: ``"status"``, ``"drop"`` (close the connection), ``"truncate"`` (cut the
            JSON), ``"timeout"`` (hold ``delay_ms``, then close), ``"slow"`` (hold ``delay_ms``,
            then answer), ``"duplicates"`` (page N repeats the last items of page N-1) or
            ``"malformed"`` (the ``items`` of a list page served malformed).
        :param from_page: the first ``page`` value affected (requests without ``page`` are page 1).
        :param after: how many matching requests it spares before it starts to fire.
        :param times: how many requests it affects before expiring; ``None`` for all.
        :param rate_limit_headers: ``False`` omits the ``X-Rate-Limit-*`` headers (load shedding).
        :param rate: the share of matching requests that fail, e.g. ``0.2``; ``None`` for all.
        :param kinds: instead of ``kind`` and ``status``, outcomes to mix, e.g.
            ``["500", "503", "429-shedding", "drop", "truncate", "timeout"]``.
        :param seed: makes the ``rate`` and ``kinds`` draws repeatable.
        :param delay_ms: how long ``timeout`` and ``slow`` hold a request.
        :param duplicate_count: how many items ``duplicates`` repeats.
        :param items: for ``malformed``, what each item becomes by its ID: an object's fields are
            merged into the item with any type (``{"price": "free"}``), any other JSON value
            replaces it (``"junk"``, ``None``).
        """
        outcome: dict[str, Any] = {"kinds": kinds} if kinds is not None else {"kind": kind, "status": status}
        rule = {
            "store_hash": store_hash,
            "path": path,
            **outcome,
            "from_page": from_page,
            "after": after,
            "times": times,
            "rate_limit_headers": rate_limit_headers,
            "rate": rate,
            "seed": seed,
            "delay_ms": delay_ms,
            "duplicate_count": duplicate_count,
            **({"items": {str(item_id): value for item_id, value in items.items()}} if items else {}),
        }
        return self._call("POST", "faults", rule)["fault"]

    def faults(self) -> list[dict[str, Any]]:
        """Return the active fault rules."""
        return self._call("GET", "faults")["faults"]

    def clear_faults(self) -> None:
        """Remove every fault rule."""
        self._call("DELETE", "faults")

    def configure_webhooks(self, **settings: Any) -> dict[str, Any]:
        """Change how callbacks are delivered and return the settings (reset restores the defaults).

        :param settings: ``retry_scale`` (multiplies the documented retry schedule),
            ``duplicate_every`` (every Nth callback sent twice; 0: never),
            ``allow_insecure_destinations`` (http hooks on any port, for tests).
        """
        return self._call("PUT", "webhooks", settings)["settings"]

    def webhook_deliveries(self) -> list[dict[str, Any]]:
        """Every callback delivery attempt, oldest first: hook_id, scope, hash, data, attempt, status,
        duplicate."""
        return self._call("GET", "webhooks/deliveries")["deliveries"]

    # Catalog edits: ``kind`` is products, categories, brands, pages or blog_posts.

    def create_item(
        self, store_hash: str, kind: str, overrides: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Create an item with the next free ID and return it.

        :param store_hash: the store.
        :param kind: the kind of item.
        :param overrides: fields replacing the generated defaults.
        """
        return self._call("POST", f"stores/{store_hash}/{kind}", overrides or {})["data"]

    def update_item(
        self, store_hash: str, kind: str, item_id: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Change fields of an item and return it (a product's ``date_modified`` becomes now).

        :param store_hash: the store.
        :param kind: the kind of item.
        :param item_id: the item's ID.
        :param changes: the new field values.
        """
        return self._call("PUT", f"stores/{store_hash}/{kind}/{item_id}", changes)["data"]

    def delete_item(
        self, store_hash: str, kind: str, item_id: int, delete_children: bool = False
    ) -> list[int]:
        """Delete an item and return the IDs deleted with it (a category's subcategories too).

        :param store_hash: the store.
        :param kind: the kind of item.
        :param item_id: the item's ID.
        :param delete_children: for pages, delete subpages instead of lifting them to the top level.
        """
        query = "?delete_children=true" if delete_children else ""
        return self._call("DELETE", f"stores/{store_hash}/{kind}/{item_id}{query}")["deleted"]

    def create_product(self, store_hash: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
        """Create a product (``date_created`` and ``date_modified`` now) and return it.

        :param store_hash: the store.
        :param overrides: fields replacing the generated defaults, e.g. ``{"name": "Mug"}``.
        """
        return self.create_item(store_hash, "products", overrides)

    def update_product(self, store_hash: str, product_id: int, changes: dict[str, Any]) -> dict[str, Any]:
        """Change product fields and return the product; its ``date_modified`` becomes now.

        :param store_hash: the store.
        :param product_id: the product's ID.
        :param changes: the new field values, e.g. ``{"price": 12.5}``.
        """
        return self.update_item(store_hash, "products", product_id, changes)

    def update_variant(
        self, store_hash: str, product_id: int, variant_id: int, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Change variant fields and return the variant; the product's ``date_modified`` stays.

        :param store_hash: the store.
        :param product_id: the product's ID.
        :param variant_id: the variant's ID.
        :param changes: the new field values, e.g. ``{"inventory_level": 0}``.
        """
        path = f"stores/{store_hash}/products/{product_id}/variants/{variant_id}"
        return self._call("PUT", path, changes)["data"]

    def delete_product(self, store_hash: str, product_id: int) -> list[int]:
        """Delete a product (it vanishes from lists, counts and ``id:in``; its GET is 404).

        :param store_hash: the store.
        :param product_id: the product's ID.
        """
        return self.delete_item(store_hash, "products", product_id)

    def _call(self, method: str, endpoint: str, payload: object = None) -> dict[str, Any]:
        """Send one control request and decode the JSON answer.

        :param method: HTTP method.
        :param endpoint: the part after ``/_simulator/``.
        :param payload: JSON body, if any.
        :raises SimulatorAdminError: when the simulator answers with an error status.
        """
        data = None if payload is None else json.dumps(payload).encode()
        request = urllib.request.Request(
            f"{self.url}/_simulator/{endpoint}",
            data=data,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            detail = error.read().decode(errors="replace")
            message = f"{method} /_simulator/{endpoint} failed: {error.code} {detail}"
            raise SimulatorAdminError(message) from None
