"""The tamper-evident audit archive: an append-only log chained by SHA-256 hashes."""
