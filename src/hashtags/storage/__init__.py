"""Database access: engine and sessions, the declarative base, migrations."""
