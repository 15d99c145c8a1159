#!/usr/bin/env bash
# Trigger a product sync of one store through the Airflow REST API and wait for its batch.
set -euo pipefail
AIRFLOW=${AIRFLOW:-http://localhost:8080}
STORE=${STORE:-demo1store}
RUN_ID=${RUN_ID:-erp-$(date -u +%Y%m%dT%H%M%S)}  # your idempotency key: the same id again gets 409

# 1. A token: POST /auth/token answers 201 {"access_token": "..."}.
TOKEN=$(curl -sf -X POST "$AIRFLOW/auth/token" -H 'Content-Type: application/json' \
  -d '{"username": "airflow", "password": "airflow"}' \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')

# 2. The trigger: logical_date must be present (null), the sync request goes in conf.
curl -sf -X POST "$AIRFLOW/api/v2/dags/bigcommerce_sync_$STORE/dagRuns" \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"logical_date": null, "dag_run_id": "'"$RUN_ID"'", "conf": {"sync_type": "product"}}'
echo

# 3. Wait for the end (experimental endpoint, one JSON line per check); the last line
#    carries finalize's result: {"state": "success", "results": {"finalize": {"batch_id": 7, "status": "completed"}}}
curl -sfN "$AIRFLOW/api/v2/dags/bigcommerce_sync_$STORE/dagRuns/$RUN_ID/wait?interval=2&result=finalize" \
  -H "Authorization: Bearer $TOKEN"
