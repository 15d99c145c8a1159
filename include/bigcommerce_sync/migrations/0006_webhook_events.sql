-- Webhook events: every callback the receiver accepted, stored before it answered 2xx.
-- Pending while applied_at is null; applied by one targeted batch (batch_id) once its documents
-- are written and refreshed. One row per (store, payload hash): BigCommerce's duplicates add none.
CREATE TABLE webhook_events (
    id           BIGSERIAL PRIMARY KEY,
    store_hash   TEXT NOT NULL,
    event_hash   TEXT NOT NULL,
    scope        TEXT NOT NULL,
    target       TEXT NOT NULL CHECK (target IN ('product', 'category')),
    target_id    BIGINT NOT NULL,
    payload      JSONB NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,  -- the payload's created_at: when BigCommerce raised the event
    received_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    applied_at   TIMESTAMPTZ,
    batch_id     BIGINT REFERENCES sync_batches (id),
    UNIQUE (store_hash, event_hash),
    CHECK ((applied_at IS NULL) = (batch_id IS NULL))
);

CREATE INDEX webhook_events_pending ON webhook_events (store_hash, id) WHERE applied_at IS NULL;
