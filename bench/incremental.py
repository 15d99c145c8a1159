"""Section 6: an incremental products sync after 1% of the store changed, against a full one.

Both are the store's ``import.products`` task (``ImportOperator.execute()``) in a fresh
process, measured in the same run on the same store: the full sync first (into a new
version, then published behind the alias so there is a live index), then, after
editing 1% of the products through the simulator's admin API (untimed), the
incremental sync reading the products changed since the full sync's watermark minus
the overlap margin. A second incremental sync follows, after the same products are
edited again and 10 others deleted: it lists every product id to find the deletions.
Each run's API requests come from the simulator's counters (reset just before it);
its seconds are the child's own timing of ``execute()``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bench.settings import CREATE_INDEX_TASK_ID, BenchStore
from bench.stack import Stack
from bigcommerce_simulator import Catalog, SimulatorAdmin

EDITED_SHARE = 0.01  # of the store's products, edited before each incremental sync
DELETED_PRODUCTS = 10  # deleted before the second incremental sync
OVERLAP = timedelta(seconds=300)  # the registry's default incremental_overlap_seconds


def incremental_sync(stack: Stack, store: BenchStore) -> dict[str, Any]:
    """Requests and wall time of incremental product syncs ÷ those of a full one, on ``store``.

    The simulator's catalog edits are undone afterwards, so later sections see the store unedited.
    """
    products = store.catalog.products
    edited = spread_ids(store, int(products * EDITED_SHARE))
    deleted = spread_ids(store, DELETED_PRODUCTS, offset=max(products // (2 * len(edited)), 1))
    try:
        with stack.search():
            full = _full_sync(stack, store)
            _edit(stack.admin, store, edited, round_=1)
            changed = _incremental_sync(stack, store, full["watermark"], "incremental-changed")
            _edit(stack.admin, store, edited, round_=2)
            for product_id in deleted:
                stack.admin.delete_product(store.store_hash, product_id)
            with_deletions = _incremental_sync(stack, store, changed["watermark"], "incremental-deleted")
    finally:
        stack.admin.reset(catalog=True)
    return {
        "products": products,
        "edited": len(edited),
        "overlap_s": OVERLAP.total_seconds(),
        "full": full,
        "changed": changed,
        **_ratios(changed, full),
        "with_deletions": {
            "deleted_in_store": len(deleted),
            **with_deletions,
            **_ratios(with_deletions, full),
        },
    }


def spread_ids(store: BenchStore, count: int, offset: int = 0) -> list[int]:
    """``count`` product ids of ``store`` spread evenly over its id range, starting ``offset`` products in.

    :param offset: products skipped before the first, so that two spreads need not meet.
    """
    products = Catalog(store.catalog).product_ids
    step = products.count // max(count, 1)
    return [products.id_of(offset + n * step) for n in range(count)]


def _edit(admin: SimulatorAdmin, store: BenchStore, product_ids: list[int], round_: int) -> None:
    """Change the name and price of each product (its ``date_modified`` becomes now)."""
    for product_id in product_ids:
        changes = {"name": f"Edited product {product_id} round {round_}", "price": 10 + round_}
        admin.update_product(store.store_hash, product_id, changes)


def _full_sync(stack: Stack, store: BenchStore) -> dict[str, Any]:
    """A full product sync's import task into a new version, then published as the live index."""
    xcoms = stack.prepare(store, "product")
    run = _counted_import(stack, store, xcoms, "incremental-full")
    stack.publish(store, xcoms[CREATE_INDEX_TASK_ID])
    return run


def _incremental_sync(stack: Stack, store: BenchStore, watermark: str, name: str) -> dict[str, Any]:
    """An incremental product sync's import task, reading products changed since ``watermark`` − overlap."""
    since = datetime.fromisoformat(watermark) - OVERLAP
    xcoms = stack.claim(store, "product", "incremental", changed_since=since)
    return {"changed_since": since.isoformat(), **_counted_import(stack, store, xcoms, name)}


def _counted_import(stack: Stack, store: BenchStore, xcoms: dict[str, Any], name: str) -> dict[str, Any]:
    """Run ``import.products`` in a fresh process; its API requests, seconds, counts and watermark."""
    stack.admin.reset()  # the counters only: the catalog's edits stay
    run = stack.import_task(store, "products", xcoms, name)
    counters = stack.admin.stats()["stores"][store.store_hash]
    return {
        "requests": counters["requests"],
        "requests_by_path": counters["paths"],
        "seconds": run["wall_s"],
        **run["summary"]["entities"]["products"],
        "watermark": run["summary"]["watermark"],
    }


def _ratios(run: dict[str, Any], full: dict[str, Any]) -> dict[str, float]:
    """An incremental run's requests and seconds ÷ the full run's."""
    return {
        "requests_ratio": run["requests"] / full["requests"],
        "wall_ratio": run["seconds"] / full["seconds"],
    }
