"""Every rule the engine can report is documented in both languages and caught by its example."""

from __future__ import annotations

import pytest

from hashtags.policy.render import render_policy
from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Category, Context

ENGINE = Engine(demo_policy())
RULES = sorted(ENGINE.catalog.values(), key=lambda r: r.id)


def test_the_catalog_covers_every_category() -> None:
    assert {r.category for r in RULES} == set(Category)


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_is_documented_in_spanish_and_english(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.id.startswith(str(rule.category) + ".") or rule.id.startswith("custom.")
    for field in ("title", "reason"):
        texts = getattr(rule, field)
        assert texts.get("es") and texts.get("en"), f"{rule.id}: {field} needs es and en"
    if not rule.id.startswith("custom."):
        assert rule.example.get("es") and rule.example.get("en"), f"{rule.id}: example es/en"
        assert rule.advice.get("es") and rule.advice.get("en"), f"{rule.id}: advice es/en"


EXAMPLES = [
    (rule.id, lang, rule.example[lang])
    for rule in RULES
    for lang in ("es", "en")
    if rule.example.get(lang)
]


@pytest.mark.parametrize(("rule_id", "lang", "example"), EXAMPLES)
def test_rule_example_triggers_the_rule(rule_id: str, lang: str, example: str) -> None:
    example = example.strip('«»"“”')
    fired = set()
    for account in ("brand", "personal"):
        context = Context(account=account, lang=lang, author="employee")  # type: ignore[arg-type]
        fired |= ENGINE.review_with_models(example, context).rules
    assert rule_id in fired, f"{rule_id} example ({lang}) {example!r} fired only {sorted(fired)}"


@pytest.mark.parametrize("lang", ["es", "en"])
def test_rendered_policy_lists_every_enforced_rule(lang: str) -> None:
    document = render_policy(demo_policy(), lang=lang, fmt="md")
    for rule, _ in ENGINE.effective_rules():
        assert f"`{rule.id}`" in document
    headings = {
        "es": [
            "1. Quién habla por la empresa",
            "2. Gestión de conflictos",
            "3. Cuentas personales",
            "4. Riesgos legales",
            "5. Seguridad",
            "Confidencialidad",
            "Consecuencias",
        ],
        "en": [
            "1. Who may speak for the company",
            "2. Handling conflicts",
            "3. Personal accounts",
            "4. Legal risks",
            "5. Security",
            "Confidentiality",
            "Consequences",
        ],
    }[lang]
    for heading in headings:
        assert heading in document
    # Rules' texts name the company through a placeholder; the document fills it in.
    assert "{org}" not in document
    assert {"es": "la política de Caféterra", "en": "Caféterra's policy"}[lang] in document


def test_rendered_html_escapes_policy_text() -> None:
    policy = demo_policy().model_copy(
        update={
            "organization": demo_policy().organization.model_copy(update={"name": "<b>A&B</b>"})
        }
    )
    page = render_policy(policy, lang="en", fmt="html")
    assert "&lt;b&gt;A&amp;B&lt;/b&gt;" in page
    assert "<b>A&B</b>" not in page
    assert 'id="confidential.policy-term"' in page


def test_disabled_rules_leave_the_document() -> None:
    from hashtags.policy.schema import RuleSetting

    policy = demo_policy().model_copy(
        update={"rules": {"confidential.policy-term": RuleSetting(enabled=False)}}
    )
    assert "`confidential.policy-term`" not in render_policy(policy, lang="en")
