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


class Message:
    """A message for people that is not an error: a message id and its values, kept apart so
    that it can be shown in the reader's language (an audit chain's break, why a post could
    not be published). ``str()`` is the English text filled in.

    :meth:`as_json` and :meth:`from_json` store it in a JSON column; a value that is a
    message (or an error) itself is stored as one, and restored as a :class:`Message`.
    """

    __slots__ = ("message", "params")

    def __init__(self, message: str, /, **params: object) -> None:
        self.message = message
        self.params: dict[str, object] = params

    def __str__(self) -> str:
        return fill(self.message, self.params)

    def __repr__(self) -> str:
        return f"Message({self.message!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message)
            and other.message == self.message
            and other.params == self.params
        )

    __hash__ = None  # type: ignore[assignment]

    def as_json(self) -> dict[str, object]:
        return {"message": self.message, "params": {k: _dump(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: object) -> Message | None:
        """The message stored by :meth:`as_json`; None for anything else (an old row)."""
        if not isinstance(data, dict) or not isinstance(data.get("message"), str):
            return None
        params = data.get("params")
        values = params if isinstance(params, dict) else {}
        return cls(data["message"], **{str(k): _load(v) for k, v in values.items()})


def said(error: BaseException) -> Message:
    """What ``error`` says as a :class:`Message`: its id and values when it has them, else
    its text as it is (a network's own words stay verbatim, untranslated)."""
    if isinstance(error, Translatable):
        return Message(error.message, **error.params)
    return Message("%(text)s", text=str(error))


def _dump(value: object) -> object:
    if isinstance(value, Translatable):
        value = said(value)
    if isinstance(value, Message):
        return {"said": value.as_json()}
    if isinstance(value, Phrase):
        return {"phrase": str(value)}
    if isinstance(value, Count):
        return {"count": int(value)}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def _load(value: object) -> object:
    if isinstance(value, dict):
        if "said" in value:
            return Message.from_json(value["said"]) or ""
        if "phrase" in value:
            return Phrase(str(value["phrase"]))
        if "count" in value:
            return Count(int(value["count"]))
        return str(value)
    return value


class Listing(tuple):  # type: ignore[type-arg]
    """A value that is several messages (each a :class:`Message`, an error or a policy
    problem), written one per line, each in the reader's language."""

    __slots__ = ()

    def __str__(self) -> str:
        return "\n".join(str(item) for item in self)
