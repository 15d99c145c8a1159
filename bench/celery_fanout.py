"""Section 8, many stores on Celery: twenty stores synced at once by two Celery workers.

A live Airflow with the CeleryExecutor (``LocalAirflow(executor="celery")``, as ``make airflow
EXECUTOR=celery`` runs it: a Redis broker, two workers of 4 task slots) on the run's Postgres and
Elasticsearch serves twenty simulator stores of a few hundred products each. Each store's quota
is tight (10 requests per 2 s window, so every sync has to pace itself: a sync spends about 13
requests and keeps a reserve of 6), and the ``search_bulk`` pool has its default size. All twenty
DAGs are triggered through the REST API at once; the figures come from the runs' task instances
(worker, start, end, pool), the batch rows, the pool as the API reports it (sampled every 0.5 s
while the runs go on) and the simulator's counters.
"""

from __future__ import annotations

import statistics
import threading
import time
from collections import Counter
from contextlib import closing
from dataclasses import replace
from typing import TYPE_CHECKING, Any

import psycopg
import requests

from bench.stack import write_registry
from bigcommerce_simulator import CatalogSpec, StoreSpec
from bigcommerce_sync.pools import SEARCH_BULK
from bigcommerce_sync_dev.fan_out import StoreRun, peak_overlap, sync_at_once
from bigcommerce_sync_dev.local_airflow import LocalAirflow
from bigcommerce_sync_dev.stack import DevStack

if TYPE_CHECKING:
    from bench.stack import Stack

STORES = 20
CATALOG = CatalogSpec(seed=8000, products=300, categories=10, brands=4, pages=4, blog_posts=8)
QUOTA, WINDOW_MS = 10, 2_000
RUNS_TIMEOUT_S = 1_200
SAMPLE_S = 0.5
DATABASES = ("bcsync_bench_celery", "bcsync_bench_celery_airflow")


def celery_fanout(stack: Stack) -> dict[str, Any]:
    """Run the section; return its figures."""
    specs = [
        StoreSpec(f"benchfan{n:02d}", stack.token, replace(CATALOG, seed=CATALOG.seed + n), QUOTA, WINDOW_MS)
        for n in range(1, STORES + 1)
    ]
    hashes = [spec.store_hash for spec in specs]
    dev = stack.dev
    stack.delete_bench_indexes()
    with DevStack(specs, databases=DATABASES, postgres_url=dev.postgres_url, search=dev.search) as fan:
        entries = [
            {"store_hash": h, "name": f"Bench {h}", "connection_id": f"bigcommerce_{h}", "retries": 0}
            for h in hashes
        ]
        registry = write_registry(stack.workdir / "celery-stores.yaml", entries)
        settings = {**fan.connections(batch_db=DATABASES[0]), "BIGCOMMERCE_SYNC_STORES_FILE": str(registry)}
        home = stack.workdir / "celery-airflow"
        metadata = fan.database_url(DATABASES[1])
        with LocalAirflow(home, settings, metadata_db_url=metadata, executor="celery") as airflow:
            for store_hash in hashes:
                airflow.wait_for_dag(f"bigcommerce_sync_{store_hash}")
            with _PoolSampler(airflow) as pool:
                started = time.monotonic()
                runs = sync_at_once(airflow, hashes, {"sync_type": "all"}, timeout=RUNS_TIMEOUT_S)
                wall_s = time.monotonic() - started
            workers = airflow.worker_names
        with closing(psycopg.connect(fan.database_url(DATABASES[0]))) as db:
            batches = db.execute(
                "SELECT status, EXTRACT(EPOCH FROM finished_at - started_at)::float FROM sync_batches"
            ).fetchall()
        stats = fan.simulator.admin.stats()["stores"]
    stack.delete_bench_indexes()
    return _figures(runs, batches, stats, wall_s, workers, pool)


class _PoolSampler:
    """Reads ``GET /api/v2/pools/search_bulk`` every ``SAMPLE_S`` until the block ends; keeps the peaks."""

    def __init__(self, airflow: LocalAirflow) -> None:
        self.url = f"{airflow.url}/api/v2/pools/{SEARCH_BULK.name}"
        self.headers = airflow.auth_headers()
        self.peaks: dict[str, int] = {"slots": 0, "occupied_slots": 0, "running_slots": 0, "queued_slots": 0}
        self.samples = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _PoolSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._done.is_set():
            try:
                pool = requests.get(self.url, headers=self.headers, timeout=10).json()
            except requests.RequestException:
                pool = {}
            self.samples += 1
            for key in self.peaks:
                self.peaks[key] = max(self.peaks[key], int(pool.get(key) or 0))
            self._done.wait(SAMPLE_S)


def _percentiles(values: list[float]) -> dict[str, float | None]:
    ordered = sorted(values)
    if not ordered:
        return {"p50": None, "p95": None, "max": None}
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[max(0, round(0.95 * len(ordered)) - 1)],
        "max": ordered[-1],
    }


def _figures(
    runs: list[StoreRun],
    batches: list[tuple[str, float | None]],
    stats: dict[str, dict[str, Any]],
    wall_s: float,
    workers: list[str],
    pool: _PoolSampler,
) -> dict[str, Any]:
    ran = [ti for run in runs for ti in run.task_instances if ti["state"] in ("success", "skipped")]
    in_pool = [ti for ti in ran if ti["pool"] == SEARCH_BULK.name]
    imports = [ti for ti in in_pool if ti["task_id"].startswith("import.") and ti["state"] == "success"]
    fan_stats = list(stats.values())  # the section's own simulator: its twenty stores only
    return {
        "stores": len(runs),
        "products_per_store": CATALOG.products,
        "quota": {"requests": QUOTA, "window_ms": WINDOW_MS},
        "workers": len(workers),
        "wall_s": wall_s,
        "run_states": dict(Counter(run.run["state"] for run in runs)),
        "batch_statuses": dict(Counter(status for status, _ in batches)),
        "batch_s": _percentiles([seconds for _, seconds in batches if seconds is not None]),
        "run_s": _percentiles([run.seconds for run in runs]),
        "tasks_per_worker": dict(Counter(ti["hostname"] for ti in ran)),
        "pool": {
            "name": SEARCH_BULK.name,
            "slots": SEARCH_BULK.slots,
            "peak_running_imports": peak_overlap(imports),
            "peak_running_in_pool": peak_overlap(in_pool),
            "sampled_peaks": pool.peaks,
            "samples": pool.samples,
        },
        "responses_429": sum(int(c["responses"].get("429", 0)) for c in fan_stats),
        "requests": sum(int(c["requests"]) for c in fan_stats),
        "max_used_in_window": max(int(c["quota_usage"]["max_used_in_window"]) for c in fan_stats),
    }
