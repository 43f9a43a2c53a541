"""API keys with scopes: the people who work the queues authenticate with these."""
