-- Incremental syncs: why a batch ran in its mode, where it started reading changed products,
-- the store time its product read began (the next incremental starts there), and what it did
-- per entity: {"products": {"fetched": 12, "indexed": 12, "deleted": 1, "failed": 0}, ...}.
ALTER TABLE sync_batches
    ADD COLUMN mode_reason TEXT,
    ADD COLUMN changed_since TIMESTAMPTZ,
    ADD COLUMN watermark TIMESTAMPTZ,
    ADD COLUMN entity_counts JSONB;

CREATE INDEX sync_batches_watermarks ON sync_batches (store_hash, watermark DESC)
    WHERE status = 'completed' AND watermark IS NOT NULL;
