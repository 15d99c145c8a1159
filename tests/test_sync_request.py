from __future__ import annotations

import pytest

from bigcommerce_sync.sync_request import (
    MAX_BATCH_ID,
    MAX_PRODUCT_ID,
    MAX_PRODUCT_IDS,
    InvalidSyncRequest,
    parse_sync_request,
    sync_params,
)
from bigcommerce_sync.sync_types import SyncMode, SyncType

PARAMS = {"sync_type": "all", "mode": "full", "batch_id": None, "product_ids": None}


def test_conf_values_override_params_and_explicit_keys_are_remembered():
    request = parse_sync_request({"sync_type": "blog", "batch_id": 7}, PARAMS)

    assert request.sync_type is SyncType.BLOG
    assert request.mode is SyncMode.FULL
    assert request.batch_id == 7
    assert request.explicit == {"sync_type", "batch_id"}


def test_empty_conf_uses_params():
    request = parse_sync_request(None, {**PARAMS, "sync_type": "product"})

    assert request.sync_type is SyncType.PRODUCT
    assert request.explicit == frozenset()


@pytest.mark.parametrize(
    ("conf", "message"),
    [
        ({"sync_type": "everything"}, "sync_type: Input should be 'all'"),
        ({"mode": "delta"}, "mode: Input should be 'full'"),
        ({"batch_id": "12"}, "batch_id: Input should be a valid integer (got '12')"),
        ({"batch_id": 1.5}, "batch_id: Input should be a valid integer"),
        ({"batch_id": True}, "batch_id: Input should be a valid integer"),
        ({"batch_id": 0}, "batch_id: Input should be greater than or equal to 1"),
        ({"batch_id": 2**63}, "batch_id: Input should be less than or equal to 9223372036854775807"),
        ({"batch_id": 10**30}, "batch_id: Input should be less than or equal to 9223372036854775807"),
        ({"batch_id": 1.0}, "batch_id: Input should be a valid integer"),
        ({"batch_id": 1e308}, "batch_id: Input should be a valid integer"),
        ({"junk": 1, "more": 2}, "unknown conf keys ['junk', 'more']"),
        ({"sync_type": "product", "mode": "targeted"}, "mode 'targeted' needs product_ids"),
        (
            {"sync_type": "product", "mode": "targeted", "product_ids": None},
            "mode 'targeted' needs product_ids",
        ),
        ({"sync_type": "product", "product_ids": [1]}, "product_ids are for mode 'targeted' only"),
        (
            {"sync_type": "stop_words", "mode": "incremental"},
            "accepts sync type 'all' or 'product' or 'category' or 'blog', not 'stop_words'",
        ),
        ({"mode": "incremental", "product_ids": [1]}, "product_ids are for mode 'targeted' only"),
        ({"mode": "targeted", "product_ids": [1]}, "mode 'targeted' accepts sync type 'product', not 'all'"),
        (
            {"sync_type": "blog", "mode": "targeted", "product_ids": [1]},
            "mode 'targeted' accepts sync type 'product', not 'blog'",
        ),
        (
            {"sync_type": "product", "mode": "targeted", "product_ids": []},
            "product_ids: List should have at least",
        ),
        (
            {"sync_type": "product", "mode": "targeted", "product_ids": [0]},
            "product_ids.0: Input should be greater",
        ),
        (
            {"sync_type": "product", "mode": "targeted", "product_ids": [1.0]},
            "product_ids.0: Input should be a valid",
        ),
        (
            {"sync_type": "product", "mode": "targeted", "product_ids": list(range(1, MAX_PRODUCT_IDS + 2))},
            "product_ids: List should have at most 250 items",
        ),
    ],
)
def test_bad_conf_is_rejected_with_what_is_wrong(conf, message):
    with pytest.raises(InvalidSyncRequest) as raised:
        parse_sync_request(conf, PARAMS)

    assert message in str(raised.value)


def test_a_targeted_product_sync_carries_its_product_ids():
    conf = {"sync_type": "product", "mode": "targeted", "product_ids": [12, 34]}

    request = parse_sync_request(conf, PARAMS)

    assert (request.sync_type, request.mode, request.product_ids) == (
        SyncType.PRODUCT,
        SyncMode.TARGETED,
        [12, 34],
    )


def test_the_form_sends_no_product_ids_as_null_and_a_full_sync_accepts_that():
    request = parse_sync_request(
        {"sync_type": "blog", "mode": "full", "batch_id": None, "product_ids": None}, PARAMS
    )

    assert request.product_ids is None


def test_params_render_a_form_with_every_sync_type():
    params = sync_params(SyncType.PRODUCT)

    assert params["sync_type"].value == "product"
    assert params["sync_type"].schema["enum"] == [t.value for t in SyncType]
    assert params["sync_type"].schema["title"] == "Sync type"
    assert params["batch_id"].schema["type"] == ["null", "integer"]
    assert set(params["sync_type"].schema["values_display"]) == {t.value for t in SyncType}


ACCEPTED_BATCH_IDS = [None, 1, 42, MAX_BATCH_ID]
REFUSED_BATCH_IDS = [0, -1, MAX_BATCH_ID + 1, 10**30, 1.0, 1.5, 1e308, True, "7"]


@pytest.mark.parametrize(
    ("batch_id", "valid"),
    [(value, True) for value in ACCEPTED_BATCH_IDS] + [(value, False) for value in REFUSED_BATCH_IDS],
    ids=repr,
)
def test_the_param_and_the_conf_validation_accept_the_same_batch_ids(batch_id, valid):
    """Airflow's param validation (the REST API's 400) and the claim's own check agree on every value."""
    from airflow.sdk.exceptions import ParamValidationError

    param = sync_params(SyncType.ALL)["batch_id"]
    try:
        param.resolve(batch_id)
        param_accepts = True
    except ParamValidationError:
        param_accepts = False
    try:
        parse_sync_request({"batch_id": batch_id}, PARAMS)
        conf_accepts = True
    except InvalidSyncRequest:
        conf_accepts = False

    assert param_accepts == conf_accepts == valid


ACCEPTED_PRODUCT_IDS = [[1], [12, 34], [MAX_PRODUCT_ID], list(range(1, MAX_PRODUCT_IDS + 1))]
REFUSED_PRODUCT_IDS = [
    [],
    [0],
    [-1],
    [MAX_PRODUCT_ID + 1],
    [10**30],
    [1.0],
    [1.5],
    [True],
    ["7"],
    list(range(1, MAX_PRODUCT_IDS + 2)),
    7,
]


@pytest.mark.parametrize(
    ("product_ids", "valid"),
    [(value, True) for value in ACCEPTED_PRODUCT_IDS] + [(value, False) for value in REFUSED_PRODUCT_IDS],
    ids=lambda value: repr(value)[:40],
)
def test_the_param_and_the_conf_validation_accept_the_same_product_ids(product_ids, valid):
    from airflow.sdk.exceptions import ParamValidationError

    param = sync_params(SyncType.ALL)["product_ids"]
    try:
        param.resolve(product_ids)
        param_accepts = True
    except ParamValidationError:
        param_accepts = False
    try:
        parse_sync_request({"sync_type": "product", "mode": "targeted", "product_ids": product_ids}, PARAMS)
        conf_accepts = True
    except InvalidSyncRequest:
        conf_accepts = False

    assert param_accepts == conf_accepts == valid
