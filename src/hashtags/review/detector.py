"""The detector protocol: how every check plugs into the engine.

A detector is built once per policy (``factory(policy) -> Detector``), declares the rules it
enforces (with their texts in every language, used both for findings and for the rendered
policy document) and, for each text, yields :class:`Hit` objects. The engine turns hits into
findings: it applies the policy's overrides (enabled, severity, action), writes the message
in the text's language and redacts the snippet.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from hashtags.review.types import Action, Category, Context, Lang, Severity

if TYPE_CHECKING:
    from hashtags.policy.schema import Policy
    from hashtags.review.text import Document

Localized = Mapping[Any, str]
"""A text in several languages: ``{"es": "...", "en": "..."}``."""


def localize(texts: Localized | None, lang: Lang) -> str:
    """Pick ``lang``, falling back to English, then Spanish, then anything."""
    if not texts:
        return ""
    for candidate in (lang, "en", "es"):
        if candidate in texts:
            return texts[candidate]
    return next(iter(texts.values()))


@dataclass(frozen=True, slots=True)
class Rule:
    """One enforceable rule: its stable id, defaults and the words that explain it.

    The texts serve both the findings' messages and the rendered policy document.
    """

    id: str
    category: Category
    severity: Severity
    action: Action
    title: Localized
    reason: Localized
    advice: Localized = field(default_factory=dict)
    example: Localized = field(default_factory=dict)
    fallback: bool = False
    """Reported only when no other rule of the same category fired on the text (a
    classifier's whole-text finding gives way to a word list's exact span)."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A detector's raw result: which rule matched where.

    ``params`` fill ``{placeholders}`` in the rule's title and reason; they must never hold
    personal data or secrets. ``fix_text`` replaces the span (``append`` adds it at the end).
    """

    rule: str
    start: int
    end: int
    score: float = 1.0
    params: Mapping[str, str] = field(default_factory=dict)
    fix_text: Localized | None = None
    append: bool = False


class Detector(Protocol):
    """What the engine needs from a detector. ``id`` is persisted: never rename one."""

    id: str

    def rules(self) -> Sequence[Rule]:
        """Every rule this detector can report."""
        ...

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        """The hits in ``doc``; must not raise on any Unicode text within the size limit."""
        ...


DetectorFactory = Callable[["Policy"], Detector]


class Registry:
    """Explicit registration of detector factories, in the order they run."""

    def __init__(self) -> None:
        self._factories: dict[str, DetectorFactory] = {}

    def register(self, detector_id: str, factory: DetectorFactory) -> None:
        if detector_id in self._factories:
            raise ValueError(f"detector {detector_id!r} is registered twice")
        self._factories[detector_id] = factory

    def ids(self) -> list[str]:
        return list(self._factories)

    def build(self, policy: Policy) -> list[Detector]:
        return [factory(policy) for factory in self._factories.values()]

    def __contains__(self, detector_id: object) -> bool:
        return detector_id in self._factories


def format_text(template: str, params: Mapping[str, Any]) -> str:
    """``str.format`` that leaves unknown placeholders as they are instead of raising."""
    try:
        return template.format_map(_Default(params))
    except (ValueError, IndexError):
        return template


class _Default(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
