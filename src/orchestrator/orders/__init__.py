"""The default order system: orders in the service database, demo orders from the CLI."""
