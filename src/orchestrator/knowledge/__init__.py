"""Knowledge base: articles, loading, search."""
