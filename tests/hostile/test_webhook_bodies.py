"""Generated webhook callbacks: bodies of any shape, secrets right, wrong or missing.

Each gets a 4xx naming what is wrong, or a 2xx when it is a valid callback; never a 500 or
a 503 (which BigCommerce would retry for a day). A refused body stores no event, and the
store's secret never appears in an answer or a log line.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bigcommerce_sync.webhooks.callbacks import SUBSCRIBED_SCOPES
from bigcommerce_sync.webhooks.receiver import MAX_BODY_BYTES, SECRET_HEADER, create_app
from tests.hostile.conftest import count, examples
from tests.hostile.strategies import DECODED_JUNK, HUGE_TEXT, JSON_JUNK, TEXT
from tests.webhooks.support import callback, clean_events, product_updated, secret_connection, webhook_store

SURFACE = "webhook bodies"
STORE = "hostilehooks"
SECRET = "s3cr3t-hostile-7c1e9a44b0"


@pytest.fixture(scope="module")
def receiver(dev_stack, tmp_path_factory):
    """The receiver app on the real batch store, for a registry whose one store takes webhooks."""
    import yaml
    from fastapi.testclient import TestClient

    registry = tmp_path_factory.mktemp("hostile-webhooks") / "stores.yaml"
    registry.write_text(yaml.safe_dump({"stores": [webhook_store(STORE)]}), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("BIGCOMMERCE_SYNC_STORES_FILE", str(registry))
        for key, value in secret_connection(f"bigcommerce_webhook_{STORE}", SECRET).items():
            patch.setenv(key, value)
        events = clean_events()
        yield TestClient(create_app()), events


@pytest.fixture(scope="module")
def log_lines():
    """Every log record of the receiver (and below), kept for the secret check."""
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Keep(level=logging.DEBUG)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield records
    root.removeHandler(handler)
    root.setLevel(previous)


def stored(events) -> int:
    return events.hook.get_first("SELECT count(*) FROM webhook_events")[0]


IDS = st.integers(1, 2**63 - 1) | DECODED_JUNK
DATA = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["product", "category", "sku"]) | TEXT, "id": IDS}),
    st.fixed_dictionaries(
        {"type": st.just("sku"), "id": IDS},
        optional={
            "sku": st.fixed_dictionaries({"product_id": IDS}) | DECODED_JUNK,
            "inventory": DECODED_JUNK,
        },
    ),
    DECODED_JUNK,
)
CALLBACKS = st.builds(
    lambda scope, data, changes: callback(STORE, scope, data, **changes) if isinstance(data, dict) else {},
    st.sampled_from(SUBSCRIBED_SCOPES) | TEXT,
    DATA,
    st.dictionaries(
        st.sampled_from(["scope", "store_id", "producer", "hash", "created_at", "data", "extra"]),
        DECODED_JUNK | st.sampled_from([f"stores/{STORE}", "stores/other", "x" * 200]),
        max_size=2,
    ),
)
# A valid callback with fields BigCommerce might add later (ignored, but stored with the event).
WITH_EXTRAS = st.builds(
    lambda product_id, extras: {**product_updated(STORE, product_id), **extras},
    st.integers(1, 2**63 - 1),
    st.dictionaries(TEXT.filter(lambda key: key not in product_updated(STORE, 1)), JSON_JUNK, max_size=3),
)
# What a sender can put in a body: JSON of any shape, text that is no JSON, JSON that Postgres
# cannot store (NaN, \u0000), nesting deeper than a parser goes, more than the size limit.
BODIES = st.one_of(
    CALLBACKS.map(lambda payload: json.dumps(payload).encode()),
    WITH_EXTRAS.map(lambda payload: json.dumps(payload).encode()),
    JSON_JUNK.map(lambda document: json.dumps(document).encode()),
    st.binary(max_size=200),
    TEXT.map(str.encode),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[" * 100_000,
            b"NaN",
            b'{"scope": "store/product/updated", "data": {"type": "product", "id": 1e999}}',
            ("x" * (MAX_BODY_BYTES + 1)).encode(),
        ]
    ),
    HUGE_TEXT.map(lambda text: json.dumps({"padding": text}).encode()),
)
# The right secret half the time, so that most bodies reach the checks behind it.
SECRETS = st.one_of(
    st.just(SECRET),
    st.sampled_from([None, "", SECRET + "x", SECRET[:-1], SECRET.upper(), "é" + SECRET])
    | st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40),
)


def valid_payload(**changes: Any) -> bytes:
    return json.dumps({**product_updated(STORE, 42), **changes}).encode()


@examples(0.5)
@given(body=BODIES, secret=SECRETS)
@example(body=valid_payload(), secret=SECRET)
@example(body=valid_payload(extra=float("nan")), secret=SECRET)
@example(body=valid_payload(extra="nul \u0000 inside"), secret=SECRET)
@example(body=valid_payload(extra={"nested": ["\u0000"]}), secret=SECRET)
@example(body=valid_payload().replace(b'"extra"', b'"\\ud800"'), secret=SECRET)
@example(body=valid_payload(extra="\\ud800").replace(b"\\\\ud800", b"\\ud800"), secret=SECRET)
@example(body=valid_payload(created_at=1e300), secret=SECRET)
@example(body=valid_payload(data={"type": "product", "id": 2**64}), secret=SECRET)
@example(body=valid_payload(), secret="é-not-latin-1-safe")
def test_a_callback_is_stored_or_refused_with_a_4xx_naming_what_is_wrong(receiver, log_lines, body, secret):
    client, events = receiver
    before = stored(events)
    # Header values go as UTF-8 bytes: a sender is not bound to latin-1.
    headers = {"Content-Type": "application/json"} | (
        {SECRET_HEADER: secret.encode()} if secret is not None else {}
    )

    try:
        answer = client.post(f"/{STORE}", content=body, headers=headers)
    except Exception:
        count(SURFACE, "crashed")
        raise

    if answer.status_code >= 500:
        count(SURFACE, "crashed")
        pytest.fail(f"HTTP {answer.status_code}: {answer.text[:300]}")
    count(SURFACE, "accepted" if answer.status_code < 300 else "rejected")
    added = stored(events) - before
    if answer.status_code < 300:
        assert answer.json()["status"] in ("stored", "duplicate")
        assert added == (1 if answer.json()["status"] == "stored" else 0)
    else:
        assert 400 <= answer.status_code < 500
        assert added == 0
        detail = answer.json()["detail"]
        assert detail, answer.text
        assert len(answer.text) < 2000, answer.text[:300]
    assert SECRET not in answer.text
    assert not any(SECRET in line for line in log_lines)


def test_the_secret_header_of_any_length_is_refused_without_a_500(receiver):
    client, events = receiver
    before = stored(events)

    answers = [
        client.post(f"/{STORE}", content=valid_payload(), headers={SECRET_HEADER: sent})
        for sent in ("x" * 100_000, SECRET * 2, " " + SECRET, SECRET + "\t")
    ]

    for answer in answers:
        count(SURFACE, "rejected" if 400 <= answer.status_code < 500 else "crashed")
    assert [a.status_code for a in answers] == [403, 403, 403, 403]
    assert stored(events) == before
