"""The review engine: ``Engine(policy).review(text, context) -> Review``.

An engine is compiled once per policy (detectors built, patterns compiled, overrides
resolved) and then reviews texts with no further set-up. It is safe to share between threads:
reviewing reads the compiled state and never writes it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hashtags.errors import Count, InvalidValue
from hashtags.policy.schema import Policy

if TYPE_CHECKING:
    from hashtags.models.text import TextSignals
from hashtags.review.detector import Detector, Hit, Registry, Rule, format_text, localize
from hashtags.review.language import detect_language
from hashtags.review.redact import redact
from hashtags.review.text import Document, fold, lone_surrogate
from hashtags.review.types import (
    SENSITIVE_CATEGORIES,
    Action,
    Context,
    Finding,
    Fix,
    Review,
    Severity,
    strongest,
)

log = logging.getLogger(__name__)


class InvalidText(InvalidValue):
    """A text the engine refuses to review (too long, not text)."""


@dataclass(frozen=True, slots=True)
class _Effective:
    rule: Rule
    severity: Severity
    action: Action


_MESSAGE = {
    "es": "{title} (política de {org}, regla {rule}): {reason}",
    "en": "{title} ({org} policy, rule {rule}): {reason}",
}
_FIX_LABEL = {
    "replace": {"es": "Sustituir por «{text}»", "en": "Replace with “{text}”"},
    "append": {"es": "Añadir «{text}»", "en": "Add “{text}”"},
}


class Engine:
    """A policy compiled for reviewing texts."""

    def __init__(self, policy: Policy, registry: Registry | None = None) -> None:
        from hashtags.detectors import default_registry

        self.policy = policy
        self.detectors: list[Detector] = (registry or default_registry()).build(policy)
        self.catalog: dict[str, Rule] = {}
        for detector in self.detectors:
            for rule in detector.rules():
                if rule.id in self.catalog:
                    raise ValueError(f"rule {rule.id!r} is declared by two detectors")
                self.catalog[rule.id] = rule
        self._effective: dict[str, _Effective] = {}
        for rule in self.catalog.values():
            setting = policy.setting_for(rule.id, str(rule.category))
            if setting is not None and not setting.enabled:
                continue
            self._effective[rule.id] = _Effective(
                rule=rule,
                severity=(setting.severity if setting and setting.severity else rule.severity),
                action=(setting.action if setting and setting.action else rule.action),
            )
        self._messages: dict[tuple[str, str], str] = {}
        self.languages = tuple(policy.organization.languages)
        self.max_chars = policy.limits.max_chars

    def effective_rules(self) -> list[tuple[Rule, Action]]:
        """Every enabled rule with the action the policy gives it."""
        return [(e.rule, e.action) for e in self._effective.values()]

    def review(
        self,
        text: str,
        context: Context | None = None,
        *,
        signals: TextSignals | None = None,
    ) -> Review:
        """Review ``text`` for publication in ``context`` (a brand account by default).

        ``signals`` are the trained classifiers' scores for the text, computed beforehand
        (in batches, by ``scan``) or by :meth:`review_with_models`; without them the review
        uses the word lists and patterns alone.
        """
        ctx = context or Context()
        self.check(text)
        doc = self.prepare(text, ctx)
        doc.signals = signals
        hits: list[Hit] = []
        failed: list[str] = []
        for detector in self.detectors:
            try:
                hits.extend(detector.scan(doc, ctx))
            except Exception as exc:
                # A broken detector must neither take the review down nor pass silently: log
                # its id, the error type and where it happened, never the exception's message
                # (it may quote the text), and send the text to a human.
                log.error(
                    "detector %s failed with %s at\n%s",
                    detector.id,
                    type(exc).__name__,
                    "".join(traceback.format_tb(exc.__traceback__)),
                )
                failed.append(detector.id)
        findings = self._findings(doc, hits)
        actions: list[Action] = [f.action for f in findings]
        extra: dict[str, object] = {}
        if signals is not None:
            extra.update(signals.public())
        if failed:
            actions.append("review")
            extra["errors"] = [f"detector {d} failed" for d in failed]
        return Review(
            verdict=strongest(actions),
            findings=tuple(findings),
            language=doc.lang,
            policy_version=self.policy.version,
            signals=extra,
        )

    def check(self, text: object) -> None:
        """Raise :class:`InvalidText` unless ``text`` is text this engine can review: a string
        of valid Unicode within the policy's length limit."""
        if not isinstance(text, str):
            raise InvalidText("expected text, got %(type)s", type=type(text).__name__)
        if len(text) > self.max_chars:
            raise InvalidText(
                "text is %(length)s characters long; the policy's limit is %(limit)s "
                "(limits.max_chars)",
                length=Count(len(text)),
                limit=Count(self.max_chars),
            )
        at = lone_surrogate(text)
        if at is not None:
            raise InvalidText(
                "text has a lone surrogate (%(code)s) at character %(at)s: it is not valid Unicode",
                code=f"U+{ord(text[at]):04X}",
                at=Count(at + 1),
            )

    def review_with_models(self, text: str, context: Context | None = None) -> Review:
        """Review one text with the trained classifiers too (about a millisecond more)."""
        from hashtags.models.text import text_signals

        self.check(text)
        ctx = context or Context()
        lang = ctx.lang or self.prepare(text, ctx).lang
        return self.review(text, ctx, signals=text_signals([text], [lang])[0])

    def prepare(self, text: str, ctx: Context) -> Document:
        folded = fold(text)
        if ctx.lang:
            lang, langs = ctx.lang, frozenset({ctx.lang})
        else:
            lang, confident = detect_language(folded, text, self.languages)
            langs = frozenset({lang}) if confident else frozenset(self.languages)
        return Document(text, lang, langs, folded)

    def _message(self, rule: Rule, lang: str, extra: Mapping[str, str]) -> str:
        """The finding's message: title, the rule it cites, why, and how to fix it.

        Messages without per-hit parameters are built once per rule and language.
        """
        key = (rule.id, lang)
        if not extra and key in self._messages:
            return self._messages[key]
        params = {"org": self.policy.organization.name, "rule": rule.id, **extra}
        title = format_text(localize(rule.title, lang), params)
        reason = format_text(localize(rule.reason, lang), params)
        message = format_text(
            localize(_MESSAGE, lang), {**params, "title": title, "reason": reason}
        )
        advice = format_text(localize(rule.advice, lang), params)
        if advice:
            message = f"{message} {advice}"
        if not extra:
            self._messages[key] = message
        return message

    def _findings(self, doc: Document, hits: Sequence[Hit]) -> list[Finding]:
        text = doc.text
        lang = doc.lang
        seen: set[tuple[str, int, int]] = set()
        findings: list[Finding] = []
        for hit in hits:
            effective = self._effective.get(hit.rule)
            if effective is None:
                if hit.rule not in self.catalog:
                    log.error("a detector reported undeclared rule %s", hit.rule)
                continue
            start, end = hit.start, hit.end
            if not (0 <= start <= end <= len(text)):
                log.error("rule %s reported a span outside the text; dropped", hit.rule)
                continue
            key = (hit.rule, start, end)
            if key in seen:
                continue
            seen.add(key)
            rule = effective.rule
            message = self._message(rule, lang, hit.params)
            snippet = text[start:end]
            if rule.category in SENSITIVE_CATEGORIES:
                snippet = redact(snippet, rule.category)
            findings.append(
                Finding(
                    rule=rule.id,
                    category=rule.category,
                    severity=effective.severity,
                    action=effective.action,
                    start=start,
                    end=end,
                    message=message,
                    snippet=snippet,
                    score=hit.score,
                    fix=_fix(hit, text, lang),
                )
            )
        fired = {f.category for f in findings if not self.catalog[f.rule].fallback}
        findings = [
            f for f in findings if not (self.catalog[f.rule].fallback and f.category in fired)
        ]
        findings.sort(key=lambda f: (f.start, f.end, f.rule))
        return findings


def _fix(hit: Hit, text: str, lang: str) -> Fix | None:
    if hit.fix_text is None:
        return None
    replacement = localize(hit.fix_text, lang)
    if hit.append:
        separator = "" if not text or text[-1].isspace() else " "
        label = localize(_FIX_LABEL["append"], lang).format(text=replacement)
        return Fix(len(text), len(text), separator + replacement, label)
    label = localize(_FIX_LABEL["replace"], lang).format(text=replacement)
    return Fix(hit.start, hit.end, replacement, label)
