"""The ``secrets`` detector: passwords, API keys, private keys and one-time codes."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtags.detectors.secrets import RULES, build
from hashtags.review.service import demo_policy
from hashtags.review.text import Document
from hashtags.review.types import Context, Review

Check = Callable[..., Review]

# Token-shaped test values are assembled at run time so that secret scanners reading this
# repository do not report them.
GITHUB = "ghp_" + "wWPw5k4aXcaT4fNP0UcnZwJUVFk6LO0pINUx"
STRIPE = "sk_" + "live_" + "4eC39HqLyjWDarjtT1zdp7dc"
SLACK = "xox" + "b-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIn0"
    ".dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
)
GOOGLE = "AIza" + "SyA1234567890abcdefghijklmnopqrstuv"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
SENDGRID = "SG." + "abcdefghijklmnopqrstuv.abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TELEGRAM = "123456789:" + "ABCdefGHIjklMNOpqrSTUvwxYZ123456789"
PRIVATE_KEY = (
    "-----BEGIN RSA " + "PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4Ul\n-----END RSA PRIVATE KEY-----"
)


def secret_rules(review: Review) -> set[str]:
    return {f.rule for f in review.findings if f.rule.startswith("secret.")}


CASES: list[tuple[str, str, set[str]]] = [
    # A password given without ":" or "es", after a verb of use.
    ("Para entrar al panel usa la contraseña Tucan2026! y listo", "brand", {"secret.password"}),
    ("Log in with the password S3cret!x now", "brand", {"secret.password"}),
    ("Entra con la contraseña que te mandamos por correo", "brand", set()),
    ("Use the password reset link we sent you", "brand", set()),
    # Passwords
    ("mi contraseña es hunter2", "personal", {"secret.password"}),
    ("La contraseña del wifi es Cafe2024!", "brand", {"secret.password"}),
    ("password: P@ssw0rd!", "brand", {"secret.password"}),
    ("pwd=Tr0ub4dor&3", "brand", {"secret.password"}),
    ("The new password is Winter2025", "personal", {"secret.password"}),
    ("El PIN es 4821", "brand", {"secret.password"}),
    ("db at https://admin:S3cr3t9@db.example.com/prod", "brand", {"secret.password"}),
    ("Cambia tu contraseña cada 90 días.", "brand", set()),
    ("Reset your password at cafeterra.es/reset", "brand", set()),
    ("Your password is incorrect. Password: required", "brand", set()),
    ("Tu contraseña es personal e intransferible.", "brand", set()),
    ("#password123 #NuevaColección", "brand", set()),
    ("Qué opinión tienes del nuevo pase 2024?", "personal", set()),
    # API keys and tokens
    (f"token {GITHUB}", "brand", {"secret.api-key"}),
    (f"Usa {STRIPE} para probar", "brand", {"secret.api-key"}),
    (f"slack {SLACK}", "personal", {"secret.api-key"}),
    (f"Authorization: Bearer {JWT}", "brand", {"secret.api-key"}),
    (f"La clave de Maps es {GOOGLE}", "brand", {"secret.api-key"}),
    (f"AWS key {AWS} in prod", "brand", {"secret.api-key"}),
    (f"sendgrid {SENDGRID}", "brand", {"secret.api-key"}),
    (f"bot {TELEGRAM}", "brand", {"secret.api-key"}),
    ("api_key = a8f5f167f44f4964e6c998dee827110c", "brand", {"secret.api-key"}),
    ("Pedido CT-2024-000123456789 enviado, ref 9f8e7d6c5b4a39281706", "brand", set()),
    ("Changelog: fix login (commit 3f2c1a9b8e7d6c5b4a3928170654fedcba987654)", "brand", set()),
    ("#CaféterraNavidad2024ConAmigosYFamilia", "brand", set()),
    ("Lee https://cafeterra.es/blog/nuestro-cafe-de-origen-2024-colombia", "brand", set()),
    # Private keys
    (f"Os paso la clave:\n{PRIVATE_KEY}", "personal", {"secret.private-key"}),
    ("How to generate a private key with ssh-keygen", "brand", set()),
    # One-time codes
    ("Hola Marta, tu código de verificación es 482913.", "brand", {"secret.otp-code"}),
    ("Your 2FA code: 123 456", "personal", {"secret.otp-code"}),
    ("482913 es tu código de acceso", "brand", {"secret.otp-code"}),
    ("OTP: 5521", "brand", {"secret.otp-code"}),
    ("Hemos vendido 482913 cafés este año.", "brand", set()),
    ("Tu código postal 28013 y tu código de descuento VERANO20.", "brand", set()),
    ("Enable 2FA since 2024 is good advice.", "brand", set()),
    ("Nunca compartas tu código de verificación con nadie.", "brand", set()),
]


@pytest.mark.parametrize(("text", "account", "expected"), CASES)
def test_secret_table(check: Check, text: str, account: str, expected: set[str]) -> None:
    assert secret_rules(check(text, account)) == expected


@pytest.mark.parametrize(
    ("text", "rule", "span"),
    [
        ("mi contraseña es hunter2.", "secret.password", "hunter2"),
        ("password: P@ssw0rd!", "secret.password", "P@ssw0rd!"),
        ("your 2FA code: 123 456", "secret.otp-code", "123 456"),
        (f"token {GITHUB} ok", "secret.api-key", GITHUB),
        (f"Bearer {JWT}.", "secret.api-key", JWT),
    ],
)
def test_secret_spans(check: Check, text: str, rule: str, span: str) -> None:
    findings = [f for f in check(text).findings if f.rule == rule]
    assert [text[f.start : f.end] for f in findings] == [span]


def test_secret_findings_show_nothing(check: Check) -> None:
    review = check("mi contraseña es hunter2", lang="es")
    (finding,) = [f for f in review.findings if f.rule == "secret.password"]
    assert finding.snippet == "•••••••"
    assert finding.action == "block"
    assert finding.fix is not None and finding.fix.replacement == "[contraseña eliminada]"
    assert "hunter2" not in finding.message


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
@pytest.mark.parametrize("lang", ["es", "en"])
def test_rule_examples_fire(check: Check, rule: object, lang: str) -> None:
    example = rule.example[lang]  # type: ignore[attr-defined]
    assert rule.id in check(example).rules  # type: ignore[attr-defined]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_scan_never_raises(text: str) -> None:
    detector = build(demo_policy())
    doc = Document(text, "es", frozenset({"es", "en"}))
    for hit in detector.scan(doc, Context()):
        assert 0 <= hit.start < hit.end <= len(text)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="abcXYZ019_-.:/@= \n", min_size=10, max_size=300))
def test_scan_never_raises_on_token_soup(text: str) -> None:
    detector = build(demo_policy())
    doc = Document(text, "en", frozenset({"en"}))
    list(detector.scan(doc, Context()))
