"""Registration against the simulator's ``/v3/hooks``: create missing, fix wrong, leave right, report."""

from __future__ import annotations

import pytest

from bigcommerce_sync.hooks.bigcommerce import BigCommerceHook
from bigcommerce_sync.operators.webhooks import EnsureWebhooksOperator
from bigcommerce_sync.spread import SomeItemsFailed
from bigcommerce_sync.stores import StoreConfig, StoreRegistry
from bigcommerce_sync.webhooks.callbacks import SUBSCRIBED_SCOPES
from bigcommerce_sync.webhooks.receiver import SECRET_HEADER
from bigcommerce_sync.webhooks.registration import ensure_hooks, main
from bigcommerce_sync.webhooks.registration_dag import build_registration_dag
from tests.webhooks.support import RECEIVER_URL, secret_connection, webhook_store, write_registry

STORE = "teststore"
OTHER = "schedstore"  # the simulator's second store
SECRET = "registration-secret-0451"
CONFIG = StoreConfig(
    store_hash=STORE,
    name="Test Store",
    connection_id=f"bigcommerce_{STORE}",
    webhooks={"enabled": True, "receiver_url": RECEIVER_URL},
)
DESTINATION = f"{RECEIVER_URL}/{STORE}"


@pytest.fixture
def store(sim) -> BigCommerceHook:
    return BigCommerceHook(CONFIG.connection_id)


def hooks(store: BigCommerceHook) -> dict[str, dict]:
    return {h["scope"]: h for page in store.iter_v3_pages("hooks") for h in page}


def test_the_first_run_creates_every_hook_and_the_second_changes_nothing(store):
    first = ensure_hooks(store, CONFIG, SECRET)
    second = ensure_hooks(store, CONFIG, SECRET)

    assert first.created == list(SUBSCRIBED_SCOPES)
    registered = hooks(store)
    assert set(registered) == set(SUBSCRIBED_SCOPES)
    assert {(h["destination"], h["is_active"]) for h in registered.values()} == {(DESTINATION, True)}
    assert all(h["headers"] == {SECRET_HEADER: SECRET} for h in registered.values())
    assert (second.created, second.updated, second.unchanged) == ([], [], list(SUBSCRIBED_SCOPES))


def test_wrong_and_deactivated_hooks_are_fixed_and_deactivation_is_reported(store):
    ensure_hooks(store, CONFIG, SECRET)
    registered = hooks(store)
    stale, dead = registered["store/product/updated"], registered["store/sku/updated"]
    store.send_json("PUT", f"v3/hooks/{stale['id']}", {"headers": {SECRET_HEADER: "old-secret"}})
    store.send_json("PUT", f"v3/hooks/{dead['id']}", {"is_active": False})

    report = ensure_hooks(store, CONFIG, SECRET)

    assert report.updated == ["store/product/updated", "store/sku/updated"]
    assert report.deactivated == ["store/sku/updated"]
    assert any("deactivated the hook of store/sku/updated" in line for line in report.lines())
    assert len(hooks(store)) == len(SUBSCRIBED_SCOPES)  # fixed in place, none added
    assert all(h["is_active"] and h["headers"] == {SECRET_HEADER: SECRET} for h in hooks(store).values())
    assert SECRET not in "\n".join(report.lines())


@pytest.fixture
def registry(tmp_path, monkeypatch) -> None:
    """A registry with the test store's webhooks on, and its secret connection."""
    entry = {
        **CONFIG.model_dump(mode="json", exclude_none=True),
        "webhooks": {"enabled": True, "receiver_url": RECEIVER_URL},
    }
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(write_registry(tmp_path / "stores.yaml", [entry])))
    for key, value in secret_connection(f"bigcommerce_webhook_{STORE}", SECRET).items():
        monkeypatch.setenv(key, value)


def test_the_command_ensures_the_registry_stores_and_never_prints_the_secret(store, registry, capsys):
    assert main(["ensure", "--store", STORE]) == 0
    assert main(["ensure"]) == 0
    assert main(["ensure", "--store", "nostore"]) == 1

    out, err = capsys.readouterr()
    assert f"{STORE}: hooks to {DESTINATION}: {len(SUBSCRIBED_SCOPES)} created" in out
    assert f"0 created, 0 updated, {len(SUBSCRIBED_SCOPES)} unchanged" in out
    assert SECRET not in out + err


def test_the_task_ensures_its_store_and_returns_the_report_without_the_secret(store, registry):
    (result,) = EnsureWebhooksOperator(task_id="ensure_hooks", store_hashes=[STORE]).execute({})

    assert (result["store_hash"], result["created"]) == (STORE, list(SUBSCRIBED_SCOPES))
    assert SECRET not in repr(result)


def test_the_task_ensures_each_store_of_its_group_on_its_own_reading_the_registry_once(
    store, tmp_path, monkeypatch
):
    """The first store has no secret connection: it fails, the next is ensured all the same."""
    import bigcommerce_sync.stores

    entries = [webhook_store(OTHER), CONFIG.model_dump(mode="json", exclude_none=True)]
    monkeypatch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(write_registry(tmp_path / "stores.yaml", entries)))
    for key, value in secret_connection(f"bigcommerce_webhook_{STORE}", SECRET).items():
        monkeypatch.setenv(key, value)
    reads = []
    real_load = bigcommerce_sync.stores.load_registry

    def counted_load(*args, **kwargs):
        reads.append(args)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(bigcommerce_sync.stores, "load_registry", counted_load)
    task = EnsureWebhooksOperator(task_id="ensure_hooks", store_hashes=[OTHER, "gone", STORE])

    with pytest.raises(SomeItemsFailed, match=f"1 of 2 failed: {OTHER}") as caught:
        task.execute({})

    assert len(reads) == 1
    (ensured,) = caught.value.results
    assert (ensured["store_hash"], ensured["created"]) == (STORE, list(SUBSCRIBED_SCOPES))
    assert set(hooks(store)) == set(SUBSCRIBED_SCOPES)


def test_thousands_of_webhook_stores_make_at_most_128_registration_tasks(monkeypatch):
    monkeypatch.delenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", raising=False)
    hashes = [f"store{number:04d}" for number in range(3_000)]
    stores = [StoreConfig.model_validate(webhook_store(h)) for h in hashes]

    ensure = build_registration_dag(StoreRegistry(stores)).get_task("ensure_hooks")
    groups = ensure.expand_input.value["store_hashes"]

    assert len(groups) == 128
    assert [h for group in groups for h in group] == hashes


def test_few_webhook_stores_get_a_registration_task_each(monkeypatch):
    monkeypatch.setenv("AIRFLOW__BIGCOMMERCE_SYNC__MAX_MAPPED_TASKS", "3")
    stores = [StoreConfig.model_validate(webhook_store(h)) for h in ("a1", "b2")]

    ensure = build_registration_dag(StoreRegistry(stores)).get_task("ensure_hooks")

    assert ensure.expand_input.value["store_hashes"] == [["a1"], ["b2"]]


def test_the_registration_dag_exists_only_for_webhook_stores():
    plain = StoreConfig(store_hash="plain", name="Plain", connection_id="bigcommerce_plain")

    assert build_registration_dag(StoreRegistry([plain])) is None
    dag = build_registration_dag(StoreRegistry([plain, CONFIG]))
    assert (dag.dag_id, dag.tags, dag.catchup) == (
        "bigcommerce_webhook_registration",
        {"bigcommerce", "webhooks"},
        False,
    )
