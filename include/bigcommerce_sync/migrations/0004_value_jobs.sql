-- Searchable values: one row per run of the values DAG, with its daily report.
CREATE TABLE value_runs (
    id           BIGSERIAL PRIMARY KEY,
    dag_id       TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished_at  TIMESTAMPTZ,
    report       JSONB,
    UNIQUE (dag_id, run_id)
);

-- One job per store and field of a run: Pending -> Processing -> Completed | Failed
-- (a job Failed without started_at never ran: the report counts it as skipped).
CREATE TABLE value_jobs (
    id                BIGSERIAL PRIMARY KEY,
    value_run_id      BIGINT NOT NULL REFERENCES value_runs (id) ON DELETE CASCADE,
    store_hash        TEXT NOT NULL,
    field             TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'processing', 'completed', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    values_processed  INTEGER,
    values_new        INTEGER,
    values_unchanged  INTEGER,
    values_removed    INTEGER,
    error             TEXT,
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    started_at        TIMESTAMPTZ,
    finished_at       TIMESTAMPTZ,
    UNIQUE (value_run_id, store_hash, field),
    CHECK (status IN ('pending', 'failed') OR started_at IS NOT NULL),
    CHECK (status IN ('pending', 'processing') OR finished_at IS NOT NULL)
);

CREATE INDEX value_jobs_latest_completed ON value_jobs (store_hash, field, id DESC) WHERE status = 'completed';

-- The values a completed job collected, most frequent first; kept for the field's latest completed job.
CREATE TABLE value_job_values (
    job_id         BIGINT NOT NULL REFERENCES value_jobs (id) ON DELETE CASCADE,
    position       INTEGER NOT NULL,
    key            TEXT NOT NULL,
    value          TEXT NOT NULL,
    path           TEXT,
    product_count  INTEGER NOT NULL,
    PRIMARY KEY (job_id, position)
);
