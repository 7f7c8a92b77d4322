"""Incident pattern analytics: a postmortem archive in, DuckDB and answers out."""
