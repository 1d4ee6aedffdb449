"""Illegal-conduct pack: drugs, drunk driving, tax fraud, piracy, violence, weapons."""

from __future__ import annotations

import pytest

CASES = [
    ("Después del cierre vamos a pillar coca", {"illegal.drugs"}),
    ("Anyone selling weed near the store? DM me", {"illegal.drugs"}),
    ("Anoche conduje borracho hasta casa", {"illegal.drunk-driving"}),
    ("Drove home drunk after the tasting", {"illegal.drunk-driving"}),
    ("Si pagas en efectivo te lo dejo en negro sin factura", {"illegal.tax-fraud"}),
    ("Pay cash so we skip the taxes", {"illegal.tax-fraud"}),
    ("La peli no está en Netflix, descárgalo pirata", {"illegal.piracy"}),
    ("Just grab a torrent of the movie", {"illegal.piracy"}),
    ("Al de la mesa 4 le dimos una paliza a la salida", {"illegal.violence"}),
    ("We beat him up outside the store", {"illegal.violence"}),
    ("Vendo pistola sin papeles, por privado", {"illegal.weapons"}),
    ("Selling a pistol, no background check", {"illegal.weapons"}),
    # Negatives.
    ("Una Coca-Cola bien fría con la hamburguesa", set()),
    ("A coke and a burger for lunch", set()),
    ("Find us next to the drugstore on Main Street", set()),
    ("Una cerveza con amigos al salir del trabajo", set()),
    ("Best pirate costume at our Halloween party!", set()),
    ("Esta noche vemos la película Piratas del Caribe", set()),
    ("No bebas si conduces: te pedimos un taxi", set()),
    ("Don't drink and drive, we'll call you a cab", set()),
    ("Camiseta en negro o blanco, 20 €", set()),
    ("Sin factura no hay devolución", set()),
    ("Vendo pistola de silicona casi nueva", set()),
    ("Selling glue guns for the craft fair", set()),
    ("Weed killer for the garden is on sale", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_illegal_rules(check, text: str, expected: set[str]) -> None:  # type: ignore[no-untyped-def]
    fired = {r for r in check(text).rules if r.startswith("illegal.")}
    assert fired == expected


def test_drug_span(check) -> None:  # type: ignore[no-untyped-def]
    text = "Vamos a pillar coca"
    (finding,) = [f for f in check(text).findings if f.rule == "illegal.drugs"]
    assert text[finding.start : finding.end] == "pillar coca"
