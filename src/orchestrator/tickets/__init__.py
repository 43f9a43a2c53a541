"""Service tickets: created by the service-action workflow, read by the people on the queues."""
