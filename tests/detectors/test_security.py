"""Security: phishing links, lookalike domains and handles, requests for credentials.

The demo company is Caféterra: domain cafeterra.es, handle @cafeterra (and the accounts
@cafeterra@mastodon.social, @cafeterra.es on Bluesky), competitors Café Dolce and Starbucks.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtags.detectors.links import RULES, LinkDetector, _edit_distance, build
from hashtags.policy.schema import Organization, Policy
from hashtags.review.engine import Engine
from hashtags.review.text import Document
from hashtags.review.types import Context, Review

Check = Callable[..., Review]

LOOKALIKE = "security.lookalike-domain"
SIMILAR = "security.similar-domain"
HANDLE = "security.lookalike-handle"
IP = "security.ip-link"
SHORT = "security.shortener"
TLD = "security.risky-tld"
HARVEST = "security.credential-harvest"
ASKS = "security.asks-for-credentials"


def security_rules(review: Review) -> set[str]:
    return {rule for rule in review.rules if rule.startswith("security.")}


CASES: list[tuple[str, str, set[str]]] = [
    # --- lookalike domains: homoglyphs, accents, punycode -------------------------------
    ("Entra en https://cafetérra.es/login para ver tu pedido", "brand", {LOOKALIKE}),
    ("Nueva web: caféterra.es", "brand", {LOOKALIKE}),
    ("Entra en https://c\u0430feterra.es/login", "brand", {LOOKALIKE}),  # Cyrillic а
    ("Log in at https://xn--cafetrra-f1a.es/login", "brand", {LOOKALIKE}),  # punycode
    ("Visit https://\uff43afeterra.es now", "brand", {LOOKALIKE}),  # fullwidth c
    ("Nueva tienda en https://cafe-terra.es", "brand", {LOOKALIKE}),
    # brand plus service words, brand as a subdomain, brand as the user name
    ("Entra en https://cafeterra-login.com para canjear tus puntos", "brand", {LOOKALIKE}),
    ("Soporte técnico en https://cafeterra-soporte.net", "personal", {LOOKALIKE}),
    ("Claim it at https://cafeterra.es.verify-account.xyz/login", "brand", {LOOKALIKE}),
    ("Go to https://cafeterra.secure-login.com", "brand", {LOOKALIKE}),
    ("Entra en https://cafeterra.es@evil.example/login", "brand", {LOOKALIKE}),
    ("Escríbenos a ayuda@cafeterra-help.com", "brand", {LOOKALIKE}),
    # a sign-in page named after the brand on someone else's site
    ("Accede en http://hotel-valencia.example/Cafeterra/myaccount/signin/", "brand", {LOOKALIKE}),
    ("Log in: https://shop.example/www.cafeterra.es/login.php", "brand", {LOOKALIKE}),
    # --- similar domains: typos, another extension, other words ------------------------
    ("Compra en cafeterrra.es/tienda", "brand", {SIMILAR}),
    ("Ya podéis comprar el Tueste Andino en https://cafetera.es/tienda", "brand", {SIMILAR}),
    ("Order online at cafeterra.com today!", "brand", {SIMILAR}),
    ("Mirad https://elblogdecafeterra.com", "personal", {SIMILAR}),
    ("Escribe a info@cafetera.es", "brand", {SIMILAR}),
    # --- lookalike handles ---------------------------------------------------------------
    ("Para cualquier incidencia escribe a @cafeterra_soporte", "brand", {HANDLE}),
    ("Problem with your order? DM @cafeterra_help", "brand", {HANDLE}),
    ("Síguenos en @cafetera", "brand", {HANDLE}),
    ("Follow @cafeterra0 for giveaways", "personal", {HANDLE}),
    ("Síguenos en @cafeterraoficial", "brand", {HANDLE}),
    ("Follow https://x.com/cafeterra_support", "brand", {HANDLE}),
    ("Follow https://mastodon.social/@cafeterra_help", "brand", {HANDLE}),
    # --- raw IP links, shorteners, risky TLDs ------------------------------------------
    ("Descargad la carta aquí: http://192.168.1.20/carta.pdf", "brand", {IP}),
    ("Download the menu: http://203.0.113.7/menu.pdf", "personal", {IP}),
    ("Todas las novedades en https://bit.ly/3xCafe24", "brand", {SHORT}),
    ("All the news at tinyurl.com/autumn-news", "brand", {SHORT}),
    ("Mirad este sorteo: https://sorteo-cafe.top/participa", "brand", {TLD}),
    ("Check out https://free-espresso.xyz", "personal", {TLD}),
    ("Our new report: https://report.zip", "brand", {TLD}),
    # --- credential harvest next to a link ---------------------------------------------
    (
        "Tu cuenta será suspendida hoy. Verifica tu cuenta en https://acceso-clientes.net/login",
        "brand",
        {HARVEST},
    ),
    (
        "Inicia sesión para evitar el bloqueo: https://bit.ly/x1y2z3",
        "brand",
        {HARVEST, SHORT},
    ),
    (
        "Your account will be suspended. Verify your account at https://secure-login-help.net",
        "brand",
        {HARVEST},
    ),
    ("Unusual sign-in detected, log in here: http://198.51.100.4/", "personal", {HARVEST, IP}),
    (
        "Verify your account at https://cafeterra-login.com",
        "brand",
        {HARVEST, LOOKALIKE},
    ),
    ("Verifica tu cuenta escribiendo por DM a @cafeterra_soporte", "brand", {HANDLE, HARVEST}),
    # --- asking for passwords and codes (pack rule) ------------------------------------
    ("Para revisarlo, envíanos por DM tu contraseña", "brand", {ASKS}),
    ("Dime el código que te ha llegado por SMS y lo reviso", "brand", {ASKS}),
    ("¿Nos puedes pasar tu contraseña para comprobarlo?", "brand", {ASKS}),
    ("Hi Tom, DM us your password and we will check", "brand", {ASKS}),
    ("Send me the 6-digit code we texted you", "personal", {ASKS}),
    ("What's your password? I'll fix it for you", "personal", {ASKS}),
    # === tricky negatives ===============================================================
    # our own domain, its subdomains, its e-mail addresses
    ("Nuevo tueste en https://cafeterra.es/tienda y en tienda.cafeterra.es", "brand", set()),
    ("Más info en www.cafeterra.es o en CAFETERRA.ES", "brand", set()),
    ("Escríbenos a soporte@cafeterra.es", "brand", set()),
    # our trusted domain is trusted even next to account wording
    ("¿Problemas? Restablece tu contraseña en https://cafeterra.es/cuenta", "brand", set()),
    ("Update your payment details at https://tienda.cafeterra.es/account", "brand", set()),
    # our real handles, on every network
    ("Síguenos en @cafeterra y en @cafeterra@mastodon.social", "brand", set()),
    ("Y en Bluesky: @cafeterra.es", "brand", set()),
    ("Gracias @Cafeterra!", "personal", set()),
    ("Follow us: https://x.com/cafeterra", "brand", set()),
    # ordinary links
    (
        "Gran reportaje: https://elpais.com/economia/2026/cafeterra-abre-100-tiendas.html",
        "brand",
        set(),
    ),
    ("Our roaster's code is open: https://github.com/cafeterra/roaster", "brand", set()),
    ("Análisis: https://blog.example/como-cafeterra-protege-tu-cuenta-y-login", "brand", set()),
    ("Resultados: https://buscador.example/account/?q=cafeterra", "personal", set()),
    ("Vídeo: https://youtu.be/dQw4w9WgXcQ", "brand", set()),
    # competitors' real domains and handles
    ("Nuestro rival abrió www.cafedolce.com y starbucks.com", "personal", set()),
    ("Enhorabuena @starbucks y @cafedolce", "personal", set()),
    # "cafeteria" (and "cafetera") as ordinary words, not links
    ("La cafetería de la esquina hace el mejor café", "personal", set()),
    ("Mi cafetera nueva es una maravilla. Cafeteria vibes", "personal", set()),
    # other people's accounts that merely contain the brand
    ("Gracias @marta_cafeterra por la foto", "personal", set()),
    ("Gracias @cafeteria_central por recibirnos", "brand", set()),
    # a warning about a fake site, defanged
    ("Cuidado: hxxp://cafeterra-login.com es falsa, no entréis", "brand", set()),
    # file names and missing spaces are not links to risky TLDs
    ("Adjunto el informe.zip con las cifras", "personal", set()),
    ("Gracias a todos.Top ventas del mes", "personal", set()),
    # platform-wrapped links are not flagged as shorteners
    ("Nuevo post https://t.co/abcDEF123", "brand", set()),
    # security notices that brands rightly publish
    ("Nunca te pediremos tu contraseña ni el código que te llega por SMS.", "brand", set()),
    ("We will never ask for your password. Don't share your 6-digit code.", "brand", set()),
    ("Usa el código VERANO10 y dinos qué tal", "brand", set()),
    ("Dinos tu código postal y te decimos la tienda más cercana", "brand", set()),
    ("Send us your order number and we'll check", "brand", set()),
    ("La clave del éxito: dame la clave de tu receta favorita", "personal", set()),
    # account wording without any link
    ("Verifica tu cuenta de correo antes de comprar", "brand", set()),
]


@pytest.mark.parametrize(("text", "account", "expected"), CASES)
def test_security_rules(check: Check, text: str, account: str, expected: set[str]) -> None:
    assert security_rules(check(text, account=account)) == expected


def _finding(review: Review, rule: str) -> tuple[int, int, str | None]:
    found = [f for f in review.findings if f.rule == rule]
    assert len(found) == 1, review.findings
    fix = found[0].fix.replacement if found[0].fix else None
    return found[0].start, found[0].end, fix


@pytest.mark.parametrize(
    ("text", "rule", "flagged", "fix"),
    [
        (
            "Entra en https://cafetérra.es/login ya.",
            LOOKALIKE,
            "https://cafetérra.es/login",
            "https://cafeterra.es",
        ),
        (
            "Compra en cafetera.es/tienda, ¡corre!",
            SIMILAR,
            "cafetera.es/tienda",
            "https://cafeterra.es/tienda",
        ),
        ("Escribe a @cafeterra_soporte.", HANDLE, "@cafeterra_soporte", "@cafeterra"),
        ("Write to help@cafeterra-help.com today", LOOKALIKE, "cafeterra-help.com", "cafeterra.es"),
        ("(http://192.168.1.20/login)", IP, "http://192.168.1.20/login", None),
        ("Todo en https://bit.ly/3xCafe24.", SHORT, "https://bit.ly/3xCafe24", None),
    ],
)
def test_spans_and_fixes(check: Check, text: str, rule: str, flagged: str, fix: str | None) -> None:
    start = text.index(flagged)
    assert _finding(check(text), rule) == (start, start + len(flagged), fix)


def test_asks_for_credentials_span(check: Check) -> None:
    text = "Hola Marta, envíanos por DM tu contraseña, gracias"
    start, end, _ = _finding(check(text), ASKS)
    assert text[start:end] == "envíanos por DM tu contraseña"


def test_harvest_wording_must_be_near_the_link(check: Check) -> None:
    far = "Verifica tu cuenta de correo." + " Hoy hablamos de café." * 12 + " https://bit.ly/x"
    assert security_rules(check(far)) == {SHORT}
    near = "Verifica tu cuenta en https://bit.ly/x"
    assert security_rules(check(near)) == {SHORT, HARVEST}


def test_lookalike_blocks_and_similar_needs_review(check: Check) -> None:
    assert check("Entra en https://cafeterra-login.com").verdict == "block"
    assert check("Compra en https://cafetera.es").verdict == "review"
    assert check("Mira https://bit.ly/abc").verdict == "warn"


@pytest.mark.parametrize("rule", [r.id for r in RULES])
@pytest.mark.parametrize("lang", ["es", "en"])
def test_examples_trigger_their_rule(check: Check, rule: str, lang: str) -> None:
    example = next(r for r in RULES if r.id == rule).example[lang]
    reviews = [check(example, account=account) for account in ("brand", "personal")]
    assert any(rule in review.rules for review in reviews), example


def test_rules_speak_both_languages() -> None:
    for rule in RULES:
        for texts in (rule.title, rule.reason, rule.advice, rule.example):
            assert set(texts) == {"es", "en"}, rule.id


def test_policy_without_names_flags_no_lookalikes() -> None:
    policy = Policy(organization=Organization(name="Acme"))
    engine = Engine(policy)
    review = engine.review("Entra en https://acme-login.com o en https://bit.ly/x", Context())
    assert security_rules(review) == {LOOKALIKE, SHORT}  # "Acme" from the name
    bare = LinkDetector(Policy(organization=Organization(name="Zé")))
    doc = Document("Visita https://ze-login.com y @ze_soporte", "es", frozenset({"es"}))
    assert list(bare.scan(doc, Context())) == []  # names under 3 letters are not compared


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("cafeterra", "cafeterra", 0),
        ("cafetera", "cafeterra", 1),
        ("cafetrera", "cafeterra", 1),  # adjacent swap
        ("cafeteria", "cafeterra", 1),
        ("cafeterias", "cafeterra", 2),
        ("starbucks", "cafeterra", 2),  # capped at limit + 1
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert _edit_distance(a, b, 1) == min(distance, 2)


@pytest.fixture(scope="module")
def detector(engine: Engine) -> LinkDetector:
    return build(engine.policy)


_PIECES = [*"abcé@.:/-_ xn0198аｃ[]", "https://", "www.", "cafeterra", ".es", "@cafe"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join) | st.text(max_size=200))
def test_scan_never_raises(detector: LinkDetector, text: str) -> None:
    doc = Document(text, "es", frozenset({"es", "en"}))
    for hit in detector.scan(doc, Context()):
        assert 0 <= hit.start < hit.end <= len(text)


@pytest.mark.parametrize(
    "text",
    ["What is the process for unlocking the pin?", "I need to reset the passcode."],
)
def test_customers_talking_about_their_pin_are_not_asked_for_it(check, text: str) -> None:  # type: ignore[no-untyped-def]
    assert "security.asks-for-credentials" not in check(text).rules


def test_asking_for_your_password_is_flagged(check) -> None:  # type: ignore[no-untyped-def]
    assert "security.asks-for-credentials" in check("We need your password to fix it").rules
