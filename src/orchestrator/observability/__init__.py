"""Structured logs (PII redacted), Prometheus metrics, OpenTelemetry traces."""
