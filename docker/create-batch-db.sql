-- The batch store is its own database, never Airflow's metadata DB.
CREATE DATABASE sync_batches OWNER airflow;
