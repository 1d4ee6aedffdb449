"""Domain errors. Services raise these; the API maps them to HTTP statuses in one place.

A message is written once, in English, with named placeholders, and its values are passed
apart::

    raise NotFound("post %(post)s not found", post=post_id)

``str(error)`` is the English text filled in (the API's default, the logs, the CLI). The
English text with its placeholders is also the message id that the web app (and the API, for
``Accept-Language: es``) looks up in its catalogue to show the message in the reader's language
(``hashtags.web.messages``). So a message is always one whole sentence, never pieced together
from fragments, and the values in it are data: ids, handles, codes, numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


class Phrase(str):
    """A value that is English words rather than data, translated along with the message it
    fills in: ``expected %(wanted)s`` with ``wanted=Phrase("a list")``."""

    __slots__ = ()


class Count(int):
    """A number written for people, with thousands grouped as the reader's language does
    (``20,000`` in English, ``20.000`` in Spanish)."""

    __slots__ = ()

    def __str__(self) -> str:
        return f"{self:,}"


def fill(message: str, params: Mapping[str, object]) -> str:
    """``message`` with its ``%(name)s`` placeholders filled in from ``params``."""
    return message % params if params else message


class Translatable(Exception):
    """An error whose text for people is a message id and its parameters (see the module)."""

    def __init__(self, message: str, /, **params: object) -> None:
        super().__init__(message)
        self.message = message
        """The English text with ``%(name)s`` placeholders: the catalogue's message id."""
        self.params: dict[str, object] = params

    def __str__(self) -> str:
        return fill(self.message, self.params)


class DomainError(Translatable):
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


def choice(kind: type[E], value: str, *, field: str) -> E:
    """``value`` as a member of ``kind``; :class:`InvalidInput` naming ``field`` and the
    choices when it is none of them."""
    try:
        return kind(value)
    except ValueError:
        raise InvalidInput(
            "%(field)s: %(value)r is not one of %(choices)s",
            field=field,
            value=value,
            choices=", ".join(member.value for member in kind),
        ) from None


class InvalidValue(Translatable, ValueError):
    """A value refused by a validator (the policy schema, the review engine): a ``ValueError``
    for Pydantic and for callers, with its message kept apart from its values."""
