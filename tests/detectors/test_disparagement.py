"""Disparagement pack: competitors, the company itself, and generic accusations."""

from __future__ import annotations

import pytest

CASES = [
    ("Café Dolce es una basura, no piséis sus tiendas", {"disparagement.competitor"}),
    ("Los de Café Dolce son unos estafadores", {"disparagement.competitor"}),
    ("Café Dolce is garbage", {"disparagement.competitor"}),
    ("Starbucks sells overpriced garbage", {"disparagement.competitor"}),
    ("Never buy from Café Dolce", {"disparagement.competitor"}),
    ("Caféterra nos roba las horas extra", {"disparagement.own-company"}),
    ("Caféterra is the worst company to work for", {"disparagement.own-company"}),
    ("Es la peor empresa del mundo", {"disparagement.defamatory-claim"}),
    ("No compréis allí, son unos estafadores", {"disparagement.defamatory-claim"}),
    ("That brand is garbage", {"disparagement.defamatory-claim"}),
    ("Don't buy there, they are scammers", {"disparagement.defamatory-claim"}),
    # Negatives: neutral or mildly negative mentions.
    ("Café Dolce abrió una tienda nueva en Sol", set()),
    ("I prefer our blend to Café Dolce's", set()),
    ("El servicio fue lento hoy, lo sentimos", set()),
    ("Starbucks has more stores, we have better beans", set()),
    ("Nuestro nuevo envase es mucho mejor", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_disparagement_rules(check, text: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    fired = {r for r in check(text).rules if r.startswith("disparagement.")}
    assert fired == expected


def test_competitor_span_covers_name_and_insult(check) -> None:  # type: ignore[no-untyped-def]
    text = "Café Dolce es una basura"
    review = check(text)
    (finding,) = [f for f in review.findings if f.rule == "disparagement.competitor"]
    assert text[finding.start : finding.end] == "Café Dolce es una basura"
    assert review.verdict == "block"


@pytest.mark.parametrize(
    "text",
    [
        "I think this charge on my account is fraud, can you check it?",
        "Set me a reminder that tomorrow is trash day",
        "It is a fraud alert, not a real charge",
    ],
)
def test_customer_reports_are_not_disparagement(check, text: str) -> None:  # type: ignore[no-untyped-def]
    assert not {r for r in check(text).rules if r.startswith("disparagement.")}
