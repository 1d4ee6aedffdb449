"""The services' messages in the reader's language: domain errors and policy file problems.

Services and the policy loader write their messages in English with named placeholders
(:mod:`hashtags.errors`); they are translated here, at the edge, with the web app's catalogues
(``locale/es/LC_MESSAGES/services.po`` and ``policy_file.po`` hold theirs), and then filled in.
A value marked :class:`~hashtags.errors.Phrase` is translated too, as is an error quoted by
another (``text: %(problem)s``); a :class:`~hashtags.errors.Count` is written with the
language's digit grouping; every other value (an id, a handle, a code) is shown as it is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from babel.numbers import format_decimal

from hashtags.errors import Count, Listing, Message, Phrase, Translatable
from hashtags.web.i18n import pick_language, translations


class Said(Protocol):
    """Anything that carries a message id and its values: a domain error, a policy problem."""

    @property
    def message(self) -> str: ...

    @property
    def params(self) -> Mapping[str, object]: ...


def say(lang: str, message: str, params: Mapping[str, object] | None = None) -> str:
    """``message`` (English, the message id) in ``lang``, its placeholders filled in."""
    catalogue = translations(lang)
    text = catalogue.gettext(message)
    if not params:
        return text
    values: dict[str, object] = {}
    for name, value in params.items():
        if isinstance(value, Phrase):
            value = catalogue.gettext(value)
        elif isinstance(value, Translatable | Message):  # a message quoted by another one
            value = say(lang, value.message, value.params)
        elif isinstance(value, Listing):
            value = "\n".join(_item(lang, item) for item in value)
        elif isinstance(value, Count):
            value = format_decimal(int(value), locale=lang)
        values[name] = value
    return text % values


def _item(lang: str, item: object) -> str:
    """One message of a :class:`~hashtags.errors.Listing`, with where it applies (a policy
    problem's file, line and key) before it."""
    message, params = getattr(item, "message", None), getattr(item, "params", None)
    if not isinstance(message, str):
        return str(item)
    text = say(lang, message, params)
    where = getattr(item, "where", "")
    return f"{where}: {text}" if where else text


def stored(lang: str, said: object, text: str | None) -> str | None:
    """A message kept in a JSON column (:meth:`~hashtags.errors.Message.as_json`) in ``lang``;
    ``text`` as it is when there is none (a row written before messages were kept)."""
    message = Message.from_json(said)
    return say(lang, message.message, message.params) if message is not None else text


def localized(lang: str, said: Said) -> str:
    """What a domain error (or a policy problem) says, in ``lang``."""
    return say(lang, said.message, said.params)


def api_language(accept: str | None) -> str:
    """The API answers in English, unless the caller's ``Accept-Language`` names Spanish (or
    another of the app's languages) before it."""
    return pick_language(accept=f"{accept},en" if accept else "en")
