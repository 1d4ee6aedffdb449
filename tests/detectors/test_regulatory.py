"""Regulatory pack: health claims for everyone, finance/health/government by industry."""

from __future__ import annotations

from functools import cache

import pytest

from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Context


@cache
def engine_for(industry: str) -> Engine:
    policy = demo_policy()
    organization = policy.organization.model_copy(update={"industry": industry})
    return Engine(policy.model_copy(update={"organization": organization}))


def fired(industry: str, text: str, account: str = "brand") -> set[str]:
    review = engine_for(industry).review(text, Context(account=account))  # type: ignore[arg-type]
    return {r for r in review.rules if r.startswith("regulatory.")}


CASES = [
    # Health claims: every industry.
    ("general", "Nuestro café cura la ansiedad", {"regulatory.health-claim"}),
    ("general", "Our green tea prevents cancer", {"regulatory.health-claim"}),
    ("finance", "Este té previene la gripe", {"regulatory.health-claim"}),
    ("general", "El café no cura la ansiedad, pero ayuda a empezar el día", set()),
    ("general", "We support cancer research with every cup", set()),
    # Finance.
    (
        "finance",
        "Invierte con nosotros: rentabilidad garantizada",
        {"regulatory.finance.guaranteed-returns"},
    ),
    (
        "finance",
        "Una inversión sin riesgo para tus ahorros",
        {"regulatory.finance.guaranteed-returns"},
    ),
    ("finance", "Guaranteed 20% returns on our fund", {"regulatory.finance.guaranteed-returns"}),
    ("finance", "Gana un 10% al mes con nuestro fondo", {"regulatory.finance.profit-promise"}),
    ("finance", "Earn 10% a month with our fund", {"regulatory.finance.profit-promise"}),
    ("finance", "Comprad antes del anuncio del viernes", {"regulatory.finance.inside-information"}),
    ("finance", "Buy the stock before the announcement", {"regulatory.finance.inside-information"}),
    ("finance", "Este token va a ir a la luna", {"regulatory.finance.crypto-hype"}),
    ("finance", "This coin is going to the moon", {"regulatory.finance.crypto-hype"}),
    ("finance", "Comprad acciones de Iberdrola ya", {"regulatory.finance.investment-tip"}),
    ("finance", "You should buy $TSLA now", {"regulatory.finance.investment-tip"}),
    ("finance", "Rentabilidades pasadas no garantizan rentabilidades futuras", set()),
    ("finance", "Past performance is no guarantee of future results", set()),
    (
        "finance",
        "Gana un 10% al mes. Rentabilidades pasadas no garantizan rentabilidades futuras.",
        set(),
    ),
    ("finance", "I love you to the moon and back", set()),
    ("general", "Rentabilidad garantizada del 8%", set()),
    # Health.
    ("health", "Nuestro paciente Juan, de 54 años, ya camina", {"regulatory.health.patient-data"}),
    ("health", "Our patient John, 54, is walking again", {"regulatory.health.patient-data"}),
    (
        "health",
        "Tratamiento milagroso y sin efectos secundarios",
        {"regulatory.health.miracle-claim"},
    ),
    ("health", "Guaranteed results, no side effects", {"regulatory.health.miracle-claim"}),
    ("health", "Nuestro paciente más joven ha salido hoy del hospital", set()),
    ("health", "Cuidamos de nuestros pacientes cada día", set()),
    ("health", "Our patient care team is the best", set()),
    ("general", "Nuestro paciente Juan, de 54 años, ya camina", set()),
    # Government.
    ("government", "Este domingo vota a Juan Pérez", {"regulatory.government.campaigning"}),
    ("government", "Vote for Jane Smith on Sunday", {"regulatory.government.campaigning"}),
    ("government", "Recuerda votar: los colegios abren a las 9", set()),
    ("government", "Vota a la mejor tapa del concurso", set()),
    ("government", "Remember to vote on Sunday", set()),
    ("general", "Vote for Jane Smith on Sunday", set()),
]


@pytest.mark.parametrize(("industry", "text", "expected"), CASES)
def test_regulatory_rules(industry: str, text: str, expected: set[str]) -> None:
    assert fired(industry, text) == expected


def test_campaigning_is_only_for_official_accounts() -> None:
    assert fired("government", "Este domingo vota a Juan Pérez", account="personal") == set()


@pytest.mark.parametrize("industry", ["finance", "health", "government"])
def test_industry_rule_examples_fire(industry: str) -> None:
    engine = engine_for(industry)
    rules = [r for r in engine.catalog.values() if r.id.startswith(f"regulatory.{industry}.")]
    assert rules
    for rule in rules:
        for lang in ("es", "en"):
            example = rule.example[lang].strip('«»"“”')
            review = engine.review(example, Context(account="brand", lang=lang))
            assert rule.id in review.rules, (rule.id, lang, example)


def test_guarantee_span() -> None:
    text = "Invierte: rentabilidad garantizada"
    review = engine_for("finance").review(text)
    (finding,) = [f for f in review.findings if f.rule.startswith("regulatory.")]
    assert text[finding.start : finding.end] == "rentabilidad garantizada"
    assert review.verdict == "block"
