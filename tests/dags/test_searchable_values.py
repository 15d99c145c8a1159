"""The searchable-values DAG, run with ``dag.test()`` against Elasticsearch, Postgres and the simulator.

The expected values are computed here from the live product and category documents'
own fields (brand names, category ids, variants' option text, custom fields), not from
the ``facets`` the job aggregates, then compared with the values index and the report.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.stores import StoreConfig, StoreRegistry
from bigcommerce_sync.value_jobs import ValueJobRepository
from bigcommerce_sync.values_dag import VALUES_DAG_ID, build_values_dag
from tests.dags.sync_runs import run_sync
from tests.search.support import documents

STORE, BROKEN = "teststore", "schedstore"  # BROKEN is never synced: it has no product index
REGISTRY = StoreRegistry(
    [
        StoreConfig(
            store_hash=STORE,
            name="Test Store",
            connection_id="bigcommerce_teststore",
            searchable_fields=["availability"],
        ),
        StoreConfig(store_hash=BROKEN, name="Scheduled Store", connection_id="bigcommerce_schedstore"),
    ]
)


@pytest.fixture(scope="module")
def synced(sync_stack) -> dict[str, list[tuple[str, int]]]:
    """A full sync of the test store only, and the values each field must have, most frequent first."""
    search = SearchHook()
    search.delete_indexes(search.indexes_matching("bc_*"))
    assert run_sync(f"bigcommerce_sync_{STORE}", {"sync_type": "all"}).state == "success"
    return expected_values(
        documents(search, f"bc_{STORE}_products"), documents(search, f"bc_{STORE}_categories")
    )


def expected_values(products: list[dict[str, Any]], categories: list[dict[str, Any]]) -> dict[str, list]:
    counts: dict[str, Counter] = {"brand:brand": Counter(), "field:availability": Counter()}
    category_counts: Counter = Counter()
    for product in products:
        counts["brand:brand"].update([product["brand_name"]] if product["brand_name"] else [])
        counts["field:availability"].update([product["availability"]])
        category_counts.update(set(product["category_ids"]))
        options = {
            tuple(pair.split(": ", 1))
            for v in product["variants"]
            if v["options"]
            for pair in v["options"].split(", ")
        }
        fields = {(f["name"], f["value"]) for f in product["custom_fields"]}
        for kind, pairs in (("option", options), ("custom_field", fields)):
            for name, value in pairs:
                counts.setdefault(f"{kind}:{name}", Counter())[value] += 1
    expected = {field: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for field, c in counts.items()}
    names = {str(c["id"]): c["name"] for c in categories}
    by_id = sorted(category_counts.items(), key=lambda kv: (-kv[1], kv[0]))
    expected["category:category"] = [(names[str(i)], n) for i, n in by_id]
    return expected


def run_values(sim, **conf: Any) -> tuple[Any, dict[str, Any]]:
    """Run the DAG; return the run and its report. The simulator must see no request meanwhile."""
    sim.reset()
    dag_run = build_values_dag(REGISTRY).test(run_conf=conf or None)
    stats = sim.stats()["stores"]
    assert {store: stats[store]["requests"] for store in (STORE, BROKEN)} == {STORE: 0, BROKEN: 0}
    run = ValueJobRepository().find_run(VALUES_DAG_ID, dag_run.run_id)
    assert run is not None and run.report is not None
    return dag_run, run.report


def indexed_values(search: SearchHook) -> dict[str, list[tuple[str, int]]]:
    """The values index's documents by field, in rank order."""
    found: dict[str, list] = {}
    for doc in sorted(documents(search, f"bc_{STORE}_values"), key=lambda d: (d["field"], d["rank"])):
        found.setdefault(doc["field"], []).append((doc["value"], doc["product_count"]))
    return found


def test_values_and_counts_match_the_catalog_and_a_broken_store_fails_alone(synced, sim):
    dag_run, report = run_values(sim)
    search = SearchHook()

    assert {k: v for k, v in synced.items()} == indexed_values(search)
    assert any(field.startswith("option:") for field in synced) and any(
        f.startswith("custom_field:") for f in synced
    )
    ours, broken = report["stores"][STORE], report["stores"][BROKEN]
    fields = len(synced)
    assert (ours["fields"], ours["successful"], ours["failed"]) == (fields, fields, 0)
    assert ours["values_processed"] == ours["values_new"] == sum(len(v) for v in synced.values())
    assert ours["published_index"] == f"bc_{STORE}_values_v{report['value_run_id']}"
    assert search.alias_targets(f"bc_{STORE}_values") == [ours["published_index"]]
    # The store without a product index: its jobs (brand, category) fail at once, saying why.
    assert (broken["fields"], broken["failed"], broken["published_index"]) == (2, 2, None)
    errors = [e for e in report["errors"] if e["store_hash"] == BROKEN]
    assert len(errors) == 2 and all(f"bc_{BROKEN}_products serves no index" in e["error"] for e in errors)
    assert report["jobs"] == {"successful": fields, "failed": 2, "skipped": 0}
    assert (report["stores_seen"], report["fields_seen"]) == (2, fields + 2)
    tis = [ti for ti in dag_run.get_task_instances() if ti.task_id == "collect_values"]
    assert sorted(str(ti.state) for ti in tis).count("failed") == 2 and len(tis) == fields + 2
    assert {ti.try_number for ti in tis if str(ti.state) == "failed"} == {1}  # not retried: it cannot help
    assert str(dag_run.get_task_instance("report").state) == "success"

    # The next run finds every value unchanged.
    _, again = run_values(sim)
    assert (
        again["stores"][STORE]["values_unchanged"]
        == again["values_processed"] - 0
        == ours["values_processed"]
    )
    assert again["stores"][STORE]["values_new"] == again["stores"][STORE]["values_removed"] == 0


def test_stores_sharing_every_group_each_get_their_own_outcome(synced, sim, monkeypatch):
    # One instance a task: the working and the broken store share every group.
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", "1")
    dag_run, report = run_values(sim)
    search = SearchHook()

    tis = {ti.task_id: [] for ti in dag_run.get_task_instances()}
    for ti in dag_run.get_task_instances():
        tis[ti.task_id].append(ti)
    assert {task_id: len(found) for task_id, found in tis.items()} == dict.fromkeys(tis, 1)
    state = {task_id: str(found[0].state) for task_id, found in tis.items()}
    fields = len(synced)
    # The group of every job fails at once, naming the broken store's jobs; the others completed.
    assert state["collect_values"] == "failed" and tis["collect_values"][0].try_number == 1
    assert tis["collect_values"][0].rendered_map_index == (
        f"{STORE} brand:brand … {BROKEN} category:category ({fields + 2})"
    )
    assert tis["publish_values"][0].rendered_map_index == f"{STORE} … {BROKEN} (2)"
    assert {state[t] for t in ("discover_fields", "plan_jobs", "publish_values", "report")} == {"success"}

    ours, broken = report["stores"][STORE], report["stores"][BROKEN]
    assert (ours["fields"], ours["successful"], ours["failed"]) == (fields, fields, 0)
    assert ours["published_index"] == f"bc_{STORE}_values_v{report['value_run_id']}"
    assert search.alias_targets(f"bc_{STORE}_values") == [ours["published_index"]]
    assert indexed_values(search) == synced
    assert (broken["fields"], broken["failed"], broken["published_index"]) == (2, 2, None)
    assert report["jobs"] == {"successful": fields, "failed": 2, "skipped": 0}
    # The broken store was recorded as skipped by the group that published the other one.
    published = tis["publish_values"][0].xcom_pull(task_ids="publish_values", map_indexes=0)
    assert [(p["store_hash"], p["index"]) for p in published] == [
        (STORE, ours["published_index"]),
        (BROKEN, None),
    ]
    assert "no field of schedstore completed" in published[1]["skipped"]


def test_a_small_cap_keeps_the_most_frequent_values_in_order(synced, sim):
    _, report = run_values(sim, max_values_per_field=3)

    assert indexed_values(SearchHook()) == {field: values[:3] for field, values in synced.items()}
    assert len(synced["category:category"]) > 3  # the cap cut this field
    assert report["stores"][STORE]["values_processed"] == sum(min(3, len(v)) for v in synced.values())


def test_prefix_queries_suggest_values_and_find_products(synced, sim):
    run_values(sim)
    search = SearchHook()
    brand = synced["brand:brand"][0][0]
    prefix = brand[:3].lower()

    def starts_a_word(text: str) -> bool:
        return any(word.lower().startswith(prefix) for word in re.findall(r"[^\W_]+", text))

    hits = search.search(f"bc_{STORE}_values", {"prefix": {"value": prefix}}, size=1000)
    expected = {(f, v) for f, values in synced.items() for v, _ in values if starts_a_word(v)}
    assert {(h["_source"]["field"], h["_source"]["value"]) for h in hits} == expected
    assert ("brand:brand", brand) in expected
    suggest = {"values": {"prefix": prefix, "completion": {"field": "suggest", "size": 50}}}
    options = search.client.search(index=f"bc_{STORE}_values", suggest=suggest)["suggest"]["values"][0][
        "options"
    ]
    assert brand in {o["_source"]["value"] for o in options}
    assert all(starts_a_word(o["_source"]["value"]) for o in options)

    products = documents(search, f"bc_{STORE}_products")
    word = re.findall(r"[^\W_]+", products[0]["name"])[0].lower()
    found = {
        h["_source"]["id"]
        for h in search.search(f"bc_{STORE}_products", {"prefix": {"name": word[:3]}}, 1000)
    }
    assert found == {
        p["id"]
        for p in products
        if any(w.lower().startswith(word[:3]) for w in re.findall(r"[^\W_]+", p["name"]))
    }
