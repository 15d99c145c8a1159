from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bigcommerce_sync.stores import StoreRegistryError, load_registry
from bigcommerce_sync.sync_types import SyncType

GOOD = {"store_hash": "abc123", "name": "ABC", "connection_id": "bigcommerce_abc123"}


def write(tmp_path: Path, stores: object) -> Path:
    path = tmp_path / "stores.yaml"
    path.write_text(yaml.safe_dump({"stores": stores}), encoding="utf-8")
    return path


def test_valid_entry_gets_defaults(tmp_path):
    registry = load_registry(write(tmp_path, [GOOD]))

    assert registry.problems == []
    (store,) = registry.stores
    assert store.dag_id == "bigcommerce_sync_abc123"
    assert store.default_sync_type is SyncType.ALL
    assert store.schedule is None
    assert store.search_connection_id == "elasticsearch_default"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"store_hash": "ABC-1"}, "store_hash", "pattern"),
        ({"schedule": "every day"}, "schedule", "cron expression"),
        ({"default_sync_type": "everything"}, "default_sync_type", "'all'"),
        ({"synonyms": ["lonely"]}, "synonyms", "at least two"),
        ({"synonyms": ["a => "]}, "synonyms", "'a, b => c'"),
        ({"retries": -1}, "retries", "greater than or equal"),
        ({"retry_delay_seconds": 0}, "retry_delay_seconds", "greater than or equal to 1"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_bad_entry_is_reported_with_store_and_field_and_others_still_load(tmp_path, change, field, words):
    bad = {**GOOD, "store_hash": "bad1", **change}
    registry = load_registry(write(tmp_path, [bad, {**GOOD, "store_hash": "fine2"}]))

    assert [s.store_hash for s in registry.stores] == ["fine2"]
    (problem,) = registry.problems
    assert "store #1" in problem
    assert f"field '{field}'" in problem
    assert words in problem


def test_missing_required_field_is_named(tmp_path):
    registry = load_registry(write(tmp_path, [{"store_hash": "x1", "name": "X"}]))

    assert registry.stores == []
    assert registry.problems == ["stores.yaml: store #1 ('x1'): field 'connection_id': Field required"]


def test_duplicate_store_hashes_are_all_refused(tmp_path):
    registry = load_registry(
        write(tmp_path, [GOOD, {**GOOD, "name": "again"}, {**GOOD, "store_hash": "other"}])
    )

    assert [s.store_hash for s in registry.stores] == ["other"]
    assert len(registry.problems) == 1
    assert "'abc123' appears 2 times" in registry.problems[0]


def test_disabled_store_is_left_out_without_a_problem(tmp_path):
    registry = load_registry(write(tmp_path, [{**GOOD, "enabled": False}]))

    assert registry.stores == []
    assert registry.problems == []


@pytest.mark.parametrize("content", ["stores: {}", "- a\n- b", "stores: [\n  unclosed"])
def test_unusable_file_raises(tmp_path, content):
    path = tmp_path / "stores.yaml"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(StoreRegistryError, match="stores.yaml"):
        load_registry(path)


def test_shipped_registry_is_valid():
    registry = load_registry(Path(__file__).resolve().parents[1] / "include" / "stores.yaml")

    assert registry.problems == []
    assert [s.store_hash for s in registry.stores] == ["demo1store"]


def test_check_command_lists_stores_and_reports_skipped_entries(tmp_path, capsys):
    from bigcommerce_sync.stores import main

    path = write(tmp_path, [GOOD, {**GOOD, "store_hash": "bad!"}])

    assert main(["check", str(path)]) == 1
    printed = capsys.readouterr()
    assert "ok       bigcommerce_sync_abc123" in printed.out
    assert "skipped  stores.yaml: store #2 ('bad!'): field 'store_hash'" in printed.err
    assert main(["check", str(write(tmp_path, [GOOD]))]) == 0
    (tmp_path / "broken.yaml").write_text("stores: [", encoding="utf-8")
    assert main(["check", str(tmp_path / "broken.yaml")]) == 2


def test_one_store_mode_validates_only_that_entry_but_still_refuses_its_duplicates(tmp_path):
    path = write(
        tmp_path, [GOOD, {**GOOD, "store_hash": "broken", "schedule": "never"}, {**GOOD, "store_hash": "two"}]
    )

    only = load_registry(path, only_store="abc123")
    assert [s.store_hash for s in only.stores] == ["abc123"] and only.problems == []

    twice = write(tmp_path, [GOOD, GOOD])
    refused = load_registry(twice, only_store="abc123")
    assert refused.stores == [] and "appears 2 times" in refused.problems[0]


def test_parsed_registry_is_reused_until_the_file_changes(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = write(tmp_path, [GOOD])

    first = load_registry(path)
    (cached,) = (tmp_path / "cache" / "bigcommerce_sync").glob("registry-*.json")
    assert load_registry(path) == first

    path.write_text(yaml.safe_dump({"stores": [{**GOOD, "name": "Renamed"}]}), encoding="utf-8")
    assert [s.name for s in load_registry(path).stores] == ["Renamed"]
    assert len(list(cached.parent.glob("registry-*.json"))) == 2


def test_registry_with_values_json_cannot_hold_still_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    path = tmp_path / "stores.yaml"
    path.write_text("launched: 2026-01-01\nstores:\n  - {store_hash: abc123, name: ABC, connection_id: c}\n")

    assert [s.store_hash for s in load_registry(path).stores] == ["abc123"]
    assert not list((tmp_path / "cache").rglob("registry-*.json"))
