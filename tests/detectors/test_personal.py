"""Personal accounts: disclosure of employment, "opinions are my own", complaints to service."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtags.detectors.personal import build
from hashtags.policy.schema import Policy
from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Context, Review

Check = Callable[..., Review]
OURS = {"disclosure.missing", "disclaimer.missing", "disclaimer.complaint-reply"}


def ours(review: Review) -> set[str]:
    return review.rules & OURS


# --- disclosure.missing ----------------------------------------------------------------------

DISCLOSURE = [
    # Promotion of our brands, products or shop on a personal account, without disclosure.
    ("¡Probad el nuevo Tueste Andino de @cafeterra, está buenísimo!", "personal", True),
    ("Mi marca favorita de café es Caféterra, no hay otra", "personal", True),
    ("Os recomiendo el cold brew de Caféterra, un 10", "personal", True),
    ("Código CAFE10 para un 10% de descuento en cafeterra.es", "personal", True),
    ("go get 20% off at cafeterra.es", "personal", True),
    ("I love working at Caféterra, their new cold brew is amazing", "personal", True),
    ("You have to try the Tueste Andino, best coffee in town", "personal", True),
    # Disclosed: a tag or a sentence saying they work there.
    ("¡Probad el nuevo Tueste Andino de @cafeterra, está buenísimo! #empleado", "personal", False),
    ("Trabajo en Caféterra y os recomiendo el Tueste Andino", "personal", False),
    ("#publi Os recomiendo el cold brew de Caféterra", "personal", False),
    ("I love working at Caféterra, their new cold brew is amazing #employee", "personal", False),
    ("I work at Caféterra: go get 20% off at cafeterra.es", "personal", False),
    ("Try the new Tueste Andino from @cafeterra! #ad", "personal", False),
    # Neutral mentions and complaints are not promotion.
    ("Hoy cerramos tarde en Caféterra", "personal", False),
    ("Reunión de equipo en la oficina de Caféterra", "personal", False),
    ("@cafeterra mi pedido llegó roto, qué desastre", "personal", False),
    ("I love how @cafeterra never answers my emails", "personal", False),
    ("No os recomiendo Caféterra, el café llegó roto", "personal", False),
    ("Not the best coffee, @cafeterra", "personal", False),
    # Promotion of something that is not ours, and brand accounts, never get the rule.
    ("¡Probad el nuevo café de la esquina, está buenísimo!", "personal", False),
    ("¡Probad el nuevo Tueste Andino de @cafeterra, está buenísimo!", "brand", False),
    ("Go get 20% off at cafeterra.es", "brand", False),
]


@pytest.mark.parametrize(("text", "account", "fires"), DISCLOSURE)
def test_disclosure(check: Check, text: str, account: str, fires: bool) -> None:
    review = check(text, account)
    assert ("disclosure.missing" in review.rules) is fires


def test_disclosure_points_at_the_brand_and_appends_the_tag_in_the_text_language(
    check: Check,
) -> None:
    text = "¡Probad el nuevo Tueste Andino de @cafeterra, está buenísimo!"
    finding = next(f for f in check(text, "personal").findings if f.rule == "disclosure.missing")
    assert (finding.start, finding.end) == (17, 30)
    assert finding.snippet == "Tueste Andino"
    assert finding.action == "review"
    assert finding.fix is not None
    assert finding.fix.apply(text) == text + " #empleado"
    assert "#empleado" in finding.message

    english = "I love working at Caféterra, their new cold brew is amazing"
    finding = next(f for f in check(english, "personal").findings if f.rule == "disclosure.missing")
    assert english[finding.start : finding.end] == "Caféterra"
    assert finding.fix is not None
    assert finding.fix.apply(english) == english + " #employee"
    # Once the fix is applied the text passes.
    assert "disclosure.missing" not in check(finding.fix.apply(english), "personal").rules


# --- disclaimer.missing ----------------------------------------------------------------------

DISCLAIMER: list[tuple[str, str, dict[str, Any], bool]] = [
    ("Como empresa hemos decidido no subir los precios este año", "personal", {}, True),
    ("Nuestra posición oficial es que no habrá despidos", "personal", {}, True),
    ("Hablo en nombre de Caféterra: no vamos a cerrar tiendas", "personal", {}, True),
    ("En Caféterra hemos decidido dejar de vender cápsulas", "personal", {}, True),
    ("Our official position is that the price rise is temporary", "personal", {}, True),
    ("On behalf of Caféterra, I want to apologise for the outage", "personal", {}, True),
    ("Caféterra's stance is clear: no plastic cups from May", "personal", {}, True),
    ("We at Caféterra have decided not to raise prices", "personal", {}, True),
    # An ordinary employee with a disclaimer.
    ("Como empresa hemos decidido no subir precios. Opiniones propias", "personal", {}, False),
    (
        "Mis opiniones son mías, pero como empresa hemos apostado por el café local",
        "personal",
        {},
        False,
    ),
    ("We at Caféterra have decided not to raise prices. Views are my own", "personal", {}, False),
    ("No hablo en nombre de la empresa, pero me parece bien", "personal", {}, False),
    # Authorized spokespeople, by role or by e-mail (case-insensitive).
    ("Como empresa hemos decidido no subir los precios", "personal", {"author": "pr"}, False),
    ("Our official position is unchanged", "personal", {"author": "crisis_response"}, False),
    (
        "Our official position is unchanged",
        "personal",
        {"author": "Lucia.Ortega@cafeterra.es"},
        False,
    ),
    ("Our official position is unchanged", "personal", {"author": "employee"}, True),
    # Brand accounts speak for the company by definition.
    ("Como empresa hemos decidido no subir los precios", "brand", {}, False),
    ("We at Caféterra have decided not to raise prices", "brand", {"author": "employee"}, False),
    # Talking about the company is not speaking for it.
    ("Hoy he comido con la gente de la empresa", "personal", {}, False),
    ("My company has a great canteen", "personal", {}, False),
]


@pytest.mark.parametrize(("text", "account", "ctx", "fires"), DISCLAIMER)
def test_disclaimer(
    check: Check, text: str, account: str, ctx: dict[str, Any], fires: bool
) -> None:
    assert ("disclaimer.missing" in check(text, account, **ctx).rules) is fires


def test_disclaimer_span_and_fix(check: Check) -> None:
    text = "Como empresa hemos decidido no subir los precios"
    finding = next(f for f in check(text, "personal").findings if f.rule == "disclaimer.missing")
    assert (finding.start, finding.end) == (0, 18)
    assert finding.fix is not None
    assert finding.fix.apply(text) == text + " (Opiniones propias)"
    assert "disclaimer.missing" not in check(finding.fix.apply(text), "personal").rules

    english = "On behalf of Caféterra, I want to apologise for the outage"
    finding = next(f for f in check(english, "personal").findings if f.rule == "disclaimer.missing")
    assert english[finding.start : finding.end] == "On behalf of Caféterra"
    assert finding.fix is not None
    assert finding.fix.apply(english) == english + " (Views are my own)"


# --- disclaimer.complaint-reply --------------------------------------------------------------

ES_COMPLAINT = "@cafeterra mi pedido llegó roto y nadie me responde"
EN_COMPLAINT = "worst service ever @cafeterra, still waiting for my refund"

COMPLAINT_REPLY: list[tuple[str, str, dict[str, Any], bool]] = [
    # Replying to a complaint aimed at us, as an ordinary employee.
    ("¡Uy! Ahora mismo lo miro", "personal", {"reply_to": ES_COMPLAINT}, True),
    ("So sorry, I'll get it sorted", "personal", {"reply_to": EN_COMPLAINT}, True),
    ("Lo miro", "brand", {"reply_to": ES_COMPLAINT, "author": "employee"}, True),
    ("Lo miro", "brand", {"reply_to": ES_COMPLAINT, "author": "ana@cafeterra.es"}, True),
    # Handling a complaint about us without a reply_to: an apology or a remedy about an order.
    (
        "@maria_lopez siento mucho que tu pedido de Caféterra llegara roto, te mandamos otro",
        "personal",
        {},
        True,
    ),
    ("@mike_r so sorry your Caféterra order arrived damaged", "personal", {}, True),
    # Customer service and spokespeople handle complaints; brand posts by unknown authors pass.
    ("Lo miro", "personal", {"reply_to": ES_COMPLAINT, "author": "customer_service"}, False),
    ("Lo miro", "brand", {"reply_to": ES_COMPLAINT, "author": "soporte@cafeterra.es"}, False),
    ("Lo miro", "brand", {"reply_to": ES_COMPLAINT, "author": "social_engagement"}, False),
    ("Lo miro", "brand", {"reply_to": ES_COMPLAINT}, False),
    # Not a complaint about us: praise, a question, a complaint about someone else.
    ("¡Gracias!", "personal", {"reply_to": "@cafeterra qué rico el Tueste Andino"}, False),
    ("Thanks!", "personal", {"reply_to": "@cafeterra do you open on Sundays?"}, False),
    ("Qué rabia", "personal", {"reply_to": "Mi pedido de Amazon llegó roto"}, False),
    ("@ana sorry your Amazon order got lost", "personal", {}, False),
    ("Siento llegar tarde, el pedido de la oficina ya está aquí", "personal", {}, False),
]


@pytest.mark.parametrize(("text", "account", "ctx", "fires"), COMPLAINT_REPLY)
def test_complaint_reply(
    check: Check, text: str, account: str, ctx: dict[str, Any], fires: bool
) -> None:
    assert ("disclaimer.complaint-reply" in check(text, account, **ctx).rules) is fires


def test_complaint_reply_names_customer_service_and_offers_a_routing_reply(
    check: Check,
) -> None:
    text = "  ¡Uy! Ahora mismo lo miro "
    review = check(text, "personal", reply_to=ES_COMPLAINT)
    finding = next(f for f in review.findings if f.rule == "disclaimer.complaint-reply")
    assert (finding.start, finding.end) == (2, 26)
    assert finding.action == "review"
    assert "soporte@cafeterra.es" in finding.message
    assert finding.fix is not None
    routed = finding.fix.apply(text)
    assert "atención al cliente" in routed and "soporte@cafeterra.es" in routed

    review = check("So sorry!", "personal", reply_to=EN_COMPLAINT, lang="en")
    finding = next(f for f in review.findings if f.rule == "disclaimer.complaint-reply")
    assert "customer service (soporte@cafeterra.es)" in finding.message


# --- policy settings -------------------------------------------------------------------------


def _policy(**update: Any) -> Policy:
    return demo_policy().model_copy(update=update)


def test_policy_phrases_count_as_disclosure_and_disclaimer() -> None:
    policy = _policy(
        disclosures={"es": ["#equipoCaféterra"]},
        disclaimers={"en": ["not an official statement"]},
    )
    engine = Engine(policy)
    personal = Context(account="personal")
    promo = "¡Probad el nuevo Tueste Andino de @cafeterra, está buenísimo!"
    assert "disclosure.missing" in engine.review(promo, personal).rules
    assert "disclosure.missing" not in engine.review(promo + " #EquipoCafeterra", personal).rules
    official = "Our official position is unchanged"
    assert "disclaimer.missing" in engine.review(official, personal).rules
    assert (
        "disclaimer.missing"
        not in engine.review(official + " (not an official statement)", personal).rules
    )


def test_spokespeople_come_from_the_policy() -> None:
    from hashtags.policy.schema import Spokespeople

    engine = Engine(_policy(spokespeople=Spokespeople(roles=["admin"], people=[])))
    official = "Our official position is unchanged"
    assert (
        "disclaimer.missing"
        in engine.review(official, Context(account="personal", author="pr")).rules
    )
    assert (
        "disclaimer.missing"
        not in engine.review(official, Context(account="personal", author="admin")).rules
    )


def test_a_policy_without_brands_products_or_contacts_still_works() -> None:
    policy = Policy.model_validate({"organization": {"name": "Acme"}})
    detector = build(policy)
    engine = Engine(policy)
    assert list(detector.rules())
    # The organization's name is enough to recognise a complaint aimed at it.
    review = engine.review("Lo miro", Context(account="personal", reply_to="@acme fatal"))
    (finding,) = (f for f in review.findings if f.rule == "disclaimer.complaint-reply")
    assert "atención al cliente (Acme)" in finding.message
    review = engine.review("¡Probad Acme, está buenísimo!", Context(account="personal", lang="es"))
    assert "disclosure.missing" in review.rules


# --- robustness ------------------------------------------------------------------------------

DETECTOR = build(demo_policy())
ENGINE = Engine(demo_policy())


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=300),
    account=st.sampled_from(["brand", "personal"]),
    author=st.sampled_from([None, "employee", "pr", "customer_service"]),
    reply_to=st.none() | st.text(max_size=200),
)
def test_scan_never_raises(
    text: str, account: str, author: str | None, reply_to: str | None
) -> None:
    ctx = Context(account=account, author=author, reply_to=reply_to)  # type: ignore[arg-type]
    doc = ENGINE.prepare(text, ctx)
    for hit in DETECTOR.scan(doc, ctx):
        assert 0 <= hit.start <= hit.end <= len(text)
        assert hit.rule in OURS
