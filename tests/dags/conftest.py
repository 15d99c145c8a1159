"""What the tests running store syncs share: a clean engine and the batch store."""

from __future__ import annotations

import pytest

from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.hooks.search import SearchHook


@pytest.fixture
def clean_search(sync_stack, sim) -> SearchHook:
    """No indexes of the test stores when the test starts; the simulator's edits undone after it."""
    search = SearchHook()
    search.delete_indexes(search.indexes_matching("bc_*"))
    return search


@pytest.fixture
def repo() -> BatchRepository:
    repository = BatchRepository()
    repository.migrate()  # a test may run before any claim has created the schema
    return repository
