"""Generated run confs: what a trigger's conf goes through before a batch row moves.

The gates, in order: the REST API's large-number guard (``api_guard``), the DAG's params
(Airflow validates the conf against their JSON schema), then the claim's own validation
(``parse_sync_request``), which also refuses combinations that make no sense. Every conf is
accepted or refused by one of them with a message naming the field; a refused conf changes no
batch row.
"""

from __future__ import annotations

import math
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bigcommerce_sync.api_guard import LARGEST_NUMBER, unrepresentable_numbers
from bigcommerce_sync.sync_request import (
    MAX_BATCH_ID,
    MAX_PRODUCT_ID,
    MAX_PRODUCT_IDS,
    InvalidSyncRequest,
    SyncRequest,
    parse_sync_request,
)
from bigcommerce_sync.sync_types import MODE_SYNC_TYPES, SyncMode, SyncType
from tests.hostile.conftest import Refused, examples, judge
from tests.hostile.strategies import FLOATS, INTEGERS, JSON_JUNK, TEXT

SURFACE = "run conf"
FIELDS = ("sync_type", "mode", "batch_id", "product_ids")
DEFAULTS = {"sync_type": "all", "mode": "full", "batch_id": None, "product_ids": None}
# A refusal is read in a task log and the batch's error: it names the field and stays short.
MAX_MESSAGE = 600

IDS = INTEGERS | FLOATS | st.booleans() | st.none() | TEXT | st.just("7") | JSON_JUNK
PRODUCT_IDS = (
    st.lists(st.integers(1, 10**6), min_size=1, max_size=5)
    | st.lists(IDS, max_size=8)
    | st.builds(lambda n: list(range(1, n)), st.integers(MAX_PRODUCT_IDS - 2, 20_000))
    | IDS
)
CONFS = st.builds(
    lambda known, unknown: {**known, **unknown},
    st.fixed_dictionaries(
        {},
        optional={
            "sync_type": st.sampled_from([t.value for t in SyncType]) | TEXT | JSON_JUNK,
            "mode": st.sampled_from([m.value for m in SyncMode]) | TEXT | JSON_JUNK,
            "batch_id": st.integers(1, 10**6) | IDS,
            "product_ids": PRODUCT_IDS,
        },
    ),
    st.dictionaries(TEXT.filter(lambda key: key not in FIELDS), JSON_JUNK, max_size=2) | st.just({}),
)


@pytest.fixture(scope="module")
def dag_params():
    """The params of a store's DAG as the api-server and scheduler hold them (serialized)."""
    from airflow.serialization.serialized_objects import DagSerialization

    from bigcommerce_sync.dag_factory import build_store_dag
    from bigcommerce_sync.stores import StoreConfig

    dag = build_store_dag(StoreConfig(store_hash="hostile", name="Hostile", connection_id="bc_hostile"))
    return DagSerialization.from_dict(DagSerialization.to_dict(dag)).params


def check_accepted(request: SyncRequest, conf: dict[str, Any]) -> None:
    assert request.explicit == frozenset(conf)
    assert request.sync_type in MODE_SYNC_TYPES[request.mode]
    assert request.batch_id is None or (
        type(request.batch_id) is int and 1 <= request.batch_id <= MAX_BATCH_ID
    )
    if request.mode is SyncMode.TARGETED:
        assert request.sync_type is SyncType.PRODUCT
        assert 1 <= len(request.product_ids) <= MAX_PRODUCT_IDS
        assert all(type(i) is int and 1 <= i <= MAX_PRODUCT_ID for i in request.product_ids)
    else:
        assert request.product_ids is None


def check_refusal(refused: Refused, conf: dict[str, Any]) -> None:
    message = refused.message
    assert len(message) <= MAX_MESSAGE, f"{len(message)} characters: {message[:200]}…"
    unknown = sorted(set(conf) - set(FIELDS))
    if unknown:
        assert message.startswith("unknown conf keys"), message
        return
    assert message.startswith("invalid conf: "), message
    named = [f for f in FIELDS if f in message or f.replace("_", " ") in message]
    assert named, f"names no field: {message}"


@given(conf=CONFS)
@example(conf={"product_ids": list(range(1, 20_000)), "mode": "targeted", "sync_type": "product"})
@example(conf={"batch_id": 10**40})
@example(conf={"mode": "incremental", "product_ids": [1, 2]})
@example(conf={"sync_type": "stop_words", "mode": "incremental"})
@example(conf={"sync_type": "'; DROP TABLE sync_batches; --"})
@example(conf={"mode": "targeted", "sync_type": "product", "product_ids": [1, -5, "x", 2.5, None]})
def test_the_claim_accepts_a_conf_or_names_what_is_wrong(conf):
    result = judge(SURFACE, lambda: parse_sync_request(conf, DEFAULTS), InvalidSyncRequest)

    if isinstance(result, Refused):
        check_refusal(result, conf)
    else:
        check_accepted(result, conf)


@examples(0.5)
@given(conf=CONFS)
@example(conf={"batch_id": True})
@example(conf={"product_ids": [1.0], "mode": "targeted", "sync_type": "product"})
@example(conf={"junk": float("nan")})
def test_a_conf_through_the_dag_params_then_the_claim_is_accepted_or_refused_by_name(conf, dag_params):
    """The path of a real trigger: Airflow's params first, then the claim with the params they resolved."""
    from airflow.sdk.exceptions import ParamValidationError

    def trigger_then_claim() -> SyncRequest:
        resolved = dag_params.deep_merge(conf).validate()
        return parse_sync_request(conf, resolved)

    result = judge(SURFACE, trigger_then_claim, (ParamValidationError, InvalidSyncRequest))

    if isinstance(result, Refused) and result.message.startswith("Invalid input for param "):
        param = result.message.removeprefix("Invalid input for param ").split(":")[0]
        assert param in FIELDS, result.message
    elif isinstance(result, Refused):
        check_refusal(result, conf)
    else:
        check_accepted(result, conf)


def numbers_in(document: Any) -> list[int | float]:
    if isinstance(document, dict):
        return [n for value in document.values() for n in numbers_in(value)]
    if isinstance(document, list):
        return [n for value in document for n in numbers_in(value)]
    if isinstance(document, int | float) and not isinstance(document, bool):
        return [document]
    return []


@given(body=st.fixed_dictionaries({"conf": CONFS}, optional={"logical_date": JSON_JUNK, "note": TEXT}))
@example(body={"conf": {"junk": [[[[2**63]]]]}})
@example(body={"conf": {"batch_id": float("inf")}})
def test_the_api_guard_names_every_number_airflow_could_not_carry(body):
    """The api-server's guard sees the trigger body first: every unrepresentable number is named."""
    found = judge(SURFACE, lambda: list(unrepresentable_numbers(body)), ())

    bad = [n for n in numbers_in(body) if not math.isfinite(n) or abs(n) > LARGEST_NUMBER]
    assert len(found) == len(bad)
    assert all(where.startswith(("conf", "logical_date", "note")) for where in found)


# Through the real claim task, on the real batch store: a refused conf moves no row.

REFUSED_CONFS = [
    ({"sync_type": "product", "mode": "targeted"}, "product_ids"),
    ({"mode": "incremental", "product_ids": [1]}, "product_ids"),
    ({"sync_type": "synonyms", "mode": "incremental"}, "sync type"),
    ({"batch_id": "1; DELETE FROM sync_batches"}, "batch_id"),
    ({"batch_id": 0}, "batch_id"),
    ({"product_ids": [1, "2"], "mode": "targeted", "sync_type": "product"}, "product_ids.1"),
    ({"sync_type": {"$ne": None}}, "sync_type"),
    ({"run_everything": True, "batch_id": 1}, "unknown conf keys ['run_everything']"),
]


@pytest.fixture
def batch_store(batch_db_url):
    from bigcommerce_sync.batches import BatchRepository

    repository = BatchRepository()
    repository.migrate()
    return repository


def snapshot(repository) -> list[tuple]:
    return repository.hook.get_records(
        "SELECT b.*, (SELECT count(*) FROM sync_errors e WHERE e.batch_id = b.id) AS errors "
        "FROM sync_batches b ORDER BY id"
    )


@pytest.mark.parametrize(("conf", "named"), REFUSED_CONFS)
def test_the_claim_task_refuses_a_bad_conf_and_moves_no_batch_row(batch_store, conf, named):
    from airflow.sdk.exceptions import AirflowFailException

    from bigcommerce_sync.operators.batch import ClaimBatchOperator

    pending = batch_store.create_pending(store_hash="hostile", sync_type="all", mode="full")
    conf = {**conf, "batch_id": pending.id} if conf.get("batch_id") == 1 else conf
    before = snapshot(batch_store)
    operator = ClaimBatchOperator(
        task_id="claim_batch", store_hash="hostile", schedule=None, search_conn_id="elasticsearch_default"
    )
    dag_run = SimpleNamespace(
        conf=conf, run_type="manual", logical_date=None, run_after=None, dag_id="d-hostile", run_id="r-1"
    )

    refused = judge(
        SURFACE,
        lambda: operator.execute({"dag_run": dag_run, "params": {**DEFAULTS, **conf}}),
        AirflowFailException,
    )

    assert isinstance(refused, Refused)
    assert named in refused.message
    assert snapshot(batch_store) == before
    assert batch_store.get(pending.id).status == "pending"


def test_a_refused_conf_naming_a_pending_batch_leaves_it_pending_after_a_real_run(sync_stack, batch_store):
    """dag.test(): the claim refuses, finalize runs as the teardown, and the Pending batch stays as it was."""
    from tests.dags.sync_runs import run_sync

    pending = batch_store.create_pending(store_hash="teststore", sync_type="product", mode="full")
    before = snapshot(batch_store)

    run = run_sync(
        "bigcommerce_sync_teststore", {"batch_id": pending.id, "mode": "targeted", "sync_type": "product"}
    )

    assert (run.state, run.task_states["claim_batch"], run.batch) == ("failed", "failed", None)
    assert snapshot(batch_store) == before
