"""Proofs against a real Elasticsearch that the in-memory stand-in could never give."""
