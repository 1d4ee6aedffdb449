"""The HTTP service: FastAPI application, dependencies, error mapping."""
