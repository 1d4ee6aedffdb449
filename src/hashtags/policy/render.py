"""The policy document employees read, generated from the same file the software enforces.

The document is built once as a list of blocks, then written as Markdown or HTML, so both
formats always say the same thing. Every enforced rule appears in its section with its reason,
an example and what happens when a post breaks it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hashtags.policy.schema import Policy
from hashtags.review.detector import Rule, format_text, localize
from hashtags.review.types import Action, Category

Format = Literal["md", "html"]


@dataclass(frozen=True, slots=True)
class _Heading:
    level: int
    text: str


@dataclass(frozen=True, slots=True)
class _Para:
    text: str


@dataclass(frozen=True, slots=True)
class _List:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _RuleBlock:
    rule: Rule
    action: Action
    lang: str
    org: str


_Block = _Heading | _Para | _List | _RuleBlock

SECTIONS = ("speaking", "conflicts", "personal", "legal", "security")
_SECTION_OF: dict[Category, tuple[str, str]] = {
    Category.CONFIDENTIAL: ("speaking", "confidentiality"),
    Category.TOXICITY: ("speaking", "etiquette"),
    Category.DISPARAGEMENT: ("personal", ""),
    Category.DISCLOSURE: ("personal", ""),
    Category.DISCLAIMER: ("personal", ""),
    Category.PII: ("legal", ""),
    Category.ATTRIBUTION: ("legal", ""),
    Category.REGULATORY: ("legal", ""),
    Category.ILLEGAL: ("legal", ""),
    Category.SECRET: ("security", ""),
    Category.SECURITY: ("security", ""),
}

T: dict[str, dict[str, str]] = {
    "title": {"es": "Política de redes sociales de {org}", "en": "{org} social media policy"},
    "intro": {
        "es": "Esta política dice quién puede hablar en nombre de {org} en redes sociales, cómo "
        "gestionamos los conflictos y qué cuidamos en las cuentas personales. HASHTAGS revisa "
        "cada texto contra estas mismas reglas antes de publicarlo. Versión {version}.",
        "en": "This policy says who may speak for {org} on social media, how we handle "
        "conflicts and what we look after on personal accounts. HASHTAGS reviews every text "
        "against these same rules before it is published. Version {version}.",
    },
    "speaking": {"es": "1. Quién habla por la empresa", "en": "1. Who may speak for the company"},
    "brand": {"es": "Guía de marca", "en": "Brand guidelines"},
    "brand_default": {
        "es": "Las cuentas de {org} hablan con un tono cercano, claro y respetuoso. Publican "
        "solo las personas con un rol autorizado en cada cuenta.",
        "en": "{org}'s accounts speak in a warm, clear and respectful tone. Only people with an "
        "authorized role on each account publish there.",
    },
    "spokes": {
        "es": "Portavoces autorizados (roles): {roles}.",
        "en": "Authorized spokespeople (roles): {roles}.",
    },
    "account_line": {
        "es": "{handle} ({network}): publican {roles}; aprobación: {approval}.",
        "en": "{handle} ({network}): published by {roles}; approval: {approval}.",
    },
    "employees_no": {
        "es": "Los empleados sin rol autorizado no publican en cuentas de marca ni responden a "
        "quejas dirigidas a la empresa: las pasan a atención al cliente.",
        "en": "Employees without an authorized role do not publish on brand accounts nor answer "
        "complaints aimed at the company: they pass them to customer service.",
    },
    "etiquette": {"es": "Netiqueta", "en": "Etiquette"},
    "etiquette_default": {
        "es": "Respeto siempre: ni insultos, ni acoso, ni odio, ni amenazas, ni palabrotas "
        "dirigidas a nadie.",
        "en": "Respect always: no insults, harassment, hate, threats or profanity aimed at anyone.",
    },
    "confidentiality": {"es": "Confidencialidad", "en": "Confidentiality"},
    "confidential_terms": {
        "es": "Nombres confidenciales que no se publican: {terms}.",
        "en": "Confidential names that are never published: {terms}.",
    },
    "consequences": {"es": "Consecuencias", "en": "Consequences"},
    "consequences_default": {
        "es": "HASHTAGS bloquea o envía a aprobación lo que incumple esta política. Saltarse la "
        "política a sabiendas puede acarrear medidas disciplinarias según el convenio.",
        "en": "HASHTAGS blocks or sends for approval what breaks this policy. Knowingly "
        "bypassing the policy may lead to disciplinary action under company rules.",
    },
    "conflicts": {"es": "2. Gestión de conflictos y crisis", "en": "2. Handling conflicts"},
    "conflicts_intro": {
        "es": "Los comentarios y menciones se clasifican y se envían a las personas formadas "
        "para ello. Las respuestas preaprobadas reconocen la inquietud y la dirigen a quien "
        "corresponde. En una crisis se congelan las publicaciones programadas.",
        "en": "Comments and mentions are triaged and routed to the people trained for them. "
        "Pre-approved replies acknowledge the concern and send it to the right person. In a "
        "crisis, scheduled posts are frozen.",
    },
    "approvals": {
        "es": "Las aprobaciones pendientes caducan a las {hours} h y se escalan a: {role}.",
        "en": "Pending approvals expire after {hours} h and escalate to: {role}.",
    },
    "personal": {"es": "3. Cuentas personales", "en": "3. Personal accounts"},
    "personal_intro": {
        "es": "En tu cuenta personal: comprueba los datos antes de compartirlos, respeta los "
        "derechos de autor, no desprestigies a la marca ni a otras empresas, di que tus "
        "opiniones son tuyas y avisa cuando promociones a tu empresa.",
        "en": "On your personal account: check your facts before sharing, respect copyright, "
        "don't disparage the brand or other companies, say that your opinions are your own "
        "and disclose when you promote your employer.",
    },
    "legal": {"es": "4. Riesgos legales", "en": "4. Legal risks"},
    "legal_intro": {
        "es": "Cita las fuentes, protege los datos de clientes y la información confidencial, "
        "añade los avisos necesarios y cumple las normas del sector ({industry}).",
        "en": "Credit your sources, keep customer data and confidential information private, "
        "add the disclaimers needed and follow the rules of the industry ({industry}).",
    },
    "security": {"es": "5. Seguridad", "en": "5. Security"},
    "security_intro": {
        "es": "Contraseñas de al menos {length} caracteres, distintas en cada cuenta. "
        "Verificación en dos pasos obligatoria para: {roles}, y recomendada en las cuentas "
        "personales. Desconfía de enlaces y mensajes que piden contraseñas o códigos.",
        "en": "Passwords of at least {length} characters, different for every account. "
        "Two-factor authentication is required for: {roles}, and recommended on personal "
        "accounts. Distrust links and messages that ask for passwords or codes.",
    },
    "breach": {
        "es": "Si una cuenta se ve comprometida: cambia la contraseña, cierra las sesiones, "
        "avisa a {contact} y no borres nada: se conserva como prueba.",
        "en": "If an account is compromised: change the password, sign out every session, "
        "tell {contact} and delete nothing: it is kept as evidence.",
    },
    "breach_contact_default": {"es": "el equipo de seguridad", "en": "the security team"},
    "rules_heading": {"es": "Reglas que se aplican", "en": "Rules enforced"},
    "example": {"es": "Ejemplo", "en": "Example"},
    "why": {"es": "Por qué", "en": "Why"},
    "fix": {"es": "Qué hacer", "en": "What to do"},
    "outcome": {"es": "Si se incumple", "en": "If broken"},
    "none": {"es": "ninguno", "en": "none"},
}
_ACTION_TEXT: dict[str, dict[str, str]] = {
    "block": {"es": "se bloquea la publicación", "en": "the post is blocked"},
    "review": {"es": "necesita aprobación", "en": "it needs approval"},
    "warn": {"es": "aviso al autor", "en": "the author is warned"},
}
_APPROVAL_TEXT: dict[str, dict[str, str]] = {
    "always": {"es": "siempre", "en": "always"},
    "when_flagged": {"es": "cuando la revisión lo pide", "en": "when the review asks for it"},
    "never": {"es": "no", "en": "none"},
}
ROLE_NAMES: dict[str, dict[str, str]] = {
    "admin": {"es": "administración", "en": "administration"},
    "compliance": {"es": "aprobación de mensajes (cumplimiento)", "en": "message approval"},
    "crisis_response": {"es": "respuesta a crisis", "en": "crisis response"},
    "customer_service": {"es": "atención al cliente", "en": "customer service"},
    "pr": {"es": "relaciones públicas", "en": "PR"},
    "social_engagement": {"es": "interacción social", "en": "social engagement"},
    "employee": {"es": "empleado", "en": "employee"},
}
_ROLE_DUTY: dict[str, dict[str, str]] = {
    "crisis_response": {
        "es": "Decide y coordina la respuesta en una crisis; puede congelar las publicaciones.",
        "en": "Decides and coordinates the response in a crisis; may freeze publishing.",
    },
    "compliance": {
        "es": "Aprueba los mensajes que la revisión marca y los de sectores regulados.",
        "en": "Approves the messages the review flags and those of regulated industries.",
    },
    "customer_service": {
        "es": "Responde a quejas y consultas de clientes con las respuestas preaprobadas.",
        "en": "Answers customer complaints and questions with the pre-approved replies.",
    },
    "pr": {
        "es": "Habla con medios y fija la posición oficial.",
        "en": "Speaks to the press and sets the official position.",
    },
    "social_engagement": {
        "es": "Conversa con la comunidad en las cuentas de marca.",
        "en": "Talks with the community on the brand accounts.",
    },
}
_INDUSTRY: dict[str, dict[str, str]] = {
    "general": {"es": "general", "en": "general"},
    "finance": {"es": "finanzas", "en": "finance"},
    "health": {"es": "salud", "en": "health"},
    "government": {"es": "administración pública", "en": "government"},
}


def render_policy(policy: Policy, *, lang: str = "es", fmt: Format = "md") -> str:
    """The policy document in ``lang`` as Markdown (``md``) or a standalone HTML page."""
    from hashtags.review.engine import Engine

    engine = Engine(policy)
    blocks = list(_document(policy, engine.effective_rules(), lang))
    if fmt == "html":
        return _to_html(blocks, lang, _t("title", lang, org=policy.organization.name))
    return _to_md(blocks)


def _t(key: str, lang: str, **params: str) -> str:
    return localize(T[key], lang).format(**params)


def _document(policy: Policy, rules: Iterable[tuple[Rule, Action]], lang: str) -> Iterable[_Block]:
    org = policy.organization
    by_place: dict[tuple[str, str], list[tuple[Rule, Action]]] = {}
    for rule, action in rules:
        by_place.setdefault(_SECTION_OF[rule.category], []).append((rule, action))

    def rule_blocks(section: str, sub: str = "") -> Iterable[_Block]:
        entries = sorted(by_place.get((section, sub), []), key=lambda e: e[0].id)
        if entries:
            yield _Heading(4 if sub else 3, _t("rules_heading", lang))
        for rule, action in entries:
            yield _RuleBlock(rule, action, lang, org.name)

    def text_or(value: Mapping[Any, str], default_key: str) -> str:
        return localize(value, lang) if value else _t(default_key, lang, org=org.name)

    def roles(names: Iterable[str]) -> str:
        return ", ".join(localize(ROLE_NAMES[r], lang) for r in names)

    yield _Heading(1, _t("title", lang, org=org.name))
    yield _Para(_t("intro", lang, org=org.name, version=policy.version))

    yield _Heading(2, _t("speaking", lang))
    yield _Heading(3, _t("brand", lang))
    yield _Para(text_or(policy.document.brand_voice, "brand_default"))
    yield _Para(_t("spokes", lang, roles=roles(policy.spokespeople.roles)))
    if policy.accounts:
        yield _List(
            tuple(
                _t(
                    "account_line",
                    lang,
                    handle=a.handle,
                    network=a.network,
                    roles=roles(a.publishers),
                    approval=localize(_APPROVAL_TEXT[a.approval], lang),
                )
                for a in policy.accounts
            )
        )
    yield _Para(_t("employees_no", lang))
    yield _Heading(3, _t("etiquette", lang))
    yield _Para(text_or(policy.document.etiquette, "etiquette_default"))
    yield from rule_blocks("speaking", "etiquette")
    yield _Heading(3, _t("confidentiality", lang))
    if policy.confidential.terms:
        yield _Para(_t("confidential_terms", lang, terms=", ".join(policy.confidential.terms)))
    yield from rule_blocks("speaking", "confidentiality")
    yield _Heading(3, _t("consequences", lang))
    yield _Para(text_or(policy.document.consequences, "consequences_default"))

    yield _Heading(2, _t("conflicts", lang))
    yield _Para(_t("conflicts_intro", lang))
    items = []
    for role in ("crisis_response", "compliance", "customer_service", "pr", "social_engagement"):
        conf = policy.roles.get(role)
        duty = localize(conf.description, lang) if conf and conf.description else ""
        duty = duty or localize(_ROLE_DUTY[role], lang)
        people = ", ".join(conf.people) if conf and conf.people else _t("none", lang)
        items.append(f"{localize(ROLE_NAMES[role], lang)}: {duty} ({people})")
    yield _List(tuple(items))
    yield _Para(
        _t(
            "approvals",
            lang,
            hours=str(policy.approvals.expire_after_hours),
            role=localize(ROLE_NAMES[policy.approvals.escalate_to], lang),
        )
    )

    yield _Heading(2, _t("personal", lang))
    yield _Para(_t("personal_intro", lang))
    yield from rule_blocks("personal")

    yield _Heading(2, _t("legal", lang))
    yield _Para(_t("legal_intro", lang, industry=localize(_INDUSTRY[org.industry], lang)))
    yield from rule_blocks("legal")

    yield _Heading(2, _t("security", lang))
    yield _Para(
        _t(
            "security_intro",
            lang,
            length=str(policy.security.password_min_length),
            roles=roles(policy.security.two_factor_roles) or _t("none", lang),
        )
    )
    contact = policy.security.breach_contact or _t("breach_contact_default", lang)
    yield _Para(_t("breach", lang, contact=contact))
    yield from rule_blocks("security")


def _rule_parts(block: _RuleBlock) -> tuple[str, list[tuple[str, str]]]:
    rule, lang = block.rule, block.lang
    params = {"org": block.org, "rule": rule.id}

    def text(value: Mapping[Any, str]) -> str:
        # The same placeholders a finding's message fills in (review.engine): {org}, {rule}.
        return format_text(localize(value, lang), params)

    title = text(rule.title)
    parts = [(_t("why", lang), text(rule.reason))]
    advice = text(rule.advice)
    if advice:
        parts.append((_t("fix", lang), advice))
    example = text(rule.example)
    if example:
        parts.append((_t("example", lang), example))
    parts.append((_t("outcome", lang), localize(_ACTION_TEXT[block.action], lang)))
    return title, parts


def _to_md(blocks: list[_Block]) -> str:
    out: list[str] = []
    for block in blocks:
        if isinstance(block, _Heading):
            out.append("#" * block.level + " " + block.text)
        elif isinstance(block, _Para):
            out.append(block.text)
        elif isinstance(block, _List):
            out.append("\n".join(f"- {item}" for item in block.items))
        else:
            title, parts = _rule_parts(block)
            lines = [f"- **{title}** (`{block.rule.id}`)"]
            lines += [f"  - *{label}:* {value}" for label, value in parts]
            out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _to_html(blocks: list[_Block], lang: str, title: str) -> str:
    e = html.escape
    body: list[str] = []
    for block in blocks:
        if isinstance(block, _Heading):
            body.append(f"<h{block.level}>{e(block.text)}</h{block.level}>")
        elif isinstance(block, _Para):
            body.append(f"<p>{e(block.text)}</p>")
        elif isinstance(block, _List):
            body.append("<ul>" + "".join(f"<li>{e(i)}</li>" for i in block.items) + "</ul>")
        else:
            rule_title, parts = _rule_parts(block)
            rows = "".join(f"<dt>{e(label)}</dt><dd>{e(value)}</dd>" for label, value in parts)
            body.append(
                f'<section class="rule" id="{e(block.rule.id)}"><h5>{e(rule_title)} '
                f"<code>{e(block.rule.id)}</code></h5><dl>{rows}</dl></section>"
            )
    style = (
        "body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;"
        "line-height:1.5;color:#1a1a1a}h5{font-size:1rem;margin:1rem 0 .25rem}"
        "dt{font-weight:600}dd{margin:0 0 .4rem 1rem}code{background:#f2f2f2;padding:0 .2rem}"
    )
    return (
        f'<!doctype html>\n<html lang="{e(lang)}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{style}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
