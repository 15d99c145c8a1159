"""The registry's ``searchable_fields``: extra product-index fields the searchable-values job collects."""

from __future__ import annotations

import pytest

from bigcommerce_sync.stores import load_registry
from tests.test_stores import GOOD, write


def test_searchable_fields_default_to_none_and_keep_their_order(tmp_path):
    registry = load_registry(
        write(tmp_path, [GOOD, {**GOOD, "store_hash": "two", "searchable_fields": ["type", "availability"]}])
    )

    assert [s.searchable_fields for s in registry.stores] == [[], ["type", "availability"]]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        (["availability", "availability"], "listed more than once: availability"),
        (["bad field"], "should match pattern"),
        ([""], "should match pattern"),
        ("availability", "valid list"),
    ],
)
def test_bad_searchable_fields_skip_the_entry_naming_the_field(tmp_path, fields, words):
    registry = load_registry(write(tmp_path, [{**GOOD, "searchable_fields": fields}]))

    assert registry.stores == []
    (problem,) = registry.problems
    assert "field 'searchable_fields" in problem and words in problem
