"""Findings from the trained classifiers' signals: toxicity the word lists miss, negative
mentions of named organizations; both give way to a word-list finding of their category."""

from __future__ import annotations

import pytest

from hashtags.review.engine import Engine
from hashtags.review.types import Context


@pytest.mark.parametrize(
    ("text", "account", "expected"),
    [
        # The classifier catches hostility without a listed word; the span is the whole text.
        ("Qué asco de gente, me dais pena todos, sois lo peor", "brand", {"toxicity.classifier"}),
        # A listed insult: the word list's exact span wins, the classifier's finding gives way.
        ("Eres un idiota, deja de escribirnos", "brand", {"toxicity.insult"}),
        ("Gracias por venir, ¡qué alegría veros!", "brand", set()),
        (
            "¡Buenos días! Hoy estrenamos el nuevo Tueste Andino en todas nuestras tiendas",
            "brand",
            set(),
        ),
        (
            "Café Dolce siempre me decepciona, qué pena de sitio, no volveré nunca",
            "brand",
            {"disparagement.negative-mention"},
        ),
        # A word-list disparagement rule fired: the sentiment finding gives way to it.
        ("Café Dolce son unos estafadores, qué pena", "brand", {"disparagement.competitor"}),
        ("Café Dolce abrió una tienda nueva en Sevilla", "brand", set()),
        # The brand apologising on its own account is negative in tone, and fine.
        ("Caféterra lamenta mucho el terrible retraso de hoy, lo sentimos", "brand", set()),
    ],
)
def test_classifier_rules(engine: Engine, text: str, account: str, expected: set[str]) -> None:
    review = engine.review_with_models(text, Context(account=account))  # type: ignore[arg-type]
    found = {r for r in review.rules if r.startswith(("toxicity.", "disparagement."))}
    assert found == expected
    assert review.signals["sentiment"] in {"negative", "neutral", "positive"}


def test_without_signals_the_classifier_rules_stay_silent(engine: Engine) -> None:
    review = engine.review("Qué asco de gente, me dais pena todos, sois lo peor")
    assert "toxicity.classifier" not in review.rules
    assert "toxicity" not in review.signals


def test_classifier_span_and_message(engine: Engine) -> None:
    text = "Café Dolce siempre me decepciona, qué pena de sitio, no volveré nunca"
    review = engine.review_with_models(text)
    finding = next(f for f in review.findings if f.rule == "disparagement.negative-mention")
    assert text[finding.start : finding.end] == "Café Dolce"
    assert "regla disparagement.negative-mention" in finding.message
