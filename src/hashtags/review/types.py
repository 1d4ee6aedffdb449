"""The review engine's public value types: what goes in (Context) and what comes out (Review)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

Lang = str
"""An ISO 639-1 language code such as ``"es"`` or ``"en"``."""

Account = Literal["brand", "personal"]


class Category(StrEnum):
    """Finding categories. These ids are part of the public interface: never rename one."""

    CONFIDENTIAL = "confidential"
    PII = "pii"
    SECRET = "secret"
    TOXICITY = "toxicity"
    DISPARAGEMENT = "disparagement"
    ILLEGAL = "illegal"
    REGULATORY = "regulatory"
    DISCLOSURE = "disclosure"
    DISCLAIMER = "disclaimer"
    ATTRIBUTION = "attribution"
    SECURITY = "security"


SENSITIVE_CATEGORIES = frozenset({Category.PII, Category.SECRET})
"""Categories whose matched text is personal data or a secret: always redacted, never logged."""


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 0, Severity.MEDIUM: 1, Severity.HIGH: 2, Severity.CRITICAL: 3}


class Verdict(StrEnum):
    """What may happen to a text: ``allow`` < ``warn`` < ``review`` (needs approval) < ``block``."""

    ALLOW = "allow"
    WARN = "warn"
    REVIEW = "review"
    BLOCK = "block"

    @property
    def rank(self) -> int:
        return _VERDICT_RANK[self]


_VERDICT_RANK = {Verdict.ALLOW: 0, Verdict.WARN: 1, Verdict.REVIEW: 2, Verdict.BLOCK: 3}

Action = Literal["warn", "review", "block"]
"""What one finding asks for; the review's verdict is the strongest action among its findings."""


@dataclass(frozen=True, slots=True)
class Context:
    """Where and by whom a text will be published.

    ``account`` is ``"brand"`` for the company's own accounts and ``"personal"`` for an
    employee's own account. ``author`` is the author's role in the policy (``"pr"``,
    ``"employee"``...) or their e-mail; ``reply_to`` is the text being answered, if any.
    ``lang`` is detected from the text when absent.
    """

    account: Account = "brand"
    channel: str | None = None
    author: str | None = None
    lang: Lang | None = None
    reply_to: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """A suggested edit: replace ``text[start:end]`` with ``replacement``.

    ``start == end == len(text)`` appends (a missing disclaimer, disclosure or credit line).
    """

    start: int
    end: int
    replacement: str
    label: str

    def apply(self, text: str) -> str:
        return text[: self.start] + self.replacement + text[self.end :]

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "replacement": self.replacement,
            "label": self.label,
        }


@dataclass(frozen=True, slots=True)
class Finding:
    """One policy problem in a text, located by character offsets ``[start, end)``.

    ``snippet`` is the flagged text, redacted for personal data and secrets, and always of
    length ``end - start`` so that it can be laid over the text.
    """

    rule: str
    category: Category
    severity: Severity
    action: Action
    start: int
    end: int
    message: str
    snippet: str
    score: float = 1.0
    fix: Fix | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "rule": self.rule,
            "category": str(self.category),
            "severity": str(self.severity),
            "action": self.action,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "snippet": self.snippet,
            "score": round(self.score, 3),
        }
        if self.fix is not None:
            out["fix"] = self.fix.to_dict()
        return out


@dataclass(frozen=True, slots=True)
class Review:
    """The engine's answer for one text."""

    verdict: Verdict
    findings: tuple[Finding, ...]
    language: Lang
    policy_version: str
    signals: dict[str, Any] = field(default_factory=dict)

    @property
    def categories(self) -> set[Category]:
        return {f.category for f in self.findings}

    @property
    def rules(self) -> set[str]:
        return {f.rule for f in self.findings}

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": str(self.verdict),
            "findings": [f.to_dict() for f in self.findings],
            "signals": {"language": self.language, **self.signals},
            "policy_version": self.policy_version,
        }


def strongest(actions: list[Action]) -> Verdict:
    verdict = Verdict.ALLOW
    for action in actions:
        candidate = Verdict(action)
        if candidate.rank > verdict.rank:
            verdict = candidate
    return verdict
