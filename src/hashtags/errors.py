"""Domain errors. Services raise these; the API maps them to HTTP statuses in one place."""

from __future__ import annotations


class DomainError(Exception):
    """Base class: ``str(error)`` is a message for people, saying what is wrong."""

    status = 400


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class InvalidInput(DomainError):
    status = 422


class Unauthorized(DomainError):
    status = 401
