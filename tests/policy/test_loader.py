"""The policy file: minimal policies work, and every mistake is reported with file and line."""

from __future__ import annotations

from importlib import resources

import pytest

from hashtags.policy import PolicyError, load_policy, parse_policy
from hashtags.review.engine import Engine

MINIMAL = """\
organization:
  name: Caféterra                 # any Unicode
  industry: general
  languages: [es, en]
  brands: [Caféterra, Cafeterra]
  handles: ["@cafeterra"]
  domains: [cafeterra.es]
  competitors: [Café Dolce]
confidential:
  terms: [Proyecto Tucán]
"""


def test_minimal_policy_gets_the_builtin_packs() -> None:
    policy = parse_policy(MINIMAL)
    engine = Engine(policy)
    categories = {str(rule.category) for rule, _ in engine.effective_rules()}
    assert "confidential" in categories
    review = engine.review("El proyecto tucan sale en mayo")
    assert "confidential.policy-term" in review.rules
    assert review.verdict == "block"


def test_starter_policy_is_valid() -> None:
    text = (resources.files("hashtags.policy") / "starter.yaml").read_text("utf-8")
    policy = parse_policy(text, source="starter.yaml")
    assert policy.organization.name == "Example Company"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            MINIMAL.replace("industry: general", "industry: banking"),
            "policy.yaml:3: organization.industry: 'banking' is not one of general, "
            "finance, health, government",
        ),
        (
            MINIMAL.replace("  name: Caféterra                 # any Unicode\n", ""),
            "policy.yaml:2: organization.name: is required but missing",
        ),
        (
            MINIMAL + "colour: red\n",
            "policy.yaml:11: colour: unknown key 'colour'; expected one of version, organization,",
        ),
        (
            MINIMAL.replace("languages: [es, en]", "languages: [es, klingon]"),
            "policy.yaml:4: organization.languages.1: 'klingon' is not one of es, en, pt, "
            "fr, it, de",
        ),
        (
            MINIMAL.replace("domains: [cafeterra.es]", "domains: [https://cafeterra.es/]"),
            "policy.yaml:7: organization.domains: 'https://cafeterra.es/' is not a domain",
        ),
        (
            MINIMAL.replace('handles: ["@cafeterra"]', "handles: 5"),
            "policy.yaml:6: organization.handles: expected a list, found a number",
        ),
        (
            MINIMAL + "rules:\n  pii.emial: {enabled: false}\n",
            "policy.yaml:12: rules.pii.emial: not a rule id or category",
        ),
        (
            MINIMAL + "rules:\n  pii: {action: delete}\n",
            "policy.yaml:12: rules.pii.action: 'delete' is not one of warn, review, block",
        ),
        (
            MINIMAL + "custom_rules:\n  - id: custom.x\n    category: pii\n"
            "    title: {en: X}\n    reason: {en: Y}\n    patterns: {en: ['(unclosed']}\n",
            "policy.yaml:16: custom_rules.0.patterns: pattern '(unclosed' is not a valid regex",
        ),
        ("organization: [\n", "policy.yaml:2: invalid YAML"),
        ("", "policy.yaml: the file is empty"),
        ("- a\n- b\n", "policy.yaml:1: expected a mapping of keys, found a list"),
    ],
)
def test_errors_say_where_and_what(text: str, expected: str) -> None:
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    assert expected in str(info.value)


def test_all_problems_reported_at_once() -> None:
    text = MINIMAL.replace("industry: general", "industry: banking") + "colour: red\n"
    with pytest.raises(PolicyError) as info:
        parse_policy(text)
    assert len(info.value.problems) == 2
    assert [p.line for p in info.value.problems] == [3, 11]


def test_load_policy_reports_missing_and_binary_files(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyError, match="file not found"):
        load_policy(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe\x00organization")
    with pytest.raises(PolicyError, match="not UTF-8"):
        load_policy(bad)
    with pytest.raises(PolicyError, match="is a folder"):
        load_policy(tmp_path)


def test_rule_settings_disable_and_change_actions() -> None:
    policy = parse_policy(MINIMAL + "rules:\n  confidential.policy-term: {action: warn}\n")
    review = Engine(policy).review("Proyecto Tucán")
    assert [(f.rule, f.action) for f in review.findings] == [("confidential.policy-term", "warn")]
    assert review.verdict == "warn"
    off = parse_policy(MINIMAL + "rules:\n  confidential: {enabled: false}\n")
    assert "confidential.policy-term" not in Engine(off).review("Proyecto Tucán").rules


def test_custom_rules_match_terms_and_patterns_per_language() -> None:
    policy = parse_policy(
        MINIMAL
        + """custom_rules:
  - id: custom.black-friday
    category: confidential
    action: review
    title: {es: Campaña sin anunciar, en: Unannounced campaign}
    reason: {es: Se anuncia desde las cuentas oficiales., en: Official accounts announce it.}
    terms: {es: ["ofertas de black friday"], en: ["black friday deal*"]}
    patterns: {any: ['\\b\\d{1,2}\\s?% de descuento\\b']}
"""
    )
    engine = Engine(policy)
    es = engine.review("Las OFERTAS de Black Friday llegan el lunes con un 30% de descuento")
    assert [(f.rule, f.snippet) for f in es.findings] == [
        ("custom.black-friday", "OFERTAS de Black Friday"),
        ("custom.black-friday", "30% de descuento"),
    ]
    assert "Campaña sin anunciar" in es.findings[0].message
    en = engine.review("Our Black Friday deals are coming to the shop this week")
    assert en.findings[0].snippet == "Black Friday deals"
    assert "Unannounced campaign" in en.findings[0].message


def test_reference_documents_every_key() -> None:
    from pathlib import Path

    from hashtags.policy.schema import Organization, PatternRule, Policy

    reference = (Path(__file__).parents[2] / "docs" / "policy-reference.md").read_text("utf-8")
    for model in (Policy, Organization, PatternRule):
        for key in model.model_fields:
            assert f"`{key}`" in reference, f"docs/policy-reference.md does not mention {key}"
