"""Toxicity pack: insults, hate, threats, harassment and profanity, with their look-alikes."""

from __future__ import annotations

import pytest

CASES = [
    # Insults aimed at someone: block.
    ("@cliente eres un imbécil, lee las instrucciones", {"toxicity.insult"}),
    ("Cállate, payaso", {"toxicity.insult"}),
    ("Vaya panda de inútiles", {"toxicity.insult"}),
    ("@customer you are an idiot", {"toxicity.insult"}),
    ("What a loser", {"toxicity.insult"}),
    ("Go fuck yourself", {"toxicity.insult", "toxicity.profanity"}),
    # Hate.
    ("Fuera los inmigrantes de nuestro barrio", {"toxicity.hate"}),
    ("Deport all the immigrants, they are vermin", {"toxicity.hate"}),
    ("Go back to your country", {"toxicity.hate"}),
    # Threats.
    ("Sé dónde vives y te voy a partir la cara", {"toxicity.threat"}),
    ("I know where you live", {"toxicity.threat"}),
    ("I'm going to kill you", {"toxicity.threat"}),
    # Harassment.
    ("@laura estás buenísima, enséñanos las tetas", {"toxicity.harassment"}),
    ("@laura send nudes", {"toxicity.harassment"}),
    # Profanity aimed at no one: warn only.
    ("Este café está de puta madre", {"toxicity.profanity"}),
    ("¡Coño, qué frío hace hoy!", {"toxicity.profanity"}),
    ("This coffee is fucking amazing", {"toxicity.profanity"}),
    # Negatives.
    ("Un cono de helado de vainilla, por favor", set()),
    ("Vamos a matar el tiempo con un café", set()),
    ("Killer deal: two lattes for 5 €", set()),
    ("This new roast is sick!", set()),
    ("Me muero de ganas de probarlo", set()),
    ("I'm dying to try the cold brew", set()),
    ("Un café negro, sin azúcar", set()),
    ("Pedimos un café con leche", set()),
    ("Mi perra es preciosa", set()),
    ("Es tonto no aprovechar la oferta", set()),
    ("Qué idiota soy, me dejé las llaves", set()),
    ("My stupid phone died again", set()),
    ("You can always sleep when you are dead", set()),
    ("Karma is a bitch", {"toxicity.profanity"}),
    ("No eres tonta, eres la mejor", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_toxicity_rules(check, text: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    fired = {r for r in check(text, "personal").rules if r.startswith("toxicity.")}
    assert fired == expected


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Eres un imbécil", "block"),
        ("Te voy a matar", "block"),
        ("Este café está de puta madre", "warn"),
    ],
)
def test_toxicity_actions(check, text: str, verdict: str) -> None:  # type: ignore[no-untyped-def]
    assert check(text).verdict == verdict


def test_insult_span(check) -> None:  # type: ignore[no-untyped-def]
    text = "@cliente eres un imbécil, lee"
    (finding,) = [f for f in check(text).findings if f.rule == "toxicity.insult"]
    assert text[finding.start : finding.end] == "eres un imbécil"
