"""Section 7, freshness: an edit in the store → visible through the search alias, by webhook.

A live Airflow (api-server, scheduler, dag-processor, triggerer; ``LocalAirflow``, as
``make airflow`` runs it) on the run's Postgres and Elasticsearch serves one webhook store
of the simulator. The store is synced in full once, its hooks are registered (the
registration function, pointing at the live receiver; the simulator delivers over http,
retries compressed 100×, every 10th callback sent twice), then products are edited at a
steady rate, every 10th deleted. For each edit the time from the simulator's answer to the
change being visible through ``bc_<store>_products`` is measured by one watcher polling
every 0.2 s. ``applied_ratio`` is the events applied ÷ the distinct callbacks the
simulator delivered.
"""

from __future__ import annotations

import json
import os
import secrets
import statistics
import threading
import time
from typing import TYPE_CHECKING, Any

import psycopg
import requests
from elasticsearch import Elasticsearch

from bench.stack import write_registry
from bigcommerce_simulator import CatalogSpec, StoreSpec
from bigcommerce_sync_dev.connections import bigcommerce_connection, env_name, free_port
from bigcommerce_sync_dev.local_airflow import LocalAirflow, wait_until
from bigcommerce_sync_dev.stack import DevStack

if TYPE_CHECKING:
    from bench.stack import Stack

STORE = "benchhooks"
CATALOG = CatalogSpec(seed=77, products=400, categories=8, brands=3, pages=2, blog_posts=2)
EDITS = 60
EDIT_INTERVAL_S = 1.0
DELETE_EVERY = 10
POLL_S = 0.2
VISIBLE_TIMEOUT_S = 180
DATABASES = ("bcsync_bench_fresh", "bcsync_bench_fresh_airflow")


def freshness(stack: Stack) -> dict[str, Any]:
    """Run the section; return the latency figures (seconds) and the applied ratio."""
    token, secret = secrets.token_urlsafe(16), secrets.token_urlsafe(24)
    spec = StoreSpec(STORE, token, CATALOG, quota=0)
    dev = stack.dev
    with DevStack([spec], databases=DATABASES, postgres_url=dev.postgres_url, search=dev.search) as fresh:
        port = free_port()
        receiver_url = f"http://127.0.0.1:{port}/bigcommerce-webhooks"
        settings = {
            **fresh.connections(batch_db=DATABASES[0]),
            "BIGCOMMERCE_SYNC_STORES_FILE": str(_registry(stack, receiver_url)),
            env_name(f"bigcommerce_webhook_{STORE}"): json.dumps(
                {"conn_type": "generic", "password": secret}
            ),
        }
        home = stack.workdir / "freshness-airflow"
        metadata = fresh.database_url(DATABASES[1])
        with LocalAirflow(
            home, settings, metadata_db_url=metadata, paused_at_creation=False, port=port
        ) as af:
            _full_sync(af)
            _register(fresh, receiver_url, secret)
            latencies, deleted = _edit_and_watch(fresh, Elasticsearch(dev.search.url))
            ratio = _applied_ratio(fresh)
    return _figures(latencies, deleted, ratio)


def _registry(stack: Stack, receiver_url: str) -> Any:
    entry = {
        "store_hash": STORE,
        "name": "Bench webhooks",
        "connection_id": f"bigcommerce_{STORE}",
        "retries": 1,
        "webhooks": {"enabled": True, "receiver_url": receiver_url},
    }
    return write_registry(stack.workdir / "freshness-stores.yaml", [entry])


def _full_sync(airflow: LocalAirflow) -> None:
    """The store's first full sync (its live indexes), through the REST API."""
    dag_id = f"bigcommerce_sync_{STORE}"
    airflow.wait_for_dag(dag_id)
    airflow.wait_for_dag("bigcommerce_webhook_applier")
    url = f"{airflow.url}/api/v2/dags/{dag_id}/dagRuns"
    body = {"logical_date": None, "conf": {"sync_type": "all"}}
    run = requests.post(url, json=body, headers=airflow.auth_headers(), timeout=30).json()

    def state() -> str:
        return requests.get(f"{url}/{run['dag_run_id']}", headers=airflow.auth_headers(), timeout=30).json()[
            "state"
        ]

    if (
        wait_until(state, lambda s: s in ("success", "failed"), timeout=300, what="the full sync")
        != "success"
    ):
        raise RuntimeError(f"the full sync of {STORE} failed; see {airflow.home / 'logs'}")


def _register(fresh: DevStack, receiver_url: str, secret: str) -> None:
    from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
    from bigcommerce_sync.stores import StoreConfig
    from bigcommerce_sync.webhooks.registration import ensure_hooks

    fresh.simulator.admin.configure_webhooks(
        allow_insecure_destinations=True, retry_scale=0.01, duplicate_every=10
    )
    conn_id = f"bench_fresh_{STORE}"
    os.environ[env_name(conn_id)] = bigcommerce_connection(fresh.simulator.url, STORE, fresh.stores[0].token)
    webhooks = {"enabled": True, "receiver_url": receiver_url}
    store = StoreConfig(store_hash=STORE, name="Bench webhooks", connection_id=conn_id, webhooks=webhooks)
    ensure_hooks(BigCommerceHook(conn_id), store, secret)


def _edit_and_watch(fresh: DevStack, search: Elasticsearch) -> tuple[list[float], int]:
    """Edit (or delete) one product per interval; return each edit's latency and the deletions made."""
    admin = fresh.simulator.admin
    alias = f"bc_{STORE}_products"
    ids = [
        int(hit["_id"])
        for hit in search.search(index=alias, size=EDITS, sort=[{"id": "asc"}])["hits"]["hits"]
    ]
    pending: dict[int, tuple[float, str | None]] = {}  # product -> (edited at, expected name; None: gone)
    seen: dict[int, float] = {}
    lock, done = threading.Lock(), threading.Event()
    watcher = threading.Thread(target=_watch, args=(search, alias, pending, seen, lock, done), daemon=True)
    watcher.start()
    started = time.monotonic()
    for number, product in enumerate(ids):
        time.sleep(max(0.0, started + number * EDIT_INTERVAL_S - time.monotonic()))
        gone = number % DELETE_EVERY == DELETE_EVERY - 1
        if gone:
            admin.delete_product(STORE, product)
        else:
            admin.update_product(STORE, product, {"name": f"Fresh Lamp {number}"})
        with lock:
            pending[product] = (time.monotonic(), None if gone else f"Fresh Lamp {number}")
    deadline = time.monotonic() + VISIBLE_TIMEOUT_S
    while time.monotonic() < deadline and len(seen) < len(ids):
        time.sleep(POLL_S)
    done.set()
    watcher.join()
    latencies = [seen[p] - pending[p][0] for p in ids if p in seen]
    latencies += [float("inf")] * (len(ids) - len(latencies))  # never visible: counted, not hidden
    return latencies, sum(1 for p in ids if pending[p][1] is None)


def _watch(
    search: Elasticsearch,
    alias: str,
    pending: dict[int, tuple[float, str | None]],
    seen: dict[int, float],
    lock: threading.Lock,
    done: threading.Event,
) -> None:
    """Every ``POLL_S``, fetch the edited products not yet seen through the alias; note when each shows."""
    while not done.is_set():
        with lock:
            waiting = {p: expected for p, (_, expected) in pending.items() if p not in seen}
        if waiting:
            docs = search.mget(index=alias, ids=[str(p) for p in waiting], source_includes=["name"])["docs"]
            now = time.monotonic()
            for doc in docs:
                product = int(doc["_id"])
                shown = doc["_source"]["name"] if doc.get("found") else None
                if shown == waiting[product]:
                    seen[product] = now
        time.sleep(POLL_S)


def _applied_ratio(fresh: DevStack) -> dict[str, Any]:
    """Events applied ÷ distinct callbacks the simulator delivered (answered 2xx)."""
    delivered = {d["hash"] for d in fresh.simulator.admin.webhook_deliveries() if d["status"] == 200}
    with psycopg.connect(fresh.database_url(DATABASES[0])) as db:
        applied = db.execute(
            "SELECT count(*) FROM webhook_events WHERE applied_at IS NOT NULL AND event_hash = ANY(%s)",
            (list(delivered),),
        ).fetchone()[0]
        batches = db.execute(
            "SELECT count(DISTINCT batch_id) FROM webhook_events WHERE event_hash = ANY(%s)",
            (list(delivered),),
        ).fetchone()[0]
    return {"delivered": len(delivered), "applied": applied, "batches": batches}


def _figures(latencies: list[float], deleted: int, applied: dict[str, Any]) -> dict[str, Any]:
    visible = sorted(x for x in latencies if x != float("inf"))
    ordered = sorted(latencies)
    return {
        "edits": len(latencies),
        "deleted": deleted,
        "visible": len(visible),
        "rate_per_s": 1 / EDIT_INTERVAL_S,
        "p50_s": statistics.median(ordered) if visible else None,
        "p95_s": ordered[max(0, round(0.95 * len(ordered)) - 1)] if visible else None,
        "max_s": ordered[-1] if visible else None,
        "min_s": visible[0] if visible else None,
        "applied_ratio": applied["applied"] / applied["delivered"] if applied["delivered"] else None,
        "events": applied,
    }
