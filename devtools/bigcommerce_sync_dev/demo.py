"""``make demo``: sync the demo store end to end through its real Airflow DAG.

Starts the dev stack (the BigCommerce simulator with the demo store, Elasticsearch and
PostgreSQL; see :mod:`bigcommerce_sync_dev.stack`), runs ``bigcommerce_sync_demo1store``
with ``dag.test()`` and sync type ``all``, then prints the batch row, the counts, the
indexes and a sample search; then runs ``bigcommerce_searchable_values`` and prints its report
and a prefix query on the demo store's values index.
"""

from __future__ import annotations

import os
import secrets
import sys
import warnings
from pathlib import Path

from bigcommerce_simulator import CatalogSpec

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_STORE = "demo1store"
DEMO_CATALOG = CatalogSpec(seed=2026, products=2000, categories=60, brands=15, pages=25, blog_posts=40)
DEMO_QUERY = "organic cotton scarf"
DEMO_BATCH_DB = "bigcommerce_sync_demo"
DEMO_PREFIX = "no"


def _airflow_environment(home: Path) -> None:
    """Point Airflow at a project-local home before it is first imported, and keep its output quiet."""
    home.mkdir(parents=True, exist_ok=True)
    # dag.test() imports FastAPI's test client, which warns about its own httpx dependency.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "ERROR",  # the report below says what happened
            # A one-off run: no slow-sync deadline (and dag.test() of a DAG with one fails in 3.3.2).
            "AIRFLOW__BIGCOMMERCE_SYNC__SLOW_SYNC_ALERTS": "False",
            "PYTHONWARNINGS": "ignore::DeprecationWarning",
        }
    )


def main() -> int:
    home = REPO_ROOT / ".airflow"
    _airflow_environment(home)
    from bigcommerce_simulator import StoreSpec
    from bigcommerce_sync_dev.stack import DevStack

    token = secrets.token_urlsafe(24)  # a fresh secret each run, only ever in the connection
    store = StoreSpec(store_hash=DEMO_STORE, token=token, catalog=DEMO_CATALOG, quota=0)
    with DevStack([store], databases=[DEMO_BATCH_DB], keep_databases=True) as stack:
        os.environ.update(stack.connections(batch_db=DEMO_BATCH_DB))
        for service, where in stack.describe().items():
            print(f"{service + ':':<23}{where}")
        print(f"{'Batch store:':<23}{stack.database_url(DEMO_BATCH_DB)}", flush=True)
        return _run_and_report(DEMO_CATALOG, stack.search.version)


def _run_and_report(catalog: CatalogSpec, search_version: str) -> int:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils.db import resetdb

    from bigcommerce_sync.batches import BatchRepository
    from bigcommerce_sync.hooks.search import SearchHook
    from bigcommerce_sync.sync_types import Entity

    resetdb()
    dag_id = f"bigcommerce_sync_{DEMO_STORE}"
    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    if dag_id not in bag.dags:
        print(f"DAG {dag_id} did not load: {bag.import_errors}", file=sys.stderr)
        return 1
    dag_run = bag.dags[dag_id].test(run_conf={"sync_type": "all"})
    repository = BatchRepository()
    batch = repository.find_by_run(dag_id, dag_run.run_id)
    search = SearchHook()

    print(f"\nDAG run {dag_run.run_id}: {dag_run.state} (into Elasticsearch {search_version})")
    print("\nBatch row (sync_batches):")
    for field, value in vars(batch).items():
        print(f"  {field:<17} {value}")
    for error in repository.errors(batch.id)[:5]:
        print(f"  error: {error['task_id']}: {error['message']}")
    expected = {
        Entity.PRODUCTS: catalog.products,
        Entity.CATEGORIES: catalog.categories,
        Entity.PAGES: catalog.pages,
        Entity.BLOG_POSTS: catalog.blog_posts,
    }
    print(f"\n{'entity':<12} {'in store':>9} {'in index':>9}  alias -> index")
    for entity, in_store in expected.items():
        alias = f"bc_{DEMO_STORE}_{entity}"
        targets = search.alias_targets(alias)
        in_index = search.count(alias) if targets else 0
        print(f"{entity:<12} {in_store:>9} {in_index:>9}  {alias} -> {', '.join(targets) or '(none)'}")
    query = {"multi_match": {"query": DEMO_QUERY, "fields": ["name^3", "brand_name", "description"]}}
    print(f'\nTop hits for "{DEMO_QUERY}" in bc_{DEMO_STORE}_products:')
    for hit in search.search(f"bc_{DEMO_STORE}_products", query, size=5):
        source = hit["_source"]
        print(f"  #{source['id']:<6} {source['name']}  ({source.get('brand_name')}, {source['price']})")
    if batch.status != "completed":
        return 1
    return _run_values(bag)


def _run_values(bag) -> int:
    """Run the searchable-values DAG, print its report and a prefix query on the store's values."""
    from bigcommerce_sync.hooks.search import SearchHook
    from bigcommerce_sync.value_jobs import ValueJobRepository
    from bigcommerce_sync.values_dag import VALUES_DAG_ID
    from bigcommerce_sync.values_report import report_lines

    dag_run = bag.dags[VALUES_DAG_ID].test()
    run = ValueJobRepository().find_run(VALUES_DAG_ID, dag_run.run_id)
    report = run.report if run else None
    print(f"\nDAG run {VALUES_DAG_ID} {dag_run.run_id}: {dag_run.state}")
    print("\n".join(report_lines(report)) if report else "  no report (see the task logs)")
    alias = f"bc_{DEMO_STORE}_values"
    suggest = {"values": {"prefix": DEMO_PREFIX, "completion": {"field": "suggest", "size": 8}}}
    options = SearchHook().client.search(index=alias, suggest=suggest)["suggest"]["values"][0]["options"]
    print(f'\nSuggestions for "{DEMO_PREFIX}" in {alias}:')
    for option in options:
        source = option["_source"]
        print(f"  {source['value']:<28} {source['field']:<28} {source['product_count']:>5} products")
    return 0 if report and report["jobs"]["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
