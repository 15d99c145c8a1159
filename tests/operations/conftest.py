"""The operations tests run the operations DAGs with ``dag.test()`` against the real batch store."""

from __future__ import annotations

import os

import pytest

from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.ops_store import OperationsRepository
from tests.dags.conftest import clean_search  # noqa: F401 (a fixture these tests share)
from tests.operations.support import WEBHOOK_CONN_ID, recording_server, webhook_connection


@pytest.fixture
def ops(sync_stack) -> OperationsRepository:
    repository = OperationsRepository()
    repository.migrate()
    return repository


@pytest.fixture
def repo(ops) -> BatchRepository:
    return BatchRepository()


@pytest.fixture
def receiver(monkeypatch):
    """A local webhook the test alerts Connection points at; yields the requests it received."""
    with recording_server() as (port, received):
        monkeypatch.setitem(os.environ, f"AIRFLOW_CONN_{WEBHOOK_CONN_ID.upper()}", webhook_connection(port))
        yield received
