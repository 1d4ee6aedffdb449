"""Engine behaviour that holds whatever the detectors: verdicts, limits, messages, redaction."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hashtags.review.engine import Engine, InvalidText
from hashtags.review.redact import redact
from hashtags.review.service import demo_policy, review
from hashtags.review.text import fold
from hashtags.review.types import Category, Context, Verdict, strongest


def test_verdicts_are_ordered() -> None:
    order = [Verdict.ALLOW, Verdict.WARN, Verdict.REVIEW, Verdict.BLOCK]
    assert [v.rank for v in order] == [0, 1, 2, 3]
    assert strongest([]) is Verdict.ALLOW
    assert strongest(["warn", "block", "review"]) is Verdict.BLOCK
    assert strongest(["warn", "review"]) is Verdict.REVIEW


def test_fold_keeps_length_and_offsets() -> None:
    text = "ÉL DIJO: «Café» — ¡Ñandú! İstanbul ß ﬁ"
    folded = fold(text)
    assert len(folded) == len(text)
    assert folded.startswith('el dijo: "cafe" - ¡nandu! istanbul')


def test_text_over_the_limit_is_refused_clearly(engine: Engine) -> None:
    limit = engine.max_chars
    engine.review("a" * limit)
    with pytest.raises(InvalidText, match=r"limit is 20,000 \(limits.max_chars\)"):
        engine.review("a" * (limit + 1))


def test_text_that_is_not_valid_unicode_is_refused_clearly(engine: Engine) -> None:
    # What json.loads makes of half a surrogate pair; a whole pair is one character.
    with pytest.raises(InvalidText, match=r"lone surrogate \(U\+DE00\) at character 3"):
        engine.review("ok\ude00 then")
    with pytest.raises(InvalidText, match="lone surrogate"):
        engine.review_with_models("ok\ud83d")
    assert engine.review(json.loads('"ok \\ud83d\\ude00"')).verdict


def test_non_text_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidText, match="expected text"):
        engine.review(b"bytes")  # type: ignore[arg-type]


def test_message_is_in_the_text_language_and_cites_the_rule(engine: Engine) -> None:
    es = engine.review("Mañana presentamos el Proyecto Tucán a la prensa")
    en = engine.review("Tomorrow we present Proyecto Tucán to the press")
    assert es.language == "es" and en.language == "en"
    assert "regla confidential.policy-term" in es.findings[0].message
    assert "política de Caféterra" in es.findings[0].message
    assert "rule confidential.policy-term" in en.findings[0].message
    assert "Caféterra policy" in en.findings[0].message


def test_explicit_language_wins_over_detection(engine: Engine) -> None:
    result = engine.review("Proyecto Tucán", Context(lang="en"))
    assert result.language == "en"
    assert "Confidential company term" in result.findings[0].message


def test_review_serialises_for_json(engine: Engine) -> None:
    data = engine.review("Pronto: Proyecto Tucán").to_dict()
    assert data["verdict"] == "block"
    finding = data["findings"][0]
    assert {"rule", "category", "severity", "start", "end", "message", "snippet"} <= set(finding)
    assert data["signals"]["language"] == "es"


def test_broken_detector_sends_text_to_a_human(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        id = "broken"

        def rules(self) -> list[object]:
            return []

        def scan(self, doc: object, ctx: object) -> list[object]:
            raise RuntimeError(f"cannot parse {doc.text}")  # type: ignore[attr-defined]

    broken = Engine(demo_policy())
    broken.detectors.append(Broken())  # type: ignore[arg-type]
    assert broken.review("Hola a todos").verdict == "review"
    result = broken.review("Mi contraseña es Hunter2!")
    assert result.verdict == "block"  # the other detectors still run
    assert result.signals["errors"] == ["detector broken failed"]
    assert "detector broken failed with RuntimeError" in caplog.text
    assert "Hunter2" not in caplog.text


def test_service_review_caches_the_engine() -> None:
    first = review("Proyecto Tucán")
    assert first.verdict == "block"
    assert review("Hola").verdict == "allow"


@pytest.mark.parametrize(
    ("snippet", "category", "expected"),
    [
        ("ana.garcia@gmail.com", Category.PII, "a••.g•••••@g••••.c••"),
        ("4111 1111 1111 1111", Category.PII, "•••• •••• •••• ••11"),
        ("ghp_abc123", Category.SECRET, "•••_••••••"),
    ],
)
def test_redaction_keeps_length_and_hides_data(
    snippet: str, category: Category, expected: str
) -> None:
    assert redact(snippet, category) == expected
    assert len(redact(snippet, category)) == len(snippet)


MAX = demo_policy().limits.max_chars


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=400)
    | st.text(alphabet=st.sampled_from(list("aé@.:/0123 -_#«»\"'\n")), max_size=300)
    | st.builds(
        lambda a, b: a + b,
        st.sampled_from(
            [
                "Proyecto Tucán ",
                "escríbeme a ana@gmail.com ",
                "https://cafeterra.es.login.xyz ",
                "password: hunter2 ",
                "4111 1111 1111 1111 ",
                "«Una frase larga que alguien dijo hace tiempo» ",
            ]
        ),
        st.text(max_size=200),
    ),
    account=st.sampled_from(["brand", "personal"]),
)
def test_any_text_gets_a_verdict_with_spans_inside(engine: Engine, text: str, account: str) -> None:
    result = engine.review(text, Context(account=account))  # type: ignore[arg-type]
    assert result.verdict in set(Verdict)
    for finding in result.findings:
        assert 0 <= finding.start <= finding.end <= len(text)
        assert len(finding.snippet) == finding.end - finding.start
        if finding.category not in (Category.PII, Category.SECRET):
            assert finding.snippet == text[finding.start : finding.end]
        if finding.fix is not None:
            assert 0 <= finding.fix.start <= finding.fix.end <= len(text)
            finding.fix.apply(text)


@settings(max_examples=20, deadline=None)
@given(extra=st.integers(min_value=1, max_value=1000))
def test_any_text_over_the_limit_is_refused(engine: Engine, extra: int) -> None:
    with pytest.raises(InvalidText):
        engine.review("x" * (MAX + extra))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunk=st.text(min_size=1, max_size=200),
    seed=st.sampled_from(["Proyecto Tucán ana@gmail.com https://x.xyz/login ", "a1 " * 30]),
)
def test_texts_near_the_limit_get_a_verdict(engine: Engine, chunk: str, seed: str) -> None:
    text = ((seed + chunk) * (MAX // len(seed + chunk) + 1))[:MAX]
    result = engine.review(text)
    assert result.verdict in set(Verdict)
    assert all(0 <= f.start <= f.end <= MAX for f in result.findings)


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("escríbenos a maria", "es"),
        ("¿Qué tal?", "es"),
        ("Gracias por venir a la tienda", "es"),
        ("Thanks for coming to the shop", "en"),
        ("See you at the café tomorrow", "en"),
    ],
)
def test_language_detection(engine: Engine, text: str, lang: str) -> None:
    assert engine.review(text).language == lang
