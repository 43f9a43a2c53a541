"""Keeping the service up when what it depends on is not: retries, circuit breaking, limits."""
