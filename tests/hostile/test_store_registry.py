"""Generated ``stores.yaml`` entries and files: a bad entry is skipped saying which store and field.

The good entries of the same file still load, the DAG file still builds a DAG for each of
them (on a schedule Airflow can compute), and no problem text shows a secret-looking value.
Only a file that is not a mapping with a ``stores`` list is refused as a whole
(``StoreRegistryError``, which names the file).
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import assume, example, given
from hypothesis import strategies as st

from bigcommerce_sync.stores import StoreConfig, StoreRegistryError, load_registry
from tests.hostile.conftest import Refused, count, examples, judge
from tests.hostile.strategies import JSON_JUNK, SECRET_KEYS, SECRETS, TEXT

SURFACE = "stores.yaml entries"
FIELDS = list(StoreConfig.model_fields)

# Cron expressions from the tokens people (and croniter's extensions) write, 4 to 7 fields.
CRON_TOKENS = st.sampled_from(
    ["*", "0", "3", "*/15", "1-5", "31", "30", "2", "29", "L", "1W", "MON#1", "MAR", "R", "H", "7", "60", "?"]
)
CRONS = st.sampled_from(["@daily", "@hourly", "@yearly", "@reboot", "@every 5m", "0 0 31 2 *"]) | st.builds(
    " ".join, st.lists(CRON_TOKENS, min_size=4, max_size=7)
)
HASHES = st.from_regex(r"\A[a-z0-9]{1,12}\Z") | TEXT | JSON_JUNK
VALUES = JSON_JUNK | CRONS | TEXT
WEBHOOKS = st.fixed_dictionaries(
    {},
    optional={
        "enabled": st.booleans() | JSON_JUNK,
        "receiver_url": st.sampled_from(
            ["https://airflow.example.com/bigcommerce-webhooks", "ftp://x", "nope"]
        )
        | JSON_JUNK,
        "secret_connection_id": TEXT | JSON_JUNK,
    },
)


def with_secrets(entry: st.SearchStrategy[dict]) -> st.SearchStrategy[tuple[dict, list[str]]]:
    """An entry with secret-looking values under secret-looking keys, at the top or in ``webhooks``."""

    def add(entry: Any, secrets: list[tuple[str, str]], nested: bool) -> tuple[Any, list[str]]:
        if not isinstance(entry, dict):
            return entry, []
        entry = dict(entry)
        for key, value in secrets:
            if nested and isinstance(entry.get("webhooks"), dict):
                entry["webhooks"] = {**entry["webhooks"], key: value}
            else:
                entry[key] = value
        return entry, [value for _, value in secrets]

    return st.builds(add, entry, st.lists(st.tuples(SECRET_KEYS, SECRETS), max_size=2), st.booleans())


GOOD_ENTRY = st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=20).filter(str.strip), "connection_id": st.just("bigcommerce_x")},
    optional={
        "schedule": st.sampled_from([None, "0 3 * * *", "@daily"]),
        "retries": st.integers(0, 10),
        "stop_words": st.lists(st.text(min_size=1, max_size=10), max_size=3),
    },
)
# What an operator may plausibly write in a field: right or wrong, in range or not.
PLAUSIBLE = st.one_of(
    CRONS,
    st.integers(-5, 100_000),
    st.floats(-1, 2),
    st.booleans(),
    st.sampled_from(["all", "product", "blog", "stop_words", "everything", "hoodie, sweatshirt", "a => b"]),
    st.lists(st.sampled_from(["name", "brand_name.raw", "", "1bad", "widget", "x, y"]), max_size=3),
)
VALID_HASH = st.from_regex(r"\A[a-z0-9]{1,12}\Z")
HOSTILE_ENTRY = st.one_of(
    # a valid entry but for its crons, maybe: what loads must get a schedule Airflow can compute
    st.fixed_dictionaries(
        {"store_hash": VALID_HASH, "name": st.just("N"), "connection_id": st.just("c"), "schedule": CRONS},
        optional={"incremental_schedule": CRONS},
    ),
    # a valid entry with one to three fields set to plausible values, right or wrong
    st.builds(
        lambda base, changes: {**base, **changes},
        st.fixed_dictionaries(
            {"store_hash": VALID_HASH, "name": st.just("N"), "connection_id": st.just("c")}
        ),
        st.dictionaries(st.sampled_from(FIELDS), PLAUSIBLE, min_size=1, max_size=3),
    ),
    # a plausible entry with one to three fields replaced by anything
    st.builds(
        lambda base, changes: {**base, **changes},
        st.fixed_dictionaries({"store_hash": HASHES, "name": TEXT, "connection_id": TEXT}),
        st.dictionaries(st.sampled_from(FIELDS) | TEXT, VALUES, min_size=1, max_size=3),
    ),
    st.fixed_dictionaries({"store_hash": HASHES}, optional={"webhooks": WEBHOOKS | JSON_JUNK}),
    JSON_JUNK,
)


def write(entries: Any) -> Path:
    path = Path(tempfile.mkdtemp(prefix="hostile-registry-")) / "stores.yaml"
    path.write_text(yaml.safe_dump({"stores": entries}, allow_unicode=True), encoding="utf-8")
    return path


def skipped_positions(problems: list[str]) -> set[int]:
    return {int(n) for problem in problems for n in re.findall(r"store #(\d+)", problem)}


GOOD = [{"name": "G", "connection_id": "c"}]


@given(
    hostile=st.lists(with_secrets(HOSTILE_ENTRY), min_size=1, max_size=3),
    good=st.lists(GOOD_ENTRY, min_size=1, max_size=2),
    order=st.randoms(use_true_random=False),
)
@example(hostile=[({"store_hash": ["x"], "name": "n"}, [])], good=GOOD, order=None)
@example(
    hostile=[({"store_hash": {"password": "s3cr3t-abcdefabcdef"}}, ["s3cr3t-abcdefabcdef"])],
    good=GOOD,
    order=None,
)
@example(hostile=[({"store_hash": "x" * 5000, "name": "n", "connection_id": "c"}, [])], good=GOOD, order=None)
@example(
    hostile=[({"store_hash": "a1", "name": "n", "connection_id": "c", "schedule": "0 0 31 2 *"}, [])],
    good=GOOD,
    order=None,
)
@example(
    hostile=[({"store_hash": "a1", "name": "n", "connection_id": "c", "schedule": "* * * * * *"}, [])],
    good=GOOD,
    order=None,
)
@example(
    hostile=[
        ({"store_hash": "a1", "name": "n", "connection_id": "c", "incremental_schedule": "R 0 * * *"}, [])
    ],
    good=GOOD,
    order=None,
)
@example(hostile=[({"stop_words": [[[[["deep"]]]]]}, [])], good=GOOD, order=None)
def test_bad_entries_are_skipped_by_name_and_the_good_ones_still_load(hostile, good, order):
    good = [{**entry, "store_hash": f"good{i}"} for i, entry in enumerate(good)]
    good_hashes = {entry["store_hash"] for entry in good}
    assume(not any(isinstance(e, dict) and str(e.get("store_hash")) in good_hashes for e, _ in hostile))
    entries = [*(entry for entry, _ in hostile), *good]
    if order is not None:
        order.shuffle(entries)
    secrets = [secret for _, values in hostile for secret in values]
    path = write(entries)

    try:
        registry = load_registry(path)
    except Exception:
        for _ in hostile:
            count(SURFACE, "crashed")
        raise

    loaded = {store.store_hash for store in registry.stores}
    assert good_hashes <= loaded, registry.problems
    skipped = skipped_positions(registry.problems)
    hashes = [entry.get("store_hash") if isinstance(entry, dict) else None for entry in entries]
    hashes = [h if isinstance(h, str) else None for h in hashes]
    for position in range(1, len(entries) + 1):
        if hashes[position - 1] in good_hashes:
            assert position not in skipped, registry.problems
            continue
        repeated = hashes[position - 1] is not None and hashes.count(hashes[position - 1]) > 1
        count(SURFACE, "rejected" if position in skipped or repeated else "accepted")
    for problem in registry.problems:
        assert problem.startswith("stores.yaml: store"), problem
        assert "field '" in problem or "appears" in problem, problem
        assert len(problem) < 1000, problem[:300]
        for secret in secrets:
            assert secret not in problem
    check_the_dag_file_builds([store for store in registry.stores if store.store_hash not in good_hashes])
    # Split in shards (one DAG file each), the registry loads the same stores and reports the same problems.
    sharded = load_registry(path, shards=range(3), shard_count=3)
    assert {s.store_hash for s in sharded.stores} == loaded
    assert sorted(sharded.problems) == sorted(registry.problems)


def check_the_dag_file_builds(stores: list[StoreConfig]) -> None:
    """Every loaded store gets its DAG, on crons Airflow's scheduler can compute a next run for."""
    import pendulum
    from airflow.timetables.base import TimeRestriction
    from airflow.timetables.trigger import CronTriggerTimetable

    from bigcommerce_sync.dag_factory import build_store_dags
    from bigcommerce_sync.stores import StoreRegistry

    dags = build_store_dags(StoreRegistry(stores=stores))
    assert set(dags) == {store.dag_id for store in stores}
    since = TimeRestriction(earliest=pendulum.datetime(2026, 1, 1), latest=None, catchup=False)
    for store in stores:
        for cron in filter(None, (store.schedule, store.incremental_schedule)):
            timetable = CronTriggerTimetable(cron, timezone="UTC")
            next_run = timetable.next_dagrun_info(last_automated_data_interval=None, restriction=since)
            assert next_run is not None, cron


SCALARS_AND_TEXT = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=100).map(lambda raw: raw.decode("latin-1")),
    st.builds(lambda depth: "[" * depth + "]" * depth, st.integers(1, 3000)),
    st.builds(lambda depth: "stores:\n- " + "{a: " * depth + "1" + "}" * depth, st.integers(1, 2000)),
)
DOCUMENTS = st.one_of(
    JSON_JUNK.map(lambda document: yaml.safe_dump(document, allow_unicode=True)),
    st.dictionaries(TEXT, JSON_JUNK, max_size=3).map(lambda document: yaml.safe_dump(document)),
    st.builds(lambda stores: yaml.safe_dump({"stores": stores}), JSON_JUNK),
    SCALARS_AND_TEXT,
)


@examples(1.0)
@given(text=DOCUMENTS, secret=SECRETS)
@example(text="[" * 5000 + "]" * 5000, secret="s3cr3t-aaaaaaaaaaaa")
@example(text="stores: [\n  unclosed", secret="s3cr3t-aaaaaaaaaaaa")
@example(text="stores: !!python/object/apply:os.system ['true']", secret="s3cr3t-aaaaaaaaaaaa")
@example(text="stores: []\n---\nstores: []", secret="s3cr3t-aaaaaaaaaaaa")
def test_a_file_that_is_no_registry_is_refused_as_a_whole_naming_the_file(text, secret):
    path = Path(tempfile.mkdtemp(prefix="hostile-registry-")) / "stores.yaml"
    # A secret beside the document, as a registry with a misplaced credential would hold it.
    path.write_text(
        f"password: {secret}\n{text}" if text.startswith("stores:") else f"{text}\n{secret}", encoding="utf-8"
    )

    result = judge("stores.yaml files", lambda: load_registry(path), StoreRegistryError)

    if isinstance(result, Refused):
        assert result.message.startswith(f"{path}: "), result.message
        assert "store registry" in result.message or "'stores' list" in result.message
        assert secret not in result.message
    else:
        assert all(isinstance(store, StoreConfig) for store in result.stores)
        assert all(secret not in problem for problem in result.problems)


def test_the_dag_file_reports_an_unreadable_registry_as_its_import_error(tmp_path, monkeypatch):
    """The one refusal that takes the DAG file down: Airflow shows it as the file's import error."""
    from airflow.dag_processing.dagbag import DagBag

    from tests.conftest import REPO_ROOT

    path = tmp_path / "stores.yaml"
    path.write_text("[" * 5000 + "]" * 5000, encoding="utf-8")
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(path))

    bag = judge(
        "stores.yaml files",
        lambda: DagBag(dag_folder=str(REPO_ROOT / "dags" / "bigcommerce_store_sync.py")),
        (),
    )

    (error,) = bag.import_errors.values()
    assert "expected a mapping with a 'stores' list" in error
    assert "RecursionError" not in error


@pytest.fixture(scope="module", autouse=True)
def _private_cache(tmp_path_factory):
    """The registry's JSON copies go to a throwaway cache, not the user's."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield
