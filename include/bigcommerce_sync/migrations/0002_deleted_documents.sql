-- Documents a batch deleted from a live index (a targeted sync's products the store no longer has).
ALTER TABLE sync_batches ADD COLUMN deleted_documents INTEGER;
