"""Quotations, reposts and images need their author or source."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtags.detectors.attribution import build
from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Context, Review

Check = Callable[..., Review]
QUOTE, REPOST, IMAGE = "attribution.quote", "attribution.repost", "attribution.image"
OURS = {QUOTE, REPOST, IMAGE}

CASES: list[tuple[str, str, set[str]]] = [
    # --- quotations without author
    ("«La creatividad es la inteligencia divirtiéndose»", "brand", {QUOTE}),
    ('"Stay hungry, stay foolish"', "brand", {QUOTE}),
    ("“Stay hungry, stay foolish.” Happy Monday!", "personal", {QUOTE}),
    ("Frase del día: «Stay hungry, stay foolish»", "brand", {QUOTE}),
    (
        "Hoy os dejamos con esto: «el café es el bálsamo del corazón y del espíritu»",
        "brand",
        {QUOTE},
    ),
    # --- credited quotations
    ("«La creatividad es la inteligencia divirtiéndose» — Einstein", "brand", set()),
    ('"Stay hungry, stay foolish" - Steve Jobs', "brand", set()),
    ("“Stay hungry, stay foolish” (Steve Jobs)", "brand", set()),
    ('As Einstein said, "creativity is intelligence having fun, always"', "brand", set()),
    (
        '"Creativity is intelligence having fun, always and everywhere", as Einstein said',
        "brand",
        set(),
    ),
    ("Lucía Ortega: «este año abrimos diez tiendas nuevas en España»", "brand", set()),
    ("Mi abuela decía «el café bueno se toma despacio y en buena compañía»", "personal", set()),
    ("«El café bueno se toma despacio y en buena compañía», dijo mi abuela", "personal", set()),
    ("«La creatividad es la inteligencia divirtiéndose» de Einstein", "brand", set()),
    (
        "«La creatividad es la inteligencia divirtiéndose» https://es.wikiquote.org/wiki/Einstein",
        "brand",
        set(),
    ),
    ('"@baristaana: best latte art I have ever seen in my life"', "personal", set()),
    # --- short quoted words, names and titles are not quotations
    ("Hoy servimos el café «de siempre», como a ti te gusta", "brand", set()),
    ("Nos encanta el «Tueste Andino» de esta temporada", "brand", set()),
    ("Lo llaman «el mejor café del mundo» y no les falta razón", "brand", set()),
    ('Our "seasonal" menu is back', "brand", set()),
    ('Acabo de ver "The Lord of the Rings: The Return of the King" otra vez', "personal", set()),
    (
        'Mi pantalla de 15" está rota y el portátil de 13" también, qué mala suerte',
        "personal",
        set(),
    ),
    # --- reposts without author
    ("RT: Best latte art I've seen this year", "personal", {REPOST}),
    ("RT Qué pasada de arte latte", "personal", {REPOST}),
    ("#repost Qué pasada de arte latte, así da gusto empezar el día", "brand", {REPOST}),
    ("#regram Look at this amazing latte art", "brand", {REPOST}),
    ("Gran reportaje sobre el café de especialidad vía", "brand", {REPOST}),
    ("Photo by", "brand", {REPOST}),
    ("Foto: ", "brand", {REPOST}),
    ("Imagen de Google", "brand", {REPOST}),
    ("Una foto sacada de internet, créditos a su autor", "personal", {REPOST}),
    ("Credits to the owner", "personal", {REPOST}),
    ("No copyright infringement intended", "personal", {REPOST}),
    ("Fuente: desconocida", "brand", {REPOST}),
    # --- credited reposts
    ("RT @baristaana: Best latte art I've seen this year", "personal", set()),
    ("RT “@baristaana: qué pasada de arte latte”", "personal", set()),
    ("#repost @baristaana qué pasada de arte latte", "brand", set()),
    ("Repost de Ana García: qué pasada de arte latte", "brand", set()),
    ("Regram from @baristaana ☕", "brand", set()),
    ("Gran reportaje sobre el café de especialidad vía @elpais", "brand", set()),
    ("Gran reportaje sobre el café de especialidad vía El País", "brand", set()),
    ("Foto: @baristaana", "brand", set()),
    ("Photo: Ana García", "brand", set()),
    ("Photo by me", "personal", set()),
    ("(Fuente: INE) El consumo de café sube un 3%", "brand", set()),
    ("Source: Reuters. Coffee prices hit a record high", "brand", set()),
    ("#repost Qué pasada https://instagram.com/p/abc123", "brand", set()),
    # --- ordinary words that look like markers
    ("Please RT!", "personal", set()),
    ("RT if you love coffee", "personal", set()),
    ("RTVE habla hoy de nuestro café", "brand", set()),
    ("Tomamos la vía rápida para abrir la tienda", "brand", set()),
    ("Send it via email, please", "personal", set()),
    ("Foto de la tienda nueva, ¡qué bonita ha quedado!", "brand", set()),
    ("I don't own a coffee machine yet", "personal", set()),
    ("Mira el vídeo de la inauguración", "brand", set()),
    # --- images without credit
    ("Las diez cafeterías más bonitas de Europa (foto)", "brand", {IMAGE}),
    ("[image] The ten most beautiful coffee shops in Europe", "brand", {IMAGE}),
    ("📷 Atardecer en la terraza", "personal", {IMAGE}),
    ("Sunset at the shop\n📸: ", "personal", {IMAGE}),
    # --- credited images, and a camera as decoration
    ("(foto) Atardecer en la terraza. Foto: @baristaana", "brand", set()),
    ("[image] The ten most beautiful coffee shops https://example.com/top10", "brand", set()),
    ("📷 @baristaana", "brand", set()),
    ("📷: Ana García", "brand", set()),
    ("📷 baristaana: good morning from the roastery", "brand", set()),
    ("Domingo de playa 📸", "personal", set()),
]


@pytest.mark.parametrize(("text", "account", "expected"), CASES)
def test_attribution(check: Check, text: str, account: str, expected: set[str]) -> None:
    assert check(text, account).rules & OURS == expected


SPANS = [
    ("Frase del día: «Stay hungry, stay foolish»", QUOTE, "«Stay hungry, stay foolish»"),
    ("RT: Best latte art I've seen this year", REPOST, "RT"),
    ("#repost Qué pasada de arte latte", REPOST, "#repost"),
    ("Gran reportaje vía", REPOST, "vía"),
    ("Una foto sacada de internet, créditos a su autor", REPOST, "créditos a su autor"),
    ("Las diez cafeterías más bonitas de Europa (foto)", IMAGE, "(foto)"),
    ("📷 Atardecer en la terraza", IMAGE, "📷"),
]


@pytest.mark.parametrize(("text", "rule", "snippet"), SPANS)
def test_spans(check: Check, text: str, rule: str, snippet: str) -> None:
    (finding,) = (f for f in check(text).findings if f.rule == rule)
    assert text[finding.start : finding.end] == snippet
    assert finding.action == "warn"


@pytest.mark.parametrize(
    ("text", "rule", "credit"),
    [
        ("Frase del día: «La creatividad es la inteligencia divirtiéndose»", QUOTE, "— Autor: …"),
        ('Quote of the day: "Stay hungry, stay foolish."', QUOTE, "— Author: …"),
        ("#repost Qué pasada de arte latte", REPOST, "— Fuente: …"),
        ("[image] The ten most beautiful coffee shops in Europe", IMAGE, "— Photo: …"),
    ],
)
def test_fix_appends_a_credit_line_in_the_text_language(
    check: Check, text: str, rule: str, credit: str
) -> None:
    (finding,) = (f for f in check(text).findings if f.rule == rule)
    assert finding.fix is not None
    assert finding.fix.apply(text) == f"{text} {credit}"
    # The template, once filled in, satisfies the rule.
    filled = finding.fix.apply(text).replace("…", "Ana García")
    assert rule not in check(filled).rules


# --- robustness ------------------------------------------------------------------------------

DETECTOR = build(demo_policy())
ENGINE = Engine(demo_policy())


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list('«»"“” RTvia:@#()[]📷📸fotoimagen de—-\nAbc'))
        | st.characters(),
        max_size=300,
    )
)
def test_scan_never_raises(text: str) -> None:
    ctx = Context()
    for hit in DETECTOR.scan(ENGINE.prepare(text, ctx), ctx):
        assert 0 <= hit.start <= hit.end <= len(text)
        assert hit.rule in OURS


def test_long_text_with_many_quote_marks_stays_fast() -> None:
    import time

    text = ('"' + "palabra " * 3) * 2000
    ctx = Context()
    doc = ENGINE.prepare(text[:20_000], ctx)
    started = time.perf_counter()
    list(DETECTOR.scan(doc, ctx))
    assert time.perf_counter() - started < 0.5
