-- Resumable imports (issue 15). Where each entity's import into the batch's new index versions
-- stands, written by the imports with their progress: every document before "position" is
-- acknowledged by the cluster, e.g. {"products": {"position": {"after_id": 4812}, "fetched": 2250,
-- "indexed": 2250, "failed": 0, "duplicates": 0, "done": false, "index": "bc_s_products_v42",
-- "watermark": "2026-12-03T11:40:02+00:00"}, "categories": {..., "done": true}}.
ALTER TABLE sync_batches
    ADD COLUMN checkpoints JSONB,
    -- Pause and resume: ops ask for a pause on a Processing batch; its imports stop at the next page
    -- boundary and finalize moves it to Paused; a new run resumes it (Paused -> Processing).
    ADD COLUMN pause_requested_at TIMESTAMPTZ,
    ADD COLUMN paused_at TIMESTAMPTZ,
    ADD COLUMN resumed_at TIMESTAMPTZ;

-- The new status, and a paused batch has not finished: the constraints of 0001 (named by PostgreSQL:
-- the column's CHECK, then the table's two, in order) are replaced.
ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_status_check;
ALTER TABLE sync_batches ADD CONSTRAINT sync_batches_status_check
    CHECK (status IN ('pending', 'processing', 'paused', 'completed', 'failed'));
ALTER TABLE sync_batches DROP CONSTRAINT sync_batches_check1;
ALTER TABLE sync_batches ADD CONSTRAINT sync_batches_finished_check
    CHECK (status IN ('pending', 'processing', 'paused') OR finished_at IS NOT NULL);
ALTER TABLE sync_batches ADD CONSTRAINT sync_batches_paused_check
    CHECK (status <> 'paused' OR (paused_at IS NOT NULL AND finished_at IS NULL));

CREATE INDEX sync_batches_paused ON sync_batches (store_hash, id) WHERE status = 'paused';
