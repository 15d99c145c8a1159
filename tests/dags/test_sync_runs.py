"""Real sync runs (``dag.test()``) against Postgres, osmem-server and the simulator over HTTP."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest

from bigcommerce_simulator import Catalog, CatalogSpec
from bigcommerce_sync.batches import BatchRepository, ImportCounts
from bigcommerce_sync.dag_factory import build_store_dag
from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.stores import StoreConfig
from bigcommerce_sync.sync_types import Entity, SyncMode
from tests.conftest import SIM_CATALOGS
from tests.dags.sync_runs import IMPORT_TASKS, product_requests_recorded, run_dag, run_sync

DAG_ID = "bigcommerce_sync_teststore"
CATALOG = Catalog(CatalogSpec(**SIM_CATALOGS["teststore"]))
EXPECTED = {
    Entity.PRODUCTS: SIM_CATALOGS["teststore"]["products"],
    Entity.CATEGORIES: SIM_CATALOGS["teststore"]["categories"],
    Entity.PAGES: SIM_CATALOGS["teststore"]["pages"],
    Entity.BLOG_POSTS: SIM_CATALOGS["teststore"]["blog_posts"],
}


pytestmark = pytest.mark.usefixtures("clean_search")  # every test starts with no indexes


def alias(entity: Entity, store: str = "teststore") -> str:
    return f"bc_{store}_{entity}"


def test_full_sync_of_everything(clean_search: SearchHook):
    run = run_sync(DAG_ID, {"sync_type": "all"})

    assert run.state == "success"
    assert run.tasks_in("skipped") == {"index.rebuild_index"}  # a data sync reads the store instead
    assert run.tasks_in("success") == set(run.task_states) - {"index.rebuild_index"}
    batch = run.batch
    assert (batch.status, batch.sync_type, batch.mode, batch.is_scheduled) == (
        "completed",
        "all",
        "full",
        False,
    )
    assert batch.started_at <= batch.finished_at and batch.next_run_at is None
    assert (batch.products_count, batch.categories_count, batch.pages_count, batch.blog_posts_count) == tuple(
        EXPECTED.values()
    )
    assert batch.failed_documents == 0
    for entity, expected in EXPECTED.items():
        assert clean_search.alias_targets(alias(entity)) == [f"{alias(entity)}_v{batch.id}"]
        assert clean_search.count(alias(entity)) == expected


def test_documents_match_what_the_store_serves(clean_search: SearchHook):
    run_sync(DAG_ID, {"sync_type": "all"})

    for position in (0, 299, 599):
        product = CATALOG.product(position, {"variants", "images", "custom_fields", "primary_image"})
        doc = clean_search.client.get(index=alias(Entity.PRODUCTS), id=str(product["id"]))["_source"]
        assert doc["name"] == product["name"]
        assert doc["sku"] == product["sku"]
        assert doc["price"] == product["price"]
        assert [v["sku"] for v in doc["variants"]] == [v["sku"] for v in product["variants"]]
        assert len(doc["images"]) == len(product["images"])
        assert "<" not in doc["description"]
    post = CATALOG.blog_post(0)
    doc = clean_search.client.get(index=alias(Entity.BLOG_POSTS), id=str(post["id"]))["_source"]
    assert (doc["title"], doc["tags"]) == (post["title"], post["tags"])
    hits = clean_search.search(alias(Entity.CATEGORIES), {"range": {"depth": {"gte": 2}}}, size=1)
    assert " > " in hits[0]["_source"]["path"]


def test_store_stop_words_are_in_the_new_indexes(clean_search: SearchHook):
    run = run_sync(DAG_ID, {"sync_type": "product"})

    index = f"{alias(Entity.PRODUCTS)}_v{run.batch.id}"
    analysis = clean_search.client.indices.get_settings(index=index)[index]["settings"]["index"]["analysis"]
    assert "widget" in analysis["filter"]["catalog_stop"]["stopwords"]
    assert "the" in analysis["filter"]["catalog_stop"]["stopwords"]
    tokens = clean_search.client.indices.analyze(index=index, analyzer="catalog_text", text="the blue widget")
    assert [t["token"] for t in tokens["tokens"]] == ["blue"]


@pytest.mark.parametrize(
    ("sync_type", "import_task", "entities"),
    [
        ("product", "import.products", {Entity.PRODUCTS}),
        ("category", "import.categories", {Entity.CATEGORIES, Entity.PAGES}),
        ("blog", "import.blogs", {Entity.BLOG_POSTS}),
    ],
)
def test_single_entity_sync_runs_only_its_import(clean_search: SearchHook, sync_type, import_task, entities):
    run = run_sync(DAG_ID, {"sync_type": sync_type})

    assert run.state == "success"
    skipped = IMPORT_TASKS - {import_task} | {"index.rebuild_index"}
    assert run.tasks_in("skipped") == skipped
    assert run.tasks_in("success") == set(run.task_states) - skipped
    counts = {
        Entity.PRODUCTS: run.batch.products_count,
        Entity.CATEGORIES: run.batch.categories_count,
        Entity.PAGES: run.batch.pages_count,
        Entity.BLOG_POSTS: run.batch.blog_posts_count,
    }
    assert {e: c for e, c in counts.items() if c is not None} == {e: EXPECTED[e] for e in entities}
    assert {e for e in Entity if clean_search.alias_targets(alias(e))} == entities


def test_stop_words_sync_rebuilds_live_indexes_without_reading_the_store(clean_search: SearchHook, sim):
    first = run_sync(DAG_ID, {"sync_type": "all"})
    requests_before = sim.stats()["stores"]["teststore"]["requests"]

    run = run_sync(DAG_ID, {"sync_type": "stop_words"})

    assert run.state == "success"
    assert run.tasks_in("success") == {
        "claim_batch",
        "config.stop_words",
        "index.rebuild_index",
        "publish",
        "finalize",
    }
    assert run.tasks_in("skipped") == {"config.synonyms", "index.create_index"} | IMPORT_TASKS
    assert run.batch.status == "completed" and run.batch.products_count is None
    assert sim.stats()["stores"]["teststore"]["requests"] == requests_before
    for entity, expected in EXPECTED.items():
        assert clean_search.alias_targets(alias(entity)) == [f"{alias(entity)}_v{run.batch.id}"]
        assert clean_search.count(alias(entity)) == expected
        # The previous version is kept for rollback (keep_previous_indexes: 1).
        assert f"{alias(entity)}_v{first.batch.id}" in clean_search.indexes_matching(f"{alias(entity)}_v*")


def copy_failing_for(entity: Entity):
    """``SearchHook.copy_documents`` that fails when it copies into a version of ``entity``."""
    real_copy = SearchHook.copy_documents

    def copy(hook: SearchHook, source: str, dest: str) -> int:
        if dest.startswith(f"{alias(entity)}_v"):
            raise RuntimeError(f"copy into {dest} failed (injected)")
        return real_copy(hook, source, dest)

    return copy


def test_a_failed_stop_words_rebuild_leaves_no_version_and_retention_keeps_the_real_rollback(
    clean_search: SearchHook,
):
    runs = [run_sync(DAG_ID, {"sync_type": "all"}) for _ in range(2)]
    rollback, live = (f"{alias(Entity.PRODUCTS)}_v{run.batch.id}" for run in runs)
    # Products and categories are copied before pages, whose copy fails: a half-built rebuild.
    with mock.patch.object(SearchHook, "copy_documents", copy_failing_for(Entity.PAGES)):
        failed = run_sync(DAG_ID, {"sync_type": "stop_words"})

    assert failed.state == "failed" and failed.batch.status == "failed"
    assert "injected" in failed.batch.error_summary
    assert clean_search.indexes_matching(f"bc_teststore_*_v{failed.batch.id}") == []
    assert clean_search.alias_targets(alias(Entity.PRODUCTS)) == [live]

    good = run_sync(DAG_ID, {"sync_type": "all"})

    # The rollback version is the one that was live before, with its documents, not the failed copy.
    assert good.state == "success"
    for entity, expected in EXPECTED.items():
        previous = f"{alias(entity)}_v{runs[1].batch.id}"
        newest = f"{alias(entity)}_v{good.batch.id}"
        assert clean_search.indexes_matching(f"{alias(entity)}_v*") == sorted([previous, newest])
        assert clean_search.count(previous) == expected
    assert rollback not in clean_search.indexes_matching(f"{alias(Entity.PRODUCTS)}_v*")


def test_synonyms_sync_touches_only_synonyms(clean_search: SearchHook, full_analysis):
    run_sync(DAG_ID, {"sync_type": "all"})

    run = run_sync(DAG_ID, {"sync_type": "synonyms"})

    assert run.state == "success"
    assert run.tasks_in("success") == {"claim_batch", "config.synonyms", "finalize"}
    assert "config.stop_words" in run.tasks_in("skipped")


def test_synonyms_sync_on_a_core_cluster_fails_saying_why_and_changes_nothing(
    clean_search: SearchHook, core_analysis
):
    run_sync(DAG_ID, {"sync_type": "all"})
    live = {entity: clean_search.alias_targets(alias(entity)) for entity in Entity}

    run = run_sync(DAG_ID, {"sync_type": "synonyms"})

    assert run.state == "failed"
    assert run.task_states["config.synonyms"] == "failed"
    assert "cannot apply synonyms" in run.batch.error_summary
    assert "core text analysis" in run.batch.error_summary
    assert {entity: clean_search.alias_targets(alias(entity)) for entity in Entity} == live


def test_second_full_sync_swaps_the_alias_and_retention_drops_older_versions(clean_search: SearchHook):
    runs = [run_sync(DAG_ID, {"sync_type": "blog"}) for _ in range(3)]

    versions = [f"{alias(Entity.BLOG_POSTS)}_v{run.batch.id}" for run in runs]
    assert clean_search.alias_targets(alias(Entity.BLOG_POSTS)) == [versions[2]]
    assert clean_search.indexes_matching(f"{alias(Entity.BLOG_POSTS)}_v*") == sorted(versions[1:])


def test_failing_import_fails_the_batch_and_leaves_search_as_it_was(clean_search: SearchHook, sim, repo):
    good = run_sync(DAG_ID, {"sync_type": "all"})
    sim.add_fault(store_hash="teststore", path="/v3/catalog/products", status=500, from_page=2)

    run = run_sync(DAG_ID, {"sync_type": "all"})

    assert run.state == "failed"
    assert run.task_states["import.products"] == "failed"
    assert run.task_states["publish"] == "upstream_failed"
    assert run.task_states["finalize"] == "failed"  # after recording the batch: the run shows failed
    batch = run.batch
    assert batch.status == "failed" and batch.finished_at is not None
    assert batch.error_summary.startswith("import.products: ")
    assert "HTTP 500" in batch.error_summary and "v3/catalog/products" in batch.error_summary
    (error,) = [e for e in repo.errors(batch.id) if e["task_id"] == "import.products"]
    assert error["store_hash"] == "teststore" and "HTTP 500" in error["message"]
    # Categories and blogs finished, but nothing of a failed batch goes live.
    for entity, expected in EXPECTED.items():
        assert clean_search.alias_targets(alias(entity)) == [f"{alias(entity)}_v{good.batch.id}"]
        assert clean_search.count(alias(entity)) == expected
        assert clean_search.indexes_matching(f"{alias(entity)}_v*") == [f"{alias(entity)}_v{good.batch.id}"]


def test_conf_batch_id_claims_that_pending_batch(repo):
    pending = repo.create_pending(store_hash="teststore", sync_type="blog", mode="full")

    run = run_sync(DAG_ID, {"batch_id": pending.id, "sync_type": "blog"})

    assert run.state == "success"
    assert run.batch.id == pending.id
    assert run.batch.status == "completed" and run.batch.blog_posts_count == EXPECTED[Entity.BLOG_POSTS]


def test_pending_batch_type_wins_when_conf_names_none(repo):
    pending = repo.create_pending(store_hash="teststore", sync_type="blog", mode="full")

    run = run_sync(DAG_ID, {"batch_id": pending.id})

    assert run.batch.id == pending.id and run.tasks_in("success") >= {"import.blogs"}
    assert "import.products" in run.tasks_in("skipped")


def unclaimable(repo: BatchRepository, case: str) -> int:
    if case == "missing":
        return 10_000_000
    if case == "other store":
        return repo.create_pending(store_hash="schedstore", sync_type="all", mode="full").id
    batch = repo.create_pending(store_hash="teststore", sync_type="all", mode="full")
    repo.claim(
        batch_id=batch.id,
        store_hash="teststore",
        is_scheduled=False,
        dag_id="x",
        run_id=f"x-{case}",
        plan=ModePlan(SyncMode.FULL, "asked for"),
    )
    if case == "completed":
        repo.complete(batch.id, counts=ImportCounts(), next_run_at=None)
    return batch.id


@pytest.mark.parametrize("case", ["missing", "other store", "processing", "completed"])
def test_unclaimable_batch_fails_the_run_at_once_and_changes_nothing(repo, case, caplog):
    batch_id = unclaimable(repo, case)
    before = repo.get(batch_id)
    total = repo.hook.get_first("SELECT count(*) FROM sync_batches")[0]

    run = run_sync(DAG_ID, {"batch_id": batch_id})

    assert run.state == "failed"
    assert run.task_states["claim_batch"] == "failed"
    assert run.tasks_in("success") == set()
    assert run.batch is None
    assert repo.get(batch_id) == before
    assert repo.hook.get_first("SELECT count(*) FROM sync_batches")[0] == total


def test_a_pending_batch_of_a_mode_the_dag_cannot_run_fails_for_good_and_says_why(repo):
    pending = repo.create_pending(store_hash="teststore", sync_type="stop_words", mode="incremental")

    run = run_sync(DAG_ID, {"batch_id": pending.id})

    assert run.state == "failed"
    assert (run.task_states["claim_batch"], run.try_numbers["claim_batch"]) == ("failed", 1)
    assert run.tasks_in("success") == set()
    batch = repo.get(pending.id)
    reason = (
        f"batch {pending.id} is a 'stop_words' sync in mode 'incremental', which this DAG cannot run "
        "(mode 'incremental' runs sync type 'all' or 'product' or 'category' or 'blog' only)"
    )
    assert (batch.status, batch.error_summary) == ("failed", f"claim_batch: {reason}")
    assert (batch.dag_id, batch.run_id) == (DAG_ID, run.run_id)
    assert [(e["task_id"], e["message"]) for e in repo.errors(pending.id)] == [("claim_batch", reason)]


@pytest.mark.parametrize(
    ("conf", "param"),
    [
        ({"sync_type": "everything"}, "sync_type"),
        ({"batch_id": "12"}, "batch_id"),
        ({"batch_id": 2**63}, "batch_id"),  # beyond BIGSERIAL
        ({"batch_id": 1.0}, "batch_id"),
        ({"sync_type": "product", "mode": "targeted", "product_ids": [1.0]}, "product_ids"),
        ({"sync_type": "product", "mode": "targeted", "product_ids": []}, "product_ids"),
        ({"sync_type": "product", "mode": "targeted", "product_ids": [2**63]}, "product_ids"),
    ],
)
def test_conf_that_breaks_the_params_is_refused_before_a_run_exists(repo, conf, param):
    from airflow.sdk.exceptions import ParamValidationError

    total = repo.hook.get_first("SELECT count(*) FROM sync_batches")[0]

    with pytest.raises(ParamValidationError, match=f"Invalid input for param {param}"):
        run_sync(DAG_ID, conf)

    assert repo.hook.get_first("SELECT count(*) FROM sync_batches")[0] == total


def test_conf_with_unknown_keys_fails_the_claim_and_changes_no_row(repo, capfd):
    total = repo.hook.get_first("SELECT count(*) FROM sync_batches")[0]

    run = run_sync(DAG_ID, {"sync_type": "all", "junk": True})

    assert run.state == "failed" and run.task_states["claim_batch"] == "failed"
    assert run.batch is None
    printed = capfd.readouterr()
    assert "unknown conf keys ['junk']" in printed.out + printed.err
    assert repo.hook.get_first("SELECT count(*) FROM sync_batches")[0] == total


def create_scheduled_dagrun(
    *, dag, run_id, logical_date, data_interval, run_after, conf, start_date, session, **_
):
    """Replaces dag.test()'s helper, which makes only manual runs: create the run as the scheduler does."""
    from airflow.utils.state import DagRunState
    from airflow.utils.types import DagRunTriggeredByType, DagRunType

    return dag.create_dagrun(
        run_id=run_id.replace("manual__", "scheduled__"),
        logical_date=logical_date,
        data_interval=data_interval,
        run_after=run_after,
        conf=conf,
        run_type=DagRunType.SCHEDULED,
        state=DagRunState.RUNNING,
        triggered_by=DagRunTriggeredByType.TIMETABLE,
        start_date=start_date,
        session=session,
    )


def test_scheduled_run_records_its_next_run_time():
    tick = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
    with mock.patch("airflow.models.dagrun.get_or_create_dagrun", create_scheduled_dagrun):
        run = run_sync("bigcommerce_sync_schedstore", logical_date=tick)

    assert run.run_id.startswith("scheduled__")
    assert run.state == "success"
    assert run.batch.is_scheduled is True and run.batch.schedule == "0 4 * * *"
    assert run.batch.next_run_at == datetime(2026, 11, 21, 4, 0, tzinfo=UTC)


def test_manual_run_of_a_scheduled_store_has_no_next_run_time():
    run = run_sync("bigcommerce_sync_schedstore", {"sync_type": "blog"})

    assert run.batch.is_scheduled is False
    assert run.batch.next_run_at is None


def test_no_run_of_the_dag_left_its_batch_processing(repo):
    rows = repo.hook.get_records(
        "SELECT id FROM sync_batches WHERE status = 'processing' AND dag_id LIKE 'bigcommerce_sync_%%'"
    )

    assert rows == []


def test_tokens_never_reach_logs_batches_or_errors(repo, monkeypatch, capfd, caplog):
    good = run_sync(DAG_ID, {"sync_type": "blog"})
    wrong_token = "wrong-token-0123456789abcdef"
    conn = json.loads(os.environ["AIRFLOW_CONN_BIGCOMMERCE_TESTSTORE"])
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_TESTSTORE", json.dumps({**conn, "password": wrong_token}))

    bad = run_sync(DAG_ID, {"sync_type": "blog"})

    assert good.state == "success" and bad.state == "failed"
    assert "HTTP 401" in bad.batch.error_summary
    printed = capfd.readouterr()
    assert "HTTP 401" in printed.out + printed.err + caplog.text  # the task logs were captured
    stored = json.dumps([repo.errors(r.batch.id) for r in (good, bad)], default=str) + repr(
        [good.batch, bad.batch]
    )
    for secret in (conn["password"], wrong_token):
        assert secret not in printed.out + printed.err + caplog.text
        assert secret not in stored


def test_a_permanent_store_error_fails_the_import_on_its_first_try_despite_retries(repo, monkeypatch):
    revoked_token = "revoked-token-0123456789abcdef"
    conn = json.loads(os.environ["AIRFLOW_CONN_BIGCOMMERCE_TESTSTORE"])
    monkeypatch.setenv("AIRFLOW_CONN_BIGCOMMERCE_REVOKED", json.dumps({**conn, "password": revoked_token}))
    store = StoreConfig(
        store_hash="teststore", name="Revoked", connection_id="bigcommerce_revoked", retries=3
    )
    dag = build_store_dag(store)
    assert dag.task_dict["import.blogs"].retries == 3  # Airflow would retry any other failure

    run = run_dag(dag, {"sync_type": "blog"})

    assert (run.task_states["import.blogs"], run.try_numbers["import.blogs"]) == ("failed", 1)
    assert run.state == "failed" and run.batch.status == "failed"
    assert run.batch.finished_at - run.batch.started_at < timedelta(seconds=30)  # not after 3 retries
    assert run.batch.error_summary.startswith("import.blogs: AirflowFailException: ")
    assert "HTTP 401" in run.batch.error_summary
    (error,) = [e for e in repo.errors(run.batch.id) if e["task_id"] == "import.blogs"]
    assert "HTTP 401" in error["message"] and "v2/blog/posts" in error["message"]
    assert revoked_token not in json.dumps(repo.errors(run.batch.id), default=str) + repr(run.batch)


TARGETED = {"sync_type": "product", "mode": "targeted"}


def test_a_targeted_sync_updates_and_deletes_its_products_in_the_live_index(clean_search: SearchHook, sim):
    full = run_sync(DAG_ID, {"sync_type": "product"})
    live = f"{alias(Entity.PRODUCTS)}_v{full.batch.id}"
    edited, other_edited, deleted = (CATALOG.product(position)["id"] for position in (3, 300, 500))
    never = 987_654_321
    sim.update_product("teststore", edited, {"name": "Targeted Lamp", "price": 12.5})
    sim.update_product("teststore", other_edited, {"name": "Targeted Chair"})
    sim.delete_product("teststore", deleted)
    sim.reset()  # the counters only; the edits stay
    requests: list[dict] = []

    with mock.patch.object(BigCommerceHook, "get_json", product_requests_recorded(requests)):
        run = run_sync(DAG_ID, {**TARGETED, "product_ids": [edited, other_edited, deleted, never]})

    assert run.state == "success"
    assert run.tasks_in("success") == {"claim_batch", "import.products", "finalize"}
    assert run.tasks_in("skipped") == set(run.task_states) - {"claim_batch", "import.products", "finalize"}
    batch = run.batch
    assert (batch.status, batch.sync_type, batch.mode) == ("completed", "product", "targeted")
    assert (batch.products_count, batch.deleted_documents, batch.failed_documents) == (2, 1, 0)
    products = alias(Entity.PRODUCTS)
    doc = clean_search.client.get(index=products, id=str(edited))["_source"]
    assert (doc["name"], doc["price"]) == ("Targeted Lamp", 12.5)
    assert (
        clean_search.client.get(index=products, id=str(other_edited))["_source"]["name"] == "Targeted Chair"
    )
    for gone in (deleted, never):
        assert not clean_search.client.exists(index=products, id=str(gone))
    assert clean_search.count(products) == EXPECTED[Entity.PRODUCTS] - 1
    # No new version, no alias move: the same index serves search, and it is the only one.
    assert clean_search.alias_targets(products) == [live]
    assert clean_search.indexes_matching(f"{products}_v*") == [live]
    # Only id:in product requests (one chunk), no listing of the catalog.
    assert [r["id:in"] for r in requests] == [f"{edited},{other_edited},{deleted},{never}"]
    served = sim.stats()["stores"]["teststore"]["responses_by_path"]
    assert served["/v3/catalog/products"] == {"200": 1}


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        (TARGETED, "mode 'targeted' needs product_ids"),
        ({"sync_type": "product", "product_ids": [1, 2]}, "product_ids are for mode 'targeted' only"),
        (
            {"sync_type": "blog", "mode": "targeted", "product_ids": [1]},
            "accepts sync type 'product', not 'blog'",
        ),
        ({**TARGETED, "product_ids": [1]}, "a full sync of products must run first"),  # no live index
    ],
)
def test_a_targeted_sync_that_makes_no_sense_is_refused_before_any_row_changes(repo, capfd, conf, message):
    total = repo.hook.get_first("SELECT count(*) FROM sync_batches")[0]

    run = run_sync(DAG_ID, conf)

    assert run.state == "failed" and run.task_states["claim_batch"] == "failed"
    assert run.tasks_in("success") == set() and run.batch is None
    printed = capfd.readouterr()
    assert message in printed.out + printed.err
    assert repo.hook.get_first("SELECT count(*) FROM sync_batches")[0] == total


def test_a_pending_targeted_batch_needs_the_product_ids_in_the_conf(clean_search: SearchHook, repo):
    run_sync(DAG_ID, {"sync_type": "product"})
    pending = repo.create_pending(store_hash="teststore", sync_type="product", mode="targeted")

    refused = run_sync(DAG_ID, {"batch_id": pending.id})
    assert repo.get(pending.id) == pending  # left for a run that gives the ids
    done = run_sync(DAG_ID, {**TARGETED, "batch_id": pending.id, "product_ids": [CATALOG.product(0)["id"]]})

    assert refused.state == "failed" and refused.batch is None
    assert done.state == "success" and done.batch.id == pending.id
    assert (done.batch.status, done.batch.products_count, done.batch.deleted_documents) == ("completed", 1, 0)
