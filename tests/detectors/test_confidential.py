"""Confidential pack: internal markings, "off the record", non-public plans and figures."""

from __future__ import annotations

import pytest

CASES = [
    # Internal-use markings.
    ("SOLO USO INTERNO: nuevos precios a partir de enero", {"confidential.internal-marker"}),
    ("Borrador interno, no difundir: campaña de primavera", {"confidential.internal-marker"}),
    ("CONFIDENCIAL: plan de aperturas 2027", {"confidential.internal-marker"}),
    ("INTERNAL ONLY - new menu prices from January", {"confidential.internal-marker"}),
    ("Draft deck, do not distribute", {"confidential.internal-marker"}),
    ("Slides for the partners, not for external use", {"confidential.internal-marker"}),
    # Off the record.
    (
        "Off the record, we're launching on May 3",
        {"confidential.off-record", "confidential.launch-date"},
    ),
    ("Que quede entre nosotros: abrimos en Valencia", {"confidential.off-record"}),
    # Not public yet.
    (
        "Los resultados del trimestre, que aún no se han publicado, son malos",
        {"confidential.not-public"},
    ),
    ("The numbers aren't public yet but revenue fell 20%", {"confidential.not-public"}),
    # Layoffs, closures, launch dates.
    ("Habrá despidos en la oficina de Madrid", {"confidential.layoffs"}),
    ("We are laying off 200 people next month", {"confidential.layoffs"}),
    ("Vamos a cerrar 12 tiendas en marzo", {"confidential.closures"}),
    ("We're going to close 12 stores in March", {"confidential.closures"}),
    ("Lanzaremos el nuevo tueste el 3 de mayo", {"confidential.launch-date"}),
    ("We're launching the new roast on May 3", {"confidential.launch-date"}),
    # Negatives.
    ("Consulta nuestra política de confidencialidad en la web", set()),
    ("Your data stays confidential with us", set()),
    ("Tus datos son confidenciales y nunca los vendemos", set()),
    ("El Tueste Andino ya disponible en todas las tiendas", set()),
    ("Our new roast is now available in every store", set()),
    ("La tienda cierra a las 20h los domingos", set()),
    ("Hay muy buena química entre nosotros y nuestros proveedores", set()),
    ("What's the difference between us and other coffee shops? Taste", set()),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
@pytest.mark.parametrize("account", ["brand", "personal"])
def test_confidential_rules(check, text: str, expected: set[str], account: str) -> None:  # type: ignore[no-untyped-def]
    fired = {r for r in check(text, account).rules if r.startswith("confidential.")}
    fired.discard("confidential.policy-term")
    assert fired == expected


def test_marker_span_and_verdict(check) -> None:  # type: ignore[no-untyped-def]
    text = "Borrador interno: cambios de horario"
    review = check(text)
    finding = next(f for f in review.findings if f.rule == "confidential.internal-marker")
    assert text[finding.start : finding.end] == "Borrador interno"
    assert review.verdict == "block"


def test_plans_go_to_review(check) -> None:  # type: ignore[no-untyped-def]
    assert check("Vamos a cerrar 12 tiendas en marzo").verdict == "review"
