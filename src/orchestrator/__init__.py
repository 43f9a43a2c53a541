"""Contact-center AI orchestrator for pharmacy and healthcare retailers."""

__version__ = "0.1.0"
