"""Classifier tiers: local (embeddings + calibrated head), llm, cascade."""
