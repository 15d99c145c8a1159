-- Batches: one row per sync, Pending -> Processing -> Completed | Failed.
CREATE TABLE sync_batches (
    id                    BIGSERIAL PRIMARY KEY,
    store_hash            TEXT NOT NULL,
    sync_type             TEXT NOT NULL
        CHECK (sync_type IN ('all', 'product', 'category', 'blog', 'stop_words', 'synonyms')),
    mode                  TEXT NOT NULL CHECK (mode IN ('full', 'incremental', 'targeted')),
    status                TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    is_scheduled          BOOLEAN NOT NULL DEFAULT FALSE,
    schedule              TEXT,
    next_run_at           TIMESTAMPTZ,
    created_at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at            TIMESTAMPTZ,
    finished_at           TIMESTAMPTZ,
    products_count        INTEGER,
    categories_count      INTEGER,
    pages_count           INTEGER,
    blog_posts_count      INTEGER,
    failed_documents      INTEGER,
    dag_id                TEXT,
    run_id                TEXT,
    error_summary         TEXT,
    CHECK (status = 'pending' OR started_at IS NOT NULL),
    CHECK (status IN ('pending', 'processing') OR finished_at IS NOT NULL)
);

CREATE UNIQUE INDEX sync_batches_run_key ON sync_batches (dag_id, run_id) WHERE run_id IS NOT NULL;
CREATE INDEX sync_batches_store_recent ON sync_batches (store_hash, id DESC);
CREATE INDEX sync_batches_processing ON sync_batches (started_at) WHERE status = 'processing';

-- What went wrong: task failures and per-document failures of a batch.
CREATE TABLE sync_errors (
    id          BIGSERIAL PRIMARY KEY,
    batch_id    BIGINT NOT NULL REFERENCES sync_batches (id) ON DELETE CASCADE,
    store_hash  TEXT NOT NULL,
    task_id     TEXT NOT NULL,
    entity      TEXT,
    item_id     TEXT,
    message     TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX sync_errors_batch ON sync_errors (batch_id, id);
