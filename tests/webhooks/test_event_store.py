"""The events table and the trigger watching it, on the real batch store."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from bigcommerce_sync.batches import BatchRepository
from bigcommerce_sync.mode_plan import ModePlan
from bigcommerce_sync.sync_types import SyncMode
from bigcommerce_sync.webhooks.callbacks import Target
from bigcommerce_sync.webhooks.event_store import WebhookEventRepository
from bigcommerce_sync.webhooks.trigger import PendingWebhookEventsTrigger
from tests.webhooks.support import callback, clean_events, product_updated, receive

STORE = "eventstore"


@pytest.fixture
def events(dev_stack) -> WebhookEventRepository:
    return clean_events()


def test_one_application_takes_every_event_of_at_most_250_products_oldest_first(events):
    ids = receive(
        events,
        *(product_updated(STORE, product) for product in range(1, 261)),
        *(product_updated(STORE, product, hash=f"again-{product}") for product in (1, 255)),
        callback(STORE, "store/category/updated", {"type": "category", "id": 9}),
    )

    first = events.take_pending(STORE, Target.PRODUCT)
    events.mark_applied(first.event_ids, _batch(events))
    rest = events.take_pending(STORE, Target.PRODUCT)

    assert first.target_ids == tuple(range(1, 251))
    assert first.event_ids == (*ids[:250], ids[260])  # product 1's second event comes along
    assert rest.target_ids == tuple(range(251, 261))
    assert ids[261] in rest.event_ids  # product 255's second event, with its product
    assert events.take_pending(STORE, Target.CATEGORY).target_ids == (9,)
    assert events.stores_with_pending() == [STORE]


def test_marking_applied_twice_changes_nothing_the_second_time(events):
    ids = receive(events, product_updated(STORE, 1))
    batch = _batch(events)

    assert (events.mark_applied(tuple(ids), batch), events.mark_applied(tuple(ids), batch)) == (1, 0)
    assert events.stores_with_pending() == []


def test_the_trigger_fires_for_pending_events_and_again_for_newer_ones(events):
    _, newest = receive(events, product_updated(STORE, 1), product_updated(STORE, 2))

    async def two_firings():
        run = PendingWebhookEventsTrigger(poll_interval=0.05, refire_after=3600).run()
        try:
            first = await anext(run)
            (newer,) = await asyncio.to_thread(receive, events, product_updated(STORE, 3))
            second = await anext(run)
        finally:
            await run.aclose()
        return first.payload, second.payload, newer

    first, second, newer = asyncio.run(two_firings())

    assert first == {"newest_pending_event": newest}
    assert second == {"newest_pending_event": newer}


def _batch(events: WebhookEventRepository) -> int:
    """A batch row for events to point at."""
    plan = ModePlan(SyncMode.TARGETED, "test")
    return (
        BatchRepository()
        .create_processing(
            store_hash=STORE,
            sync_type="product",
            plan=plan,
            is_scheduled=False,
            schedule=None,
            dag_id="test",
            run_id=str(uuid.uuid4()),
        )
        .id
    )


def test_the_trigger_fires_again_for_events_still_pending_after_refire_after(events):
    _, newest = receive(events, product_updated(STORE, 1), product_updated(STORE, 2))

    async def two_firings():
        run = PendingWebhookEventsTrigger(poll_interval=0.05, refire_after=0).run()
        try:
            return (await anext(run)).payload, (await anext(run)).payload
        finally:
            await run.aclose()

    assert asyncio.run(two_firings()) == ({"newest_pending_event": newest},) * 2
