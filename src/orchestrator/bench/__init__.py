"""`make bench`: raw model throughput and the service under load, measured in one run.

`python -m orchestrator.bench` runs it: `messages` (the mix), `raw` (the model alone, no HTTP),
`server` (the service in its own process), `loadgen` (the client), `report` (table, plot, JSON),
`run` (the phases and their time budget).
"""
