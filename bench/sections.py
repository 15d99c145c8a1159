"""The measurements, one function per section; each returns plain figures for the report."""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from bench import peer
from bench.settings import (
    CREATE_INDEX_TASK_ID,
    FULL_CATALOG,
    ITEMS_PER_PAGE,
    PARSE_REPEATED,
    PARSE_STORES,
    PARSE_STORES_LARGE,
    PRODUCT_INCLUDES,
    BenchStore,
)
from bench.stack import DAG_FILE, BenchError, Stack, write_registry
from bigcommerce_simulator import SimulatorProcess, StoreSpec
from bigcommerce_sync.shards import FIRST_FILE, SHARD_DIR, shard_file, suggested_shards, write_shard_files
from bigcommerce_sync.stores import DAG_ID_PREFIX, shard_of

IMPORT_JOBS = ("products", "categories", "blogs")
# The DAG files other than the store sync's, with the DAGs they build from a registry without
# webhook stores (the webhook DAGs are built only when a store takes webhooks).
OTHER_DAG_FILES = (
    "bigcommerce_operations.py",
    "bigcommerce_searchable_values.py",
    "bigcommerce_webhook_applier.py",
    "bigcommerce_webhook_registration.py",
)
OTHER_DAGS = ("bigcommerce_operations", "bigcommerce_daily_report", "bigcommerce_searchable_values")


def simulator_alone(pages: int) -> dict[str, Any]:
    """Items/s of the simulator serving full product pages to one client, bodies not decoded."""
    spec = StoreSpec("benchsim", "token", FULL_CATALOG, quota=0)
    params = {"include": PRODUCT_INCLUDES, "limit": ITEMS_PER_PAGE}
    with SimulatorProcess([spec]) as simulator, requests.Session() as session:
        url = f"{simulator.url}/stores/benchsim/v3/catalog/products"
        started, size = time.perf_counter(), 0
        for page in range(1, pages + 1):
            response = session.get(url, params={**params, "page": page}, headers={"X-Auth-Token": "token"})
            response.raise_for_status()
            size += len(response.content)
        seconds = time.perf_counter() - started
    items = pages * ITEMS_PER_PAGE
    return {
        "items": items,
        "seconds": seconds,
        "items_per_s": items / seconds,
        "mb_per_s": size / 2**20 / seconds,
    }


def warm_up(stack: Stack, store: BenchStore) -> dict[str, Any]:
    """Index the small store's documents once, unmeasured: a fresh JVM compiles its hot paths first.

    Without it the first measurement (the sink ceiling before the import) meets a cold
    engine and comes out several times slower than the same run a minute later.
    """
    runs = _ceilings(stack, store, store.catalog.products, "warm-up")
    stack.delete_bench_indexes()
    return {
        "sink_docs_per_s": _rate(runs),
        "source_docs_per_s": _rate(runs, "source_items", "source_seconds"),
    }


def end_to_end(stack: Stack, store: BenchStore, ceiling_products: int) -> dict[str, Any]:
    """Section 1: every import task of the store's DAG, between two runs of the ceilings.

    The ceilings run just before and just after the import (half the product sample
    each) so that load from other work on the machine weighs on both sides alike.
    """
    before = _ceilings(stack, store, ceiling_products // 2, "ceiling-before")
    with stack.search() as engine:
        xcoms = stack.prepare(store, "all")
        cpu_before = engine.cpu_seconds()
        tasks = {job: stack.import_task(store, job, xcoms, f"e2e-{job}") for job in IMPORT_JOBS}
        sink_cpu = engine.cpu_seconds() - cpu_before
    after = _ceilings(stack, store, ceiling_products // 2, "ceiling-after")
    ceiling = {
        entity: {key: before[entity][key] + after[entity][key] for key in CEILING_SUMS} for entity in before
    }
    figures = _e2e_figures(tasks, ceiling)
    figures["catalog"] = store.catalog.to_dict()
    figures["engine_version"] = engine.version
    figures["ceiling_runs_docs_per_s"] = [_rate(run) for run in (before, after)]
    figures["source_ceiling_runs_docs_per_s"] = [
        _rate(run, "source_items", "source_seconds") for run in (before, after)
    ]
    figures["sink_cpu_cores"] = sink_cpu / sum(t["wall_s"] for t in tasks.values())
    figures["ceiling_sink_cpu_cores"] = _total(ceiling, "sink_cpu_s") / _total(ceiling, "seconds")
    return figures


# What the two runs of the ceilings add up, per entity.
CEILING_SUMS = ("docs", "seconds", "sink_cpu_s", "source_items", "source_seconds")


def _ceilings(stack: Stack, store: BenchStore, products: int, name: str) -> dict[str, dict[str, Any]]:
    """One run of the ceiling child on emptied bench indexes, with the engine's CPU seconds per entity."""
    with stack.search() as engine:
        indexes = stack.prepare(store, "all")[CREATE_INDEX_TASK_ID]
        cpu_before = engine.cpu_seconds()
        payload = {"store_hash": store.store_hash, "indexes": indexes, "limits": {"products": products}}
        ceiling = stack.child("bench.ceiling", payload, name)
        sink_cpu = engine.cpu_seconds() - cpu_before
    for entity in ceiling.values():  # the engine's CPU, shared out by ingest time
        entity["sink_cpu_s"] = sink_cpu * entity["seconds"] / _total(ceiling, "seconds")
    return ceiling


def _total(per_entity: dict[str, dict[str, Any]], key: str) -> float:
    return sum(entity[key] for entity in per_entity.values())


def _rate(per_entity: dict[str, dict[str, Any]], docs: str = "docs", seconds: str = "seconds") -> float:
    return _total(per_entity, docs) / _total(per_entity, seconds)


def _weighted_rate(entities: dict[str, dict[str, Any]], rate: str) -> float:
    """The overall rate at which exactly the end-to-end documents would go at each entity's ``rate``."""
    docs = sum(e["docs"] for e in entities.values())
    return docs / sum(e["docs"] / e[rate] for e in entities.values())


def _entity_figures(result: dict[str, Any], ceiling: dict[str, Any]) -> dict[str, Any]:
    """One entity's end-to-end rate beside its sink and source ceilings."""
    rate = result["indexed"] / result["seconds"]
    sink = ceiling["docs"] / ceiling["seconds"]
    source = ceiling["source_items"] / ceiling["source_seconds"]
    return {
        "docs": result["indexed"],
        "failed": result["failed"],
        "seconds": result["seconds"],
        "docs_per_s": rate,
        "ceiling_docs": ceiling["docs"],
        "ceiling_docs_per_s": sink,
        "source_ceiling_docs_per_s": source,
        "ratio": rate / sink,
        "ratio_to_lower_ceiling": rate / min(sink, source),
    }


def _e2e_figures(tasks: dict[str, dict[str, Any]], ceiling: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Docs/s per entity and overall, against both ceilings for the same documents; CPU per document."""
    results = [result for task in tasks.values() for result in task["entities"]]
    entities = {r["entity"]: _entity_figures(r, ceiling[r["entity"]]) for r in results}
    docs = sum(e["docs"] for e in entities.values())
    e2e = docs / sum(e["seconds"] for e in entities.values())
    sink, source = (
        _weighted_rate(entities, "ceiling_docs_per_s"),
        _weighted_rate(entities, "source_ceiling_docs_per_s"),
    )
    cpu_s = sum(task["cpu_s"] for task in tasks.values())
    return {
        "docs": docs,
        "docs_per_s": e2e,
        "sink_ceiling_docs_per_s": sink,
        "source_ceiling_docs_per_s": source,
        "ratio": e2e / sink,
        "ratio_to_lower_ceiling": e2e / min(sink, source),
        "cpu_ms_per_doc": 1000 * cpu_s / docs,
        "products_cpu_ms_per_doc": 1000 * tasks["products"]["cpu_s"] / entities["products"]["docs"],
        "entities": entities,
        "task_wall_s": {job: task["wall_s"] for job, task in tasks.items()},
        "task_cpu_s": {job: task["cpu_s"] for job, task in tasks.items()},
        "products_task": {k: tasks["products"][k] for k in ("rss_before_mb", "peak_rss_mb")},
    }


def rate_limited(stack: Stack, store: BenchStore, windows: int) -> dict[str, Any]:
    """Section 2: the products import under the Standard quota, over ``windows`` quota windows."""
    window_s = store.window_ms / 1000
    with stack.search():
        xcoms = stack.prepare(store, "product")
        stack.store_only(xcoms[CREATE_INDEX_TASK_ID]["products"])
        run = stack.import_task(store, "products", xcoms, "rate-limited", window_s=window_s, windows=windows)
    counters = stack.admin.stats()["stores"][store.store_hash]
    items = sum(run["items_per_window"])
    steady_items = sum(run["items_per_window"][1:])  # the first window also read brands and categories
    ceiling = store.quota * ITEMS_PER_PAGE / window_s
    return {
        "quota": store.quota,
        "window_s": window_s,
        "windows": windows,
        "items": items,
        "items_per_window": run["items_per_window"],
        "items_per_s": items / (windows * window_s),
        "ceiling_items_per_s": ceiling,
        "efficiency": items / (windows * window_s) / ceiling,
        "steady_efficiency": steady_items / ((windows - 1) * window_s) / ceiling if windows > 1 else None,
        "responses_429": int(counters["responses"].get("429", 0)),
        "requests": counters["requests"],
        "responses": counters["responses"],
    }


@dataclass(frozen=True)
class ParseFolder:
    """A DAGs folder of its own for the parse section: the project's DAG files and shard files.

    :param stores: generated stores in its registry.
    :param shards: ``store_dag_shards``, and the shard files written for it.
    :param folder: the folder.
    :param env: the registry, the count, the folder and an empty registry cache.
    """

    stores: int
    shards: int
    folder: Path
    env: dict[str, str]

    @property
    def files(self) -> list[Path]:
        """Every DAG file, shard 0's first."""
        first = shard_file(self.folder, 0)
        return [first, *sorted(p for p in self.folder.rglob("*.py") if p != first)]

    def store_file(self, store_hash: str) -> Path:
        """The file of the store's shard: the one a worker is sent to for its tasks."""
        return shard_file(self.folder, shard_of(store_hash, self.shards))


def parse_folder(stack: Stack, stores: int, shards: int | None = None) -> ParseFolder:
    """Lay out a DAGs folder with ``stores`` generated stores in ``shards`` (default: the suggested count)."""
    shards = shards or suggested_shards(stores)
    root = stack.workdir / f"parse-{stores}-{shards}"
    folder = root / "dags"
    folder.mkdir(parents=True, exist_ok=True)
    for dag_file in DAG_FILE.parent.glob("*.py"):
        shutil.copy(dag_file, folder)
    write_shard_files(folder, shards)
    registry = write_registry(root / "stores.yaml", _generated_stores(stores))
    env = {
        "BIGCOMMERCE_SYNC_STORES_FILE": str(registry),
        "AIRFLOW__BIGCOMMERCE_SYNC__STORE_DAG_SHARDS": str(shards),
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "XDG_CACHE_HOME": str(root / "cache"),
    }
    return ParseFolder(stores, shards, folder, env)


def parse_times(stack: Stack) -> dict[str, Any]:
    """Section 4: every DAG file parsed as the DAG processor parses it; a worker's parse of one DAG.

    At 1,000 stores in one file (no shards: how it was) and in the suggested count of shards,
    and at 10,000 stores in theirs.
    """
    single = _parse_files(stack, parse_folder(stack, PARSE_STORES, shards=1), repeat=1)
    figures: dict[str, Any] = {
        "one_file_s_1k": single["files_max_s"],
        "one_file_cpu_s_1k": single["files_max_cpu_s"],
    }
    for stores, size in ((PARSE_STORES, "1k"), (PARSE_STORES_LARGE, "10k")):
        setup = parse_folder(stack, stores)
        worker = _generated_stores(stores)[stores // 2]["store_hash"] if size == "10k" else None
        run = _parse_files(stack, setup, repeat=PARSE_REPEATED, worker=worker)
        figures |= {
            f"{key}_{size}": value for key, value in run.items() if key not in ("one_dag", "one_dag_cold")
        }
        if worker:
            figures["one_dag_s"] = run["one_dag"]["seconds"]
            figures["one_dag_cpu_s"] = run["one_dag"]["cpu_s"]
            figures["one_dag_cold_s"] = run["one_dag_cold"]["seconds"]
    return figures


def _parse_files(
    stack: Stack, setup: ParseFolder, *, repeat: int, worker: str | None = None
) -> dict[str, Any]:
    """Parse every file of ``setup`` in a child playing the DAG processor; check and sum up what it found."""
    payload: dict[str, Any] = {
        "dags_folder": str(setup.folder),
        "files": [str(path) for path in setup.files],
        "repeat": repeat,
    }
    if worker:
        payload["one_dag"] = {"file": str(setup.store_file(worker)), "dag_id": f"{DAG_ID_PREFIX}{worker}"}
    name = f"parse-{setup.stores}-{setup.shards}"
    result = stack.child("bench.parse_child", payload, name, env=setup.env)
    files = {Path(path).relative_to(setup.folder).as_posix(): run for path, run in result["files"].items()}
    errors = {name: run["import_errors"] for name, run in files.items() if run["import_errors"]}
    dags = sum(run["dags"] for run in files.values())
    expected = setup.stores + len(OTHER_DAGS)
    if errors or dags != expected:
        raise BenchError(f"{name}: {dags} DAGs (expected {expected}); import errors {errors}")
    slowest = max(files, key=lambda name: files[name]["seconds"])
    busiest = max(files, key=lambda name: files[name]["cpu_s"])
    shard_dags = [
        run["dags"] for name, run in files.items() if name.startswith(SHARD_DIR) or name == FIRST_FILE
    ]
    figures: dict[str, Any] = {
        "shards": setup.shards,
        "files": len(files),
        "dags": dags,
        "stores_per_file_max": max(shard_dags),
        "files_max_s": files[slowest]["seconds"],
        "files_max_cpu_s": files[busiest]["cpu_s"],
        "slowest_file": f"{slowest} ({files[slowest]['dags']} DAGs)",
        "most_cpu_file": f"{busiest} ({files[busiest]['dags']} DAGs)",
        "first_parse_s": result["first"]["seconds"],
        "other_files_s": {name: run["seconds"] for name, run in files.items() if name in OTHER_DAG_FILES},
        "other_files_cpu_s": {name: run["cpu_s"] for name, run in files.items() if name in OTHER_DAG_FILES},
        "first_parse_cpu_s": result["first"]["cpu_s"],
    }
    if worker:
        for key in ("one_dag", "one_dag_cold"):
            if result[key]["dags"] != [f"{DAG_ID_PREFIX}{worker}"] or result[key]["import_errors"]:
                raise BenchError(f"{name}: the worker's parse built {result[key]}")
            figures[key] = result[key]
    return figures


def _generated_stores(count: int) -> list[dict[str, object]]:
    """``count`` registry entries shaped like the demo store, each on its own nightly schedule."""
    return [
        {
            "store_hash": f"store{n:04d}",
            "name": f"Store {n}",
            "connection_id": f"bigcommerce_store{n:04d}",
            "schedule": f"{n % 60} {n % 24} * * *",
            "stop_words": ["shop", "store"],
            "synonyms": ["hoodie, hooded sweatshirt", "rucksack => backpack"],
        }
        for n in range(1, count + 1)
    ]


def peer_comparison(stack: Stack, store: BenchStore) -> dict[str, Any]:
    """Section 5 (and the small-store memory figure): ours and the Singer pipeline, products only.

    Side by side on the same store and the same cluster, each run starting with no
    bench index: first into indexes with their mappings (ours: the project's; the
    peer's: dynamic, as it creates them), then into store-only indexes, where the
    engine only parses and stores.
    """
    figures: dict[str, Any] = {
        "products": store.catalog.products,
        "ours": _ours(stack, store, store_only=False),
    }
    figures["ours_docs_per_s"] = figures["ours"]["docs_per_s"]
    try:
        pipeline = peer.install()
        figures["singer"] = _singer(stack, store, pipeline, store_only=False)
        figures["store_only"] = {
            "ours": _ours(stack, store, store_only=True),
            "singer": _singer(stack, store, pipeline, store_only=True),
        }
    except peer.PeerError as error:
        figures["error"] = str(error)
        return figures
    figures["singer_docs_per_s"] = figures["singer"]["docs_per_s"]
    figures["ratio"] = figures["ours_docs_per_s"] / figures["singer_docs_per_s"]
    store_only = figures["store_only"]
    store_only["ours_docs_per_s"] = store_only["ours"]["docs_per_s"]
    store_only["singer_docs_per_s"] = store_only["singer"]["docs_per_s"]
    store_only["ratio"] = store_only["ours_docs_per_s"] / store_only["singer_docs_per_s"]
    return figures


def _ours(stack: Stack, store: BenchStore, *, store_only: bool) -> dict[str, Any]:
    name = "peer-ours-store-only" if store_only else "peer-ours"
    with stack.search():
        xcoms = stack.prepare(store, "product")
        if store_only:
            stack.store_only(xcoms[CREATE_INDEX_TASK_ID]["products"])
        run = stack.import_task(store, "products", xcoms, name)
    docs = run["summary"]["entities"]["products"]["indexed"]  # the task's XCom: ImportCounts
    return {
        "docs": docs,
        "seconds": run["wall_s"],
        "docs_per_s": docs / run["wall_s"],
        "cpu_ms_per_doc": 1000 * run["cpu_s"] / docs,
        "rss_before_mb": run["rss_before_mb"],
        "peak_rss_mb": run["peak_rss_mb"],
    }


def _singer(stack: Stack, store: BenchStore, pipeline: peer.Peer, *, store_only: bool) -> dict[str, Any]:
    name = "singer-store-only" if store_only else "singer"
    with stack.search() as search:
        if store_only:
            stack.store_only(peer.INDEX)
        run = peer.run(
            pipeline,
            api_url=stack.api_url,
            store_hash=store.store_hash,
            token=stack.token,
            search_url=search.url,
            workdir=stack.workdir / name,
        )
        docs = stack.count(peer.INDEX)
    return {
        "docs": docs,
        "seconds": run["seconds"],
        "docs_per_s": docs / run["seconds"],
        "cpu_ms_per_doc": 1000 * run["cpu_s"] / docs,
    }
