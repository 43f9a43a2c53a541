"""Entity extraction for the service-action workflow: order and Rx numbers, contacts, money, dates.

Standard library only and side-effect free: ``extract_entities(text, today=...)`` is a pure function
of its arguments, so the pipeline can call it inline and tests can pin the reference date.
"""

from orchestrator.extraction.entities import Entity, EntityType, extract_entities

__all__ = ["Entity", "EntityType", "extract_entities"]
