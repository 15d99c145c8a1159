"""Ops control of a sync on the real batch store and engine: CLI pause and cancel, the page's buttons."""

from __future__ import annotations

import re

import pytest

from bigcommerce_sync import ops
from bigcommerce_sync.batch_control import CANCEL_TASK_ID
from bigcommerce_sync.dashboard import render
from bigcommerce_sync.hooks.search import SearchHook
from bigcommerce_sync.index_lifecycle import create_version
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.ops_overview import overview
from bigcommerce_sync.sync_types import Entity, SyncMode
from tests.operations.test_dashboard_page import PICTURE
from tests.search.support import cluster_analysis

STORE = "ctlstore"


def running(repo, run_id: str, sync_type: str = "all", mode: SyncMode = SyncMode.FULL):
    return repo.create_processing(
        store_hash=STORE,
        sync_type=sync_type,
        plan=ModePlan(mode, "asked for"),
        is_scheduled=False,
        schedule=None,
        dag_id=f"bigcommerce_sync_{STORE}",
        run_id=run_id,
    )


def test_the_cli_pauses_a_running_full_sync_and_cancels_it_once_paused(repo, ops, capsys):
    batch = running(repo, "run-ctl")
    search = SearchHook()
    version = create_version(
        search,
        store_hash=STORE,
        entity=Entity.PRODUCTS,
        batch_id=batch.id,
        analysis=cluster_analysis(store_hash=STORE),
    )

    assert ops_main("pause", batch.id) == 0
    assert f"batch {batch.id}: pause asked for at" in capsys.readouterr().out
    assert repo.get(batch.id).status == "processing"  # until its run ends: finalize pauses it
    paused = repo.pause(batch.id)
    lines = ops_status(ops)
    assert f"paused: #{batch.id} {STORE} full all since" in lines

    assert ops_main("cancel", batch.id) == 0  # a paused batch needs no run: no REST call

    printed = capsys.readouterr().out
    cancelled = repo.get(batch.id)
    assert (cancelled.status, cancelled.error_summary) == (
        "failed",
        "cancelled while paused, by the ops command line",
    )
    assert f"unpublished versions dropped: {version}" in printed
    assert not search.index_exists(version)
    assert [(e["task_id"], e["message"]) for e in repo.errors(batch.id)] == [
        (CANCEL_TASK_ID, "cancelled while paused, by the ops command line")
    ]
    assert paused.paused_at is not None


@pytest.mark.parametrize(
    ("sync_type", "mode", "action", "refusal"),
    [
        (
            "product",
            SyncMode.INCREMENTAL,
            "pause",
            "only a full sync of all, product, category, blog can be paused",
        ),
        ("stop_words", SyncMode.FULL, "pause", "only a full sync"),
        ("all", SyncMode.FULL, "resume", "is processing: only a paused batch can be resumed"),
    ],
)
def test_the_cli_refuses_what_the_batch_s_state_does_not_allow_and_changes_nothing(
    repo, ops, capsys, sync_type, mode, action, refusal
):
    batch = running(repo, f"run-ctl-{sync_type}-{action}", sync_type, mode)

    assert ops_main(action, batch.id) == 1

    assert refusal in capsys.readouterr().err
    assert repo.get(batch.id) == batch
    assert ops_main("cancel", 987654321) == 1
    assert "batch 987654321 does not exist" in capsys.readouterr().err


def test_a_batch_still_pausing_is_not_resumed_yet(repo, ops, capsys):
    batch = running(repo, "run-ctl-pausing")
    repo.request_pause(batch.id)

    assert ops_main("resume", batch.id) == 1

    assert "(a pause was asked for at" in capsys.readouterr().err


def test_the_page_offers_pause_on_a_running_full_sync_and_resume_or_cancel_on_a_paused_one():
    batch = {"store_hash": "s", "mode": "full", "sync_type": "all", "created_at": "t", "run_id": "r"}
    picture = {
        **PICTURE,
        "processing": [
            {**batch, "id": 1, "status": "processing", "pause_requested_at": None},
            {**batch, "id": 2, "status": "processing", "pause_requested_at": "t"},
            {**batch, "id": 3, "status": "processing", "mode": "incremental", "pause_requested_at": None},
        ],
        "paused": [{**batch, "id": 4, "status": "paused", "paused_at": "t"}],
    }

    page = render(picture, notice="batch 4: resumed")

    actions = re.findall(r'action="/bigcommerce-ops/batches/(\d+)/(\w+)"', page)
    assert actions == [
        ("1", "pause"),
        ("1", "cancel"),
        ("2", "cancel"),
        ("3", "cancel"),
        ("4", "resume"),
        ("4", "cancel"),
    ]
    assert "pausing" in page and 'id="notice">batch 4: resumed<' in page


def ops_main(action: str, batch_id: int) -> int:
    return ops.main([action, str(batch_id)])


def ops_status(repository) -> str:
    from datetime import UTC, datetime

    return "\n".join(ops.status_lines(overview(repository, [STORE], datetime.now(UTC))))
