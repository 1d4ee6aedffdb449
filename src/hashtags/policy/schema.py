"""The policy file's schema: one versioned YAML file, written by the company, drives everything.

Only ``organization`` (and usually ``confidential``) is required: every other section has
defaults, and the built-in rule packs apply unless the policy turns them off.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from hashtags.errors import InvalidValue
from hashtags.review.types import Action, Category, Severity

Industry = Literal["general", "finance", "health", "government"]
SUPPORTED_LANGUAGES = ("es", "en", "pt", "fr", "it", "de")
LangCode = Literal["es", "en", "pt", "fr", "it", "de"]
LangOrAny = Literal["es", "en", "pt", "fr", "it", "de", "any"]
Role = Literal[
    "admin",
    "compliance",
    "crisis_response",
    "customer_service",
    "pr",
    "social_engagement",
    "employee",
]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
Validator = Literal["luhn", "iban", "es_dni", "es_nie"]
NonEmptyStr = Annotated[str, Field(min_length=1)]
Localized = dict[LangCode, NonEmptyStr]
RULE_ID_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9][a-z0-9_-]*)+$")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Organization(StrictModel):
    name: NonEmptyStr
    industry: Industry = "general"
    languages: list[LangCode] = Field(default=["es", "en"], min_length=1)
    brands: list[NonEmptyStr] = Field(default_factory=list)
    """Names that mean "us"."""
    handles: list[NonEmptyStr] = Field(default_factory=list)
    domains: list[NonEmptyStr] = Field(default_factory=list)
    """Our own domains: links there are trusted, our addresses there are not personal data."""
    competitors: list[NonEmptyStr] = Field(default_factory=list)
    products: list[NonEmptyStr] = Field(default_factory=list)
    """Product names: an employee praising them on a personal account must disclose."""
    public_figures: list[NonEmptyStr] = Field(default_factory=list)
    """People who may be named in press-style posts (executives, ambassadors)."""
    phones: list[NonEmptyStr] = Field(default_factory=list)
    """Published support numbers: not personal data."""
    addresses: list[NonEmptyStr] = Field(default_factory=list)
    """Published postal addresses (offices, shops): not personal data."""

    @field_validator("domains")
    @classmethod
    def _domains_are_hosts(cls, domains: list[str]) -> list[str]:
        for domain in domains:
            if "/" in domain or " " in domain or "." not in domain:
                raise InvalidValue(
                    "%(domain)r is not a domain name such as 'example.com'", domain=domain
                )
        return [d.lower().removeprefix("www.") for d in domains]

    @field_validator("handles")
    @classmethod
    def _handles_start_with_at(cls, handles: list[str]) -> list[str]:
        for handle in handles:
            if not handle.startswith("@") or len(handle) < 2:
                raise InvalidValue("%(handle)r is not a handle such as '@example'", handle=handle)
        return handles

    @property
    def all_brand_names(self) -> list[str]:
        names = [self.name, *self.brands]
        return list(dict.fromkeys(names))


class Confidential(StrictModel):
    terms: list[NonEmptyStr] = Field(default_factory=list)
    """Code names, unreleased products, anything that must not leave the company."""


class RuleSetting(StrictModel):
    """Per rule id (``pii.email``) or per category (``pii``): turn off or change the action."""

    enabled: bool = True
    severity: Severity | None = None
    action: Action | None = None


class PatternRule(StrictModel):
    """A declarative rule: word lists or regular expressions per language.

    Used by the built-in packs (``detectors/packs/*.yaml``) and by a policy's ``custom_rules``.
    Terms are matched on whole words, ignoring case and accents; a trailing ``*`` matches any
    ending (``estafador*``). Patterns are regular expressions over the text folded to lower
    case without accents. ``requires`` lists words of which one must appear for the patterns to
    be tried (a fast pre-filter); ``unless`` lists patterns that, found anywhere in the text,
    cancel the rule (a standard risk warning, a negation).
    """

    id: NonEmptyStr
    category: Category
    severity: Severity = Severity.MEDIUM
    action: Action = "review"
    title: Localized
    reason: Localized
    advice: Localized = Field(default_factory=dict)
    example: Localized = Field(default_factory=dict)
    terms: dict[LangOrAny, list[NonEmptyStr]] = Field(default_factory=dict)
    patterns: dict[LangOrAny, list[NonEmptyStr]] = Field(default_factory=dict)
    requires: dict[LangOrAny, list[NonEmptyStr]] = Field(default_factory=dict)
    unless: dict[LangOrAny, list[NonEmptyStr]] = Field(default_factory=dict)
    fix: Localized | None = None
    validator: Validator | None = None
    industries: list[Industry] | None = None
    accounts: list[Literal["brand", "personal"]] | None = None

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not RULE_ID_RE.match(value):
            raise InvalidValue(
                "%(id)r is not a rule id: use lower-case words joined by dots, "
                "such as 'custom.black-friday'",
                id=value,
            )
        return value

    @field_validator("patterns", "unless")
    @classmethod
    def _patterns_compile(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for patterns in value.values():
            for pattern in patterns:
                try:
                    regex.compile(pattern)
                except regex.error as exc:
                    raise InvalidValue(
                        "pattern %(pattern)r is not a valid regex: %(problem)s",
                        pattern=pattern,
                        problem=str(exc),
                    ) from exc
        return value

    @model_validator(mode="after")
    def _has_something_to_match(self) -> PatternRule:
        if not self.terms and not self.patterns:
            raise InvalidValue("rule %(id)r needs 'terms' or 'patterns' to match", id=self.id)
        if "en" not in self.title and "es" not in self.title:
            raise InvalidValue("rule %(id)r: 'title' needs at least 'es' or 'en'", id=self.id)
        return self


class Spokespeople(StrictModel):
    """Who may speak for the company: their posts need no "opinions are my own" disclaimer."""

    roles: list[Role] = Field(default=["admin", "pr", "crisis_response", "social_engagement"])
    people: list[NonEmptyStr] = Field(default_factory=list)
    """E-mail addresses of individual authorized spokespeople."""


class AccountPolicy(StrictModel):
    """A brand account and the roles that may publish on it."""

    id: NonEmptyStr
    network: Literal["sandbox", "mastodon", "bluesky", "x", "linkedin", "instagram", "facebook"]
    handle: NonEmptyStr
    publishers: list[Role] = Field(default=["admin", "pr", "social_engagement"])
    approval: Literal["always", "when_flagged", "never"] = "when_flagged"
    """``always``: every post needs approval; ``when_flagged``: only ``review`` verdicts."""


class ConflictRole(StrictModel):
    """A role of the conflict plan: what it handles and who holds it."""

    people: list[NonEmptyStr] = Field(default_factory=list)
    """E-mail addresses of the people who hold the role."""
    handles: list[NonEmptyStr] = Field(default_factory=list)
    """Accounts of the role (e.g. the support account complaints are sent to)."""
    description: Localized = Field(default_factory=dict)
    """What this role takes care of, in the policy document: free text per language."""


class ApprovalStep(StrictModel):
    """One step of a chain, as a policy would write it::

    approvals:
      chain:
        - {mode: all, roles: [compliance, pr]}
        - {mode: any, people: [lucia.ortega@cafeterra.es]}
    """

    mode: Literal["any", "all"] = "any"
    roles: list[Role] = Field(default_factory=list)
    people: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _someone(self) -> ApprovalStep:
        if not self.roles and not self.people:
            raise InvalidValue("an approval step needs 'roles' or 'people'")
        for person in self.people:
            if "@" not in person:
                raise InvalidValue("%(person)r is not an e-mail address", person=person)
        return self

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "roles": list(self.roles),
            "people": [p.strip().lower() for p in self.people],
        }


class Approvals(StrictModel):
    expire_after_hours: int = Field(default=24, ge=1, le=24 * 30)
    escalate_to: Role = "compliance"
    chain: list[ApprovalStep] = Field(default_factory=list)
    """The steps a post needing approval goes through; empty: one step, any of compliance or
    PR (compliance then PR in regulated industries)."""


class Security(StrictModel):
    two_factor_roles: list[Role] = Field(default=["admin", "compliance", "crisis_response", "pr"])
    password_min_length: int = Field(default=12, ge=8, le=128)
    breach_contact: str | None = None
    """Who to call when an account is compromised (e-mail or phone)."""


class Limits(StrictModel):
    max_chars: int = Field(default=20_000, ge=280, le=200_000)
    """Texts longer than this are refused with a clear error instead of being reviewed."""


class DocumentTexts(StrictModel):
    """Free-text parts of the rendered policy document, per language."""

    brand_voice: Localized = Field(default_factory=dict)
    etiquette: Localized = Field(default_factory=dict)
    consequences: Localized = Field(default_factory=dict)


class Policy(StrictModel):
    """A company's social media policy. See docs/policy-reference.md for every key."""

    version: str = "1"
    organization: Organization
    confidential: Confidential = Field(default_factory=Confidential)
    rules: dict[NonEmptyStr, RuleSetting] = Field(default_factory=dict)
    custom_rules: list[PatternRule] = Field(default_factory=list)
    spokespeople: Spokespeople = Field(default_factory=Spokespeople)
    accounts: list[AccountPolicy] = Field(default_factory=list)
    roles: dict[Role, ConflictRole] = Field(default_factory=dict)
    approvals: Approvals = Field(default_factory=Approvals)
    security: Security = Field(default_factory=Security)
    disclaimers: dict[LangCode, list[NonEmptyStr]] = Field(default_factory=dict)
    """Extra phrases accepted as "opinions are my own", besides the built-in ones."""
    disclosures: dict[LangCode, list[NonEmptyStr]] = Field(default_factory=dict)
    """Extra tags accepted as advertising disclosure, besides #ad, #publi, #empleado..."""
    document: DocumentTexts = Field(default_factory=DocumentTexts)
    limits: Limits = Field(default_factory=Limits)

    @field_validator("version", mode="before")
    @classmethod
    def _version_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="after")
    def _custom_rule_ids_unique(self) -> Policy:
        seen: set[str] = set()
        for rule in self.custom_rules:
            if rule.id in seen:
                raise InvalidValue("custom rule id %(id)r is used twice", id=rule.id)
            seen.add(rule.id)
        return self

    def setting_for(self, rule_id: str, category: str) -> RuleSetting | None:
        """The most specific setting: the rule's own, else its category's."""
        return self.rules.get(rule_id) or self.rules.get(category)
