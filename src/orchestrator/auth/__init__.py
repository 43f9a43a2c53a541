"""API keys with scopes and rate-limit tiers: queue workers and classify clients use them."""
