"""Webhooks: BigCommerce's callbacks received, stored, and applied as targeted syncs (docs/webhooks.md)."""
