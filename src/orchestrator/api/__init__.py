"""HTTP layer: thin routers that validate, call, and shape."""
