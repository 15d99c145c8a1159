"""The store sync DAGs split across DAG files (``store_dag_shards``): each store in exactly one file."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest
import yaml

from bigcommerce_sync.shards import (
    SHARD_DIR,
    ShardSettingError,
    configured_shards,
    shard_file,
    shard_file_problems,
    suggested_shards,
    write_shard_files,
)
from bigcommerce_sync.stores import load_registry, shard_of

FIRST_FILE = Path(__file__).resolve().parents[2] / "dags" / "bigcommerce_store_sync.py"
SHARDS = 4


def stores(count: int, start: int = 1) -> list[dict]:
    return [
        {"store_hash": f"shop{n:04d}", "name": f"Shop {n}", "connection_id": f"bigcommerce_shop{n:04d}"}
        for n in range(start, start + count)
    ]


@pytest.fixture
def dags_folder(tmp_path, monkeypatch) -> Path:
    """A DAGs folder with shard 0's file and the others written for ``SHARDS`` shards."""
    folder = tmp_path / "dags"
    folder.mkdir()
    shutil.copy(FIRST_FILE, folder)
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__STORE_DAG_SHARDS", str(SHARDS))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    write_shard_files(folder, SHARDS)
    return folder


def use_registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, entries: list[dict]) -> Path:
    registry = tmp_path / "stores.yaml"
    registry.write_text(yaml.safe_dump({"stores": entries}), encoding="utf-8")
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(registry))
    return registry


def parse_each(folder: Path, count: int = SHARDS) -> dict[int, set[str]]:
    """Each shard file's DAG ids, parsed alone as the DAG processor parses it."""
    from airflow.dag_processing.dagbag import DagBag

    parsed = {}
    for shard in range(count):
        bag = DagBag(dag_folder=str(shard_file(folder, shard)))
        assert bag.import_errors == {}
        parsed[shard] = set(bag.dags)
    return parsed


def test_every_store_is_built_by_exactly_one_file_the_one_of_its_shard(tmp_path, monkeypatch, dags_folder):
    entries = stores(40)
    use_registry(tmp_path, monkeypatch, entries)

    parsed = parse_each(dags_folder)

    every = [dag_id for dag_ids in parsed.values() for dag_id in dag_ids]
    assert sorted(every) == sorted(f"bigcommerce_sync_{e['store_hash']}" for e in entries)  # once each
    for shard, dag_ids in parsed.items():
        assert dag_ids, "40 stores leave no shard of 4 empty"
        assert {shard_of(d.removeprefix("bigcommerce_sync_"), SHARDS) for d in dag_ids} == {shard}


def test_a_store_keeps_its_shard_when_stores_are_added_and_moves_only_to_a_new_shard():
    before = {e["store_hash"]: shard_of(e["store_hash"], 8) for e in stores(500)}
    grown = {e["store_hash"]: shard_of(e["store_hash"], 8) for e in stores(600)}
    assert {h: grown[h] for h in before} == before

    nine = {h: shard_of(h, 9) for h in before}
    moved = {h for h in before if nine[h] != before[h]}
    assert {nine[h] for h in moved} == {8}  # a ninth shard takes stores only for itself
    assert 0.05 < len(moved) / len(before) < 0.2  # about one in nine
    sizes = [list(before.values()).count(shard) for shard in range(8)]
    assert max(sizes) < 1.5 * 500 / 8  # spread evenly enough


def test_a_worker_builds_its_one_dag_from_any_file_reading_one_entry(tmp_path, monkeypatch, dags_folder):
    from airflow.dag_processing.dagbag import DagBag

    from bigcommerce_sync.stores import StoreConfig

    entries = stores(40)
    use_registry(tmp_path, monkeypatch, entries)
    parse_each(dags_folder)  # the DAG processor has been there: the split registry is cached
    wanted = entries[7]["store_hash"]
    other_file = shard_file(dags_folder, (shard_of(wanted, SHARDS) + 1) % SHARDS)
    validated = []
    real = StoreConfig.model_validate
    monkeypatch.setattr(StoreConfig, "model_validate", lambda entry: validated.append(entry) or real(entry))
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", f"bigcommerce_sync_{wanted}")

    bag = DagBag(dag_folder=str(other_file))  # a task queued before its store moved to another file

    assert list(bag.dags) == [f"bigcommerce_sync_{wanted}"]
    assert [entry["store_hash"] for entry in validated] == [wanted]


def test_bad_entries_and_duplicates_are_reported_once_by_the_file_of_their_shard(
    tmp_path, monkeypatch, dags_folder, caplog
):
    entries = [*stores(12), {"store_hash": "broken1", "name": "B", "connection_id": "c", "schedule": "never"}]
    entries += [stores(1, start=3)[0], {"name": "no hash", "connection_id": "c"}]  # shop0003 twice
    use_registry(tmp_path, monkeypatch, entries)

    with caplog.at_level(logging.ERROR, logger="bigcommerce_sync.dag_factory"):
        parsed = parse_each(dags_folder)

    problems = [r.getMessage() for r in caplog.records if "Skipped store entry" in r.getMessage()]
    assert len(problems) == 3
    assert sum("store #13 ('broken1'): field 'schedule'" in p for p in problems) == 1
    assert sum("'shop0003' appears 2 times" in p for p in problems) == 1
    assert sum("store #15: field 'store_hash': Field required" in p for p in problems) == 1
    built = set().union(*parsed.values())
    assert len(built) == 11 and "bigcommerce_sync_shop0003" not in built


def test_missing_shard_files_are_built_by_shard_zero_and_extra_ones_build_nothing(
    tmp_path, monkeypatch, dags_folder, caplog
):
    entries = stores(40)
    use_registry(tmp_path, monkeypatch, entries)
    shard_file(dags_folder, 2).unlink()
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__STORE_DAG_SHARDS", "3")  # shard_003.py is left over
    expected = {shard: set() for shard in range(3)}
    for entry in entries:
        expected[shard_of(entry["store_hash"], 3)].add(f"bigcommerce_sync_{entry['store_hash']}")

    with caplog.at_level(logging.WARNING):
        parsed = {shard: ids for shard, ids in parse_each(dags_folder, 4).items() if shard != 2}

    assert parsed == {0: expected[0] | expected[2], 1: expected[1], 3: set()}
    assert "1 of its DAG files are missing" in caplog.text
    assert "builds shard 3, but [bigcommerce_sync] store_dag_shards is 3" in caplog.text
    assert shard_file_problems(dags_folder, 3) == [
        f"missing: {shard_file(dags_folder, 2)}",
        f"beyond the count: {shard_file(dags_folder, 3)}",
    ]


def test_write_makes_the_files_match_the_count_and_leaves_them_alone_when_they_do(dags_folder):
    assert sorted(p.name for p in (dags_folder / SHARD_DIR).iterdir()) == [
        "shard_001.py",
        "shard_002.py",
        "shard_003.py",
    ]
    assert "build_store_dags(shard=2)" in shard_file(dags_folder, 2).read_text()
    assert write_shard_files(dags_folder, SHARDS) == ([], [])

    written, removed = write_shard_files(dags_folder, 2)
    assert written == [] and [p.name for p in removed] == ["shard_002.py", "shard_003.py"]
    assert write_shard_files(dags_folder, 1) == ([], [shard_file(dags_folder, 1)])
    assert not (dags_folder / SHARD_DIR).exists() and shard_file_problems(dags_folder, 1) == []
    with pytest.raises(FileNotFoundError, match="not the project's DAGs folder"):
        write_shard_files(dags_folder.parent, 2)


def test_the_count_is_a_setting_of_one_to_999(monkeypatch):
    monkeypatch.delenv("AIRFLOW__BIGCOMMERCE_SYNC__STORE_DAG_SHARDS", raising=False)
    assert configured_shards() == 1
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__STORE_DAG_SHARDS", "0")
    with pytest.raises(ShardSettingError, match="store_dag_shards = 0: it must be 1 to 999"):
        configured_shards()
    assert [suggested_shards(n) for n in (1, 40, 41, 1_000, 10_000)] == [1, 1, 2, 32, 256]


def test_command_writes_and_checks_the_files(tmp_path, monkeypatch, dags_folder, capsys):
    from bigcommerce_sync.shards import main

    registry = use_registry(tmp_path, monkeypatch, stores(100))
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__STORE_DAG_SHARDS", "8")

    assert main(["check", "--dags-folder", str(dags_folder), "--registry", str(registry)]) == 1
    assert "missing: " in capsys.readouterr().err
    assert main(["write", "--dags-folder", str(dags_folder)]) == 0
    assert "4 shard files written, 0 removed" in capsys.readouterr().out
    assert main(["check", "--dags-folder", str(dags_folder), "--registry", str(registry)]) == 0
    assert "100 stores: " in capsys.readouterr().out


def test_a_shard_reads_and_validates_only_its_own_entries(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    entries = [*stores(30), {"store_hash": "bad!", "name": "X", "connection_id": "c"}]
    path = use_registry(tmp_path, monkeypatch, entries)
    bad_shard = shard_of("bad!", 3)

    parts = [load_registry(path, shards=[shard], shard_count=3) for shard in range(3)]

    assert sorted(s.store_hash for part in parts for s in part.stores) == sorted(
        e["store_hash"] for e in stores(30)
    )
    assert [len(part.problems) for part in parts] == [int(shard == bad_shard) for shard in range(3)]
    assert "store #31 ('bad!')" in parts[bad_shard].problems[0]
    assert len(list((tmp_path / "cache" / "bigcommerce_sync").glob("registry-*-3-shards/*.json"))) == 3
    assert load_registry(path, shards=[0, 1, 2], shard_count=3).stores == load_registry(path).stores
    with pytest.raises(ValueError, match="each must be 0 to 2"):
        load_registry(path, shards=[3], shard_count=3)
