"""Declarative rules: the YAML packs shipped in ``detectors/packs/`` plus a policy's own rules.

All the word lists of every pack go into one Aho-Corasick automaton, so a text is read once
whatever the number of rules; a rule's regular expressions run only when one of its
``requires`` words was seen (or always, for rules without any).

Patterns may name the organization's lists, which the policy fills in:
``<<brands>>``, ``<<competitors>>``, ``<<orgs>>`` (both), ``<<products>>``, ``<<handles>>``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import ahocorasick
import regex
from pydantic import Field

from hashtags.policy.loader import load_yaml_model
from hashtags.policy.schema import PatternRule, Policy, StrictModel
from hashtags.review.detector import Hit, Localized, Rule
from hashtags.review.text import Document, fold
from hashtags.review.types import Category, Context, Severity
from hashtags.review.validators import VALIDATORS

log = logging.getLogger(__name__)

REGEX_TIMEOUT_S = 0.05
"""A pattern that runs longer than this on one text is abandoned (catastrophic backtracking)."""

BUILTIN_PACKS = (
    "confidential",
    "toxicity",
    "disparagement",
    "illegal",
    "regulatory",
    "security",
    "personal",
)


class Pack(StrictModel):
    """A rule pack file: ``rules:`` and nothing else."""

    rules: list[PatternRule] = Field(default_factory=list)


@cache
def builtin_rules() -> tuple[PatternRule, ...]:
    """Every rule of the packs shipped with HASHTAGS, validated once per process."""
    rules: list[PatternRule] = []
    folder = resources.files("hashtags.detectors") / "packs"
    for name in BUILTIN_PACKS:
        resource = folder / f"{name}.yaml"
        if not resource.is_file():
            continue
        pack = load_yaml_model(f"packs/{name}.yaml", Pack, text=resource.read_text("utf-8"))
        rules.extend(pack.rules)
    ids = [r.id for r in rules]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise ValueError(f"rule ids defined twice in the packs: {sorted(duplicates)}")
    return tuple(rules)


def to_rule(rule: PatternRule) -> Rule:
    return Rule(
        id=rule.id,
        category=rule.category,
        severity=rule.severity,
        action=rule.action,
        title=rule.title,
        reason=rule.reason,
        advice=rule.advice,
        example=rule.example,
    )


def policy_term_rule(policy: Policy) -> PatternRule | None:
    """The policy's own confidential terms (code names, unreleased products) as a rule."""
    if not policy.confidential.terms:
        return None
    return PatternRule(
        id="confidential.policy-term",
        category=Category.CONFIDENTIAL,
        severity=Severity.CRITICAL,
        action="block",
        title={
            "es": "Término confidencial de la empresa",
            "en": "Confidential company term",
        },
        reason={
            "es": "La política lista este nombre como confidencial: proyectos internos y "
            "productos no anunciados no se mencionan fuera de la empresa.",
            "en": "The policy lists this name as confidential: internal projects and "
            "unannounced products are not mentioned outside the company.",
        },
        advice={
            "es": "Quítalo o espera al anuncio oficial.",
            "en": "Remove it or wait for the official announcement.",
        },
        example={
            "es": f"«Pronto veréis {policy.confidential.terms[0]}»",
            "en": f'"Soon you will see {policy.confidential.terms[0]}"',
        },
        terms={"any": list(policy.confidential.terms)},
    )


@dataclass(slots=True)
class _Compiled:
    """A rule ready to run: plain attributes, read on every text (Pydantic access is slower)."""

    spec: PatternRule
    id: str
    accounts: frozenset[str] | None
    validator: str | None
    fix: Localized | None
    has_requires: bool
    patterns: dict[str, list[regex.Pattern[str]]] = field(default_factory=dict)
    unless: dict[str, list[regex.Pattern[str]]] = field(default_factory=dict)


class PackDetector:
    """Runs every declarative rule that applies to the policy's industry."""

    id = "packs"

    def __init__(self, policy: Policy, rules: Sequence[PatternRule]) -> None:
        industry = policy.organization.industry
        self._compiled: list[_Compiled] = []
        self._automaton = ahocorasick.Automaton()
        entries: dict[str, list[tuple[int, str, bool, bool]]] = {}
        placeholders = _placeholders(policy)
        for spec in rules:
            if spec.industries is not None and industry not in spec.industries:
                continue
            index = len(self._compiled)
            compiled = _Compiled(
                spec=spec,
                id=spec.id,
                accounts=frozenset(spec.accounts) if spec.accounts is not None else None,
                validator=spec.validator,
                fix=spec.fix,
                has_requires=bool(spec.requires),
            )
            for lang, patterns in spec.patterns.items():
                expanded = [_expand(p, placeholders) for p in patterns]
                compiled.patterns[lang] = [regex.compile(p) for p in expanded if p is not None]
            for lang, patterns in spec.unless.items():
                expanded = [_expand(p, placeholders) for p in patterns]
                compiled.unless[lang] = [regex.compile(p) for p in expanded if p is not None]
            self._compiled.append(compiled)
            for lang, terms in spec.terms.items():
                for term in terms:
                    key, prefix = _term_key(term)
                    if key:
                        entries.setdefault(key, []).append((index, lang, prefix, False))
            for lang, words in spec.requires.items():
                for word in words:
                    key, prefix = _term_key(word)
                    if key:
                        entries.setdefault(key, []).append((index, lang, prefix, True))
        for key, values in entries.items():
            self._automaton.add_word(key, (len(key), tuple(values)))
        self._has_words = bool(entries)
        if self._has_words:
            self._automaton.make_automaton()
        # Pattern rules with no pre-filter word run on every text; the rest only on a hit.
        self._always = [
            i for i, c in enumerate(self._compiled) if c.patterns and not c.has_requires
        ]

    def rules(self) -> Sequence[Rule]:
        return [to_rule(c.spec) for c in self._compiled]

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        folded = doc.folded
        langs = doc.langs
        word_hits: dict[int, list[tuple[int, int]]] = {}
        required: dict[int, list[int]] = {}
        if self._has_words:
            for end_index, (length, values) in self._automaton.iter(folded):
                start = end_index - length + 1
                end = end_index + 1
                if start > 0 and _is_word_char(folded[start - 1]):
                    continue
                whole = end >= len(folded) or not _is_word_char(folded[end])
                for index, lang, prefix, is_requirement in values:
                    if lang != "any" and lang not in langs:
                        continue
                    if not (whole or prefix):
                        continue
                    if is_requirement:
                        required.setdefault(index, []).append(start)
                    else:
                        hit_end = end if whole else _word_end(folded, end)
                        word_hits.setdefault(index, []).append((start, hit_end))
        candidates = set(word_hits) | set(required)
        candidates.update(self._always)
        for index in sorted(candidates):
            compiled = self._compiled[index]
            if compiled.accounts is not None and ctx.account not in compiled.accounts:
                continue
            spans = word_hits.get(index, [])
            if compiled.patterns and not compiled.has_requires:
                spans = spans + list(self._pattern_spans(compiled, folded, langs, None))
            elif compiled.patterns and index in required:
                windows = _windows(required[index], len(folded))
                spans = spans + list(self._pattern_spans(compiled, folded, langs, windows))
            if not spans or self._cancelled(compiled, folded, langs):
                continue
            validator = VALIDATORS[compiled.validator] if compiled.validator else None
            for start, end in _non_overlapping(spans):
                if validator is not None and not validator(doc.text[start:end]):
                    continue
                yield Hit(rule=compiled.id, start=start, end=end, fix_text=compiled.fix)

    def _pattern_spans(
        self,
        compiled: _Compiled,
        folded: str,
        langs: frozenset[str],
        windows: list[tuple[int, int]] | None,
    ) -> Iterator[tuple[int, int]]:
        """Matches of the rule's patterns, in ``windows`` around its ``requires`` words only."""
        ranges = windows if windows is not None else [(0, len(folded))]
        for lang, patterns in compiled.patterns.items():
            if lang != "any" and lang not in langs:
                continue
            for pattern in patterns:
                try:
                    for low, high in ranges:
                        for m in pattern.finditer(folded, low, high, timeout=REGEX_TIMEOUT_S):
                            if m.end() > m.start():
                                yield m.start(), m.end()
                except TimeoutError:
                    log.warning("pattern of rule %s timed out; skipped", compiled.id)

    def _cancelled(self, compiled: _Compiled, folded: str, langs: frozenset[str]) -> bool:
        for lang, patterns in compiled.unless.items():
            if lang != "any" and lang not in langs:
                continue
            for pattern in patterns:
                try:
                    if pattern.search(folded, timeout=REGEX_TIMEOUT_S):
                        return True
                except TimeoutError:
                    log.warning("'unless' pattern of rule %s timed out", compiled.id)
        return False


def build(policy: Policy) -> PackDetector:
    rules = list(builtin_rules())
    own = policy_term_rule(policy)
    if own is not None:
        rules.append(own)
    rules.extend(policy.custom_rules)
    return PackDetector(policy, rules)


REQUIRES_WINDOW = 160
"""A pattern must match within this many characters of one of its rule's ``requires`` words."""


def _windows(positions: list[int], length: int) -> list[tuple[int, int]]:
    """Merged ``[position - W, position + W]`` ranges, clipped to the text."""
    out: list[tuple[int, int]] = []
    for position in sorted(positions):
        low, high = max(0, position - REQUIRES_WINDOW), min(length, position + REQUIRES_WINDOW)
        if out and low <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], high))
        else:
            out.append((low, high))
    return out


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


def _word_end(folded: str, end: int) -> int:
    while end < len(folded) and _is_word_char(folded[end]):
        end += 1
    return end


def _term_key(term: str) -> tuple[str, bool]:
    prefix = term.endswith("*")
    return fold(term.rstrip("*").strip()), prefix


def _non_overlapping(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest spans first, then drop those overlapping an earlier one; in text order."""
    chosen: list[tuple[int, int]] = []
    for start, end in sorted(set(spans), key=lambda s: (s[0] - s[1], s[0])):
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    return sorted(chosen)


def _placeholders(policy: Policy) -> dict[str, list[str]]:
    org = policy.organization
    brands = org.all_brand_names
    return {
        "brands": brands,
        "competitors": list(org.competitors),
        "orgs": brands + list(org.competitors),
        "products": list(org.products),
        "handles": [h.lstrip("@") for h in org.handles],
    }


_PLACEHOLDER_RE = regex.compile(r"<<(\w+)>>")


def _expand(pattern: str, placeholders: dict[str, list[str]]) -> str | None:
    """Fill ``<<name>>`` with an alternation of the policy's names; None if a list is empty."""
    missing = False

    def replace(m: regex.Match[str]) -> str:
        nonlocal missing
        names = placeholders.get(m.group(1))
        if names is None:
            raise ValueError(f"unknown placeholder <<{m.group(1)}>> in pattern {pattern!r}")
        if not names:
            missing = True
            return ""
        alternatives = sorted({regex.escape(fold(n)) for n in names}, key=len, reverse=True)
        return "(?:" + "|".join(alternatives) + ")"

    expanded = _PLACEHOLDER_RE.sub(replace, pattern)
    return None if missing else expanded
