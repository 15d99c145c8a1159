-- Operations (issue 13). Live progress of a Processing batch, per entity, refreshed every few
-- seconds by its imports: {"products": {"done": 500, "total": 2000, "rate": 410.2,
-- "eta_seconds": 3.7, "updated_at": "2026-12-03T11:40:02+00:00"}, ...}.
ALTER TABLE sync_batches ADD COLUMN progress JSONB;

-- Each store's health, measured every few minutes by bigcommerce_operations: a time series.
CREATE TABLE store_health (
    id                 BIGSERIAL PRIMARY KEY,
    store_hash         TEXT NOT NULL,
    measured_at        TIMESTAMPTZ NOT NULL DEFAULT now(),
    score              INTEGER NOT NULL CHECK (score BETWEEN 0 AND 100),
    level              TEXT NOT NULL CHECK (level IN ('healthy', 'warning', 'critical')),
    freshness_seconds  DOUBLE PRECISION,  -- since the last completed sync finished; NULL: never
    freshness          DOUBLE PRECISION NOT NULL,  -- 0..1
    coverage           DOUBLE PRECISION NOT NULL,  -- 0..1
    quality            DOUBLE PRECISION NOT NULL,  -- 0..1
    failure_rate       DOUBLE PRECISION,  -- failed / finished batches of the window; NULL: none finished
    details            JSONB NOT NULL  -- per entity counts, quality shares, thresholds
);

CREATE INDEX store_health_recent ON store_health (store_hash, measured_at DESC);

-- Alerts: one open row per store and condition until the condition clears (no storms).
CREATE TABLE ops_alerts (
    id          BIGSERIAL PRIMARY KEY,
    store_hash  TEXT NOT NULL,
    condition   TEXT NOT NULL,
    message     TEXT NOT NULL,
    opened_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at     TIMESTAMPTZ,  -- NULL until the notifier delivered it (the next run tries again)
    cleared_at  TIMESTAMPTZ
);

CREATE UNIQUE INDEX ops_alerts_open ON ops_alerts (store_hash, condition) WHERE cleared_at IS NULL;

-- The daily operations report, one per day (UTC).
CREATE TABLE ops_reports (
    report_date  DATE PRIMARY KEY,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    report       JSONB NOT NULL
);
