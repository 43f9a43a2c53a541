"""Structured logs, Prometheus metrics."""
