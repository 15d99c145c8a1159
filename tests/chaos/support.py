"""What every chaos case checks: the run ends in time, its batch is closed, search has each item once."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bigcommerce_simulator import Catalog, CatalogSpec
from bigcommerce_sync.batches import Batch
from bigcommerce_sync.index_lifecycle import alias_name, version_name
from bigcommerce_sync.sync_types import Entity
from bigcommerce_sync_dev.local_airflow import wait_until
from tests.live import LiveStack, dag_id

# A run of these small stores takes well under a minute, three times that on a machine busy with
# other work; a batch still Processing past this is stuck.
RUN_TIMEOUT = 180.0
IMPORTS = ("import.products", "import.categories", "import.blogs")
OUTCOMES_FILE = Path(__file__).resolve().parents[2] / "artifacts" / "chaos" / "outcomes.json"


@dataclass
class Outcome:
    """What one chaos case measured, for the report (``artifacts/chaos/outcomes.json``)."""

    case: str
    started: float = field(default_factory=time.monotonic)
    facts: dict[str, Any] = field(default_factory=dict)

    def note(self, **facts: Any) -> None:
        self.facts.update(facts)

    def save(self) -> None:
        OUTCOMES_FILE.parent.mkdir(parents=True, exist_ok=True)
        saved = json.loads(OUTCOMES_FILE.read_text()) if OUTCOMES_FILE.exists() else {}
        saved[self.case] = {"seconds": round(time.monotonic() - self.started, 1), **self.facts}
        OUTCOMES_FILE.write_text(json.dumps(saved, indent=2, sort_keys=True, default=str) + "\n")


def trigger(live: LiveStack, store_hash: str, run_id: str, conf: dict[str, Any] | None = None) -> None:
    response = live.api.trigger(dag_id(store_hash), conf or {"sync_type": "all"}, run_id=run_id)
    assert response.status_code == 200, response.text


def task_instance(live: LiveStack, store_hash: str, run_id: str, task_id: str) -> dict[str, Any]:
    """The API's task instance (its ``state``, ``try_number`` and the ``pid`` running it)."""
    return live.api.get(f"dags/{dag_id(store_hash)}/dagRuns/{run_id}/taskInstances/{task_id}")


def tries(live: LiveStack, store_hash: str, run_id: str) -> dict[str, int]:
    """How many tries each task of the run took (1 when it never retried)."""
    found = live.api.get(f"dags/{dag_id(store_hash)}/dagRuns/{run_id}/taskInstances", limit=100)
    return {ti["task_id"]: ti["try_number"] for ti in found["task_instances"]}


def product_pages_asked(live: LiveStack, store_hash: str) -> int:
    """How many product pages the store was asked for so far (by every run)."""
    return live.simulator.stats()["stores"][store_hash]["paths"].get("/v3/catalog/products", 0)


def wait_until_importing_products(
    live: LiveStack, store_hash: str, asked_before: int, *, pages: int = 2, timeout: float = 120.0
) -> None:
    """Wait until the products import has asked for its ``pages``-th page of products.

    The pages before it are read, their documents on their way to the index or in it: the import
    is mid-bulk.

    :param asked_before: :func:`product_pages_asked` before the run started.
    """
    wait_until(
        lambda: product_pages_asked(live, store_hash),
        lambda asked: asked >= asked_before + pages,
        timeout=timeout,
        what=f"page {pages} of {store_hash}'s products asked for",
        interval=0.1,
    )


def wait_for_closed_batch(
    live: LiveStack, store_hash: str, run_id: str, timeout: float = RUN_TIMEOUT
) -> Batch:
    """Wait for the run to end, and return its batch, which must be Completed or Failed with a reason.

    :raises DeadlineExceeded: the run is still going after ``timeout`` (its batch is stuck).
    """
    run = live.api.wait_for_run(dag_id(store_hash), run_id, timeout=timeout)
    batch = live.batches.find_by_run(dag_id(store_hash), run_id)
    assert batch is not None, f"run {run_id} ({run['state']}) left no batch"
    assert batch.status in {"completed", "failed"}, f"run {run_id} is {run['state']}, its batch {batch}"
    if batch.status == "failed":
        assert batch.error_summary, f"batch {batch.id} failed without a reason"
    assert batch.finished_at is not None
    return batch


def live_targets(live: LiveStack, store_hash: str) -> dict[Entity, list[str]]:
    """The indexes each alias of the store serves."""
    return {entity: live.search.alias_targets(alias_name(store_hash, entity)) for entity in Entity}


def expected_ids(catalog: CatalogSpec) -> dict[Entity, set[str]]:
    """The document ids a full sync of the catalog must leave in search, by entity."""
    made = Catalog(catalog)
    ranges = {
        Entity.PRODUCTS: made.product_ids,
        Entity.CATEGORIES: made.category_ids,
        Entity.PAGES: made.page_ids,
        Entity.BLOG_POSTS: made.blog_post_ids,
    }
    return {entity: {str(ids.id_of(i)) for i in range(ids.count)} for entity, ids in ranges.items()}


def assert_published_exactly_once(
    live: LiveStack, store_hash: str, batch: Batch, catalog: CatalogSpec
) -> None:
    """Each alias serves the batch's version alone, which holds every catalog item once and nothing else."""
    for entity, ids in expected_ids(catalog).items():
        alias = alias_name(store_hash, entity)
        assert live.search.alias_targets(alias) == [version_name(store_hash, entity, batch.id)], alias
        live.search.refresh(alias)
        found = live.search.field_by_id(alias)
        assert live.search.count(alias) == len(ids), f"{alias}: {live.search.count(alias)} documents"
        missing, extra = sorted(ids - set(found)), sorted(set(found) - ids)
        assert not missing and not extra, f"{alias}: missing {missing[:5]}, extra {extra[:5]}"


def assert_closed_cleanly(
    live: LiveStack,
    store_hash: str,
    batch: Batch,
    catalog: CatalogSpec,
    before: dict[Entity, list[str]],
) -> None:
    """Completed: published exactly once. Failed (its retries spent on the outage): search as it was.

    :param before: :func:`live_targets` before the run started.
    """
    if batch.status == "completed":
        assert_published_exactly_once(live, store_hash, batch, catalog)
        return
    assert live_targets(live, store_hash) == before
    assert live.search.indexes_matching(f"bc_{store_hash}_*_v{batch.id}") == []  # its versions dropped
