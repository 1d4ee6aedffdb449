"""Publishing: a transactional outbox of jobs, processed by the worker through connectors."""
