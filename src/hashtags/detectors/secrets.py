"""Secrets: passwords, API keys and tokens, private keys, one-time and two-factor codes.

Token formats come from detect-secrets (``detect_secrets.plugins.*``): the class-level
``denylist`` regexes of its plugins (AWS, Azure, GitHub, GitLab, Slack, Stripe, Discord,
Telegram, Twilio, SendGrid, OpenAI, npm, PyPI, JWT, Square, Mailchimp, private keys) are
compiled into one alternation that runs only when the text holds a word long enough to be a
token. Formats detect-secrets does not know (Google API keys, OpenAI project keys) are added
next to them. Passwords and codes are found by their wording ("mi contraseña es...", "your
2FA code: 123 456"), in Spanish and English.

A finding's span covers the secret itself, never the words around it, so the suggested fix
replaces just the secret.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from hashtags.policy.schema import Policy
from hashtags.review.detector import Hit, Localized, Rule
from hashtags.review.text import Document
from hashtags.review.types import Category, Context, Severity

RULES: tuple[Rule, ...] = (
    Rule(
        id="secret.password",
        category=Category.SECRET,
        severity=Severity.CRITICAL,
        action="block",
        title={"es": "Contraseña publicada", "en": "Password in the text"},
        reason={
            "es": "Una contraseña publicada deja de ser secreta: cualquiera puede entrar en la "
            "cuenta. La política de seguridad de {org} prohíbe compartir credenciales.",
            "en": "A published password is no longer secret: anyone can log into the account. "
            "{org}'s security policy forbids sharing credentials.",
        },
        advice={
            "es": "Quítala y cámbiala ya: da por hecho que alguien la ha visto.",
            "en": "Remove it and change it now: assume someone has seen it.",
        },
        example={
            "es": "Para el wifi de la tienda, la contraseña es Cafe2024!",
            "en": "For the shop's wifi, the password is Cafe2024!",
        },
    ),
    Rule(
        id="secret.api-key",
        category=Category.SECRET,
        severity=Severity.CRITICAL,
        action="block",
        title={"es": "Clave de API o token de acceso", "en": "API key or access token"},
        reason={
            "es": "Una clave de API da acceso a los sistemas y servicios de pago de {org}; "
            "publicada, la usan bots en minutos.",
            "en": "An API key grants access to {org}'s systems and paid services; once "
            "published, bots use it within minutes.",
        },
        advice={
            "es": "Quita la clave y pide a sistemas que la revoque.",
            "en": "Remove the key and ask IT to revoke it.",
        },
        example={
            "es": "Probad la integración con la clave AKIAIOSFODNN7EXAMPLE.",
            "en": "Try the integration with key 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.",
        },
    ),
    Rule(
        id="secret.private-key",
        category=Category.SECRET,
        severity=Severity.CRITICAL,
        action="block",
        title={"es": "Clave privada", "en": "Private key"},
        reason={
            "es": "Una clave privada permite suplantar los servidores o firmas de {org}.",
            "en": "A private key lets anyone impersonate {org}'s servers or signatures.",
        },
        advice={
            "es": "Quita la clave y pide a sistemas que la sustituya.",
            "en": "Remove the key and ask IT to replace it.",
        },
        example={
            "es": "Os paso la clave: -----BEGIN RSA PRIVATE KEY----- MIIEowIBAAKCAQEA",
            "en": "Here is the key: -----BEGIN RSA PRIVATE KEY----- MIIEowIBAAKCAQEA",
        },
    ),
    Rule(
        id="secret.otp-code",
        category=Category.SECRET,
        severity=Severity.HIGH,
        action="block",
        title={"es": "Código de verificación", "en": "Verification code"},
        reason={
            "es": "Un código de un solo uso o de doble factor da acceso a una cuenta; pedirlo o "
            "publicarlo es la técnica habitual de las estafas.",
            "en": "A one-time or two-factor code grants access to an account; asking for it or "
            "posting it is the usual trick of scams.",
        },
        advice={
            "es": "Quita el código. {org} nunca pide códigos por redes sociales.",
            "en": "Remove the code. {org} never asks for codes on social media.",
        },
        example={
            "es": "Hola Marta, tu código de verificación es 482913.",
            "en": "Hi Tom, your 2FA code: 123 456.",
        },
    ),
)

_FIX: dict[str, Localized] = {
    "secret.password": {"es": "[contraseña eliminada]", "en": "[password removed]"},
    "secret.api-key": {"es": "[clave eliminada]", "en": "[key removed]"},
    "secret.private-key": {"es": "[clave privada eliminada]", "en": "[private key removed]"},
    "secret.otp-code": {"es": "[código eliminado]", "en": "[code removed]"},
}

# --- Token formats: detect-secrets plugins -----------------------------------------------

# plugin module: class. Plugins left out: keyword and high-entropy (code-oriented, noisy on
# prose), public IP (personal data, see the ``pii`` detector), Artifactory ("AP" + 8
# letters also spells product codes) and the IBM/Cloudant/SoftLayer ones (variable names).
_PLUGINS = {
    "aws": "AWSKeyDetector",
    "azure_storage_key": "AzureStorageKeyDetector",
    "basic_auth": "BasicAuthDetector",
    "discord": "DiscordBotTokenDetector",
    "github_token": "GitHubTokenDetector",
    "gitlab_token": "GitLabTokenDetector",
    "jwt": "JwtTokenDetector",
    "mailchimp": "MailchimpDetector",
    "npm": "NpmDetector",
    "openai": "OpenAIDetector",
    "pypi_token": "PypiTokenDetector",
    "sendgrid": "SendGridDetector",
    "slack": "SlackDetector",
    "square_oauth": "SquareOAuthDetector",
    "stripe": "StripeDetector",
    "telegram_token": "TelegramBotTokenDetector",
    "twilio": "TwilioKeyDetector",
}
# Plugins whose first group is the secret itself, not a prefix: the password in
# "https://user:PASSWORD@host", the key in aws_secret = "KEY", the npm token.
_SECRET_IN_GROUP = frozenset({"basic_auth", "npm"})
# Formats detect-secrets does not ship.
_EXTRA = {
    "google_api_key": r"\bAIza[0-9A-Za-z_\-]{35}(?![\w\-])",
    "openai_project_key": r"\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{20,200}",
    "huggingface_token": r"\bhf_[A-Za-z]{34}\b",
}

# Literal pieces of the token formats above (case-sensitive): a long word holding none of
# them is not searched. Discord and Telegram tokens have no literal part; their shapes are
# tested apart (two dots, a colon).
_TOKEN_LITERALS = (
    "AKIA ASIA ABIA ACCA A3T AccountKey= ghp_ gho_ ghu_ ghs_ ghr_ glpat- gldt- glft- "
    "glsoat- glrt- GR1348941 glcbt- glimt- glptt- glagent- gloas- eyJ -us _authToken T3BlbkFJ "
    "pypi- SG. xox hooks.slack.com sq0 EAAA k_live_ AIza sk- hf_"
)

_PRIVATE_KEY = re.compile(
    r"-----BEGIN[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----"
    r"(?:[\s\S]{0,12000}?-----END[A-Z ]{0,30}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s]{0,4000})"
    r"|PuTTY-User-Key-File-\d: [^\n]{1,200}"
)


@dataclass(frozen=True, slots=True)
class _Tokens:
    combined: re.Pattern[str]
    """One alternation of every token format, one named group per pattern."""
    by_group: dict[str, tuple[str, re.Pattern[str]]]
    """Group name -> (plugin, its own compiled pattern, to read the secret's group)."""
    private_key_markers: tuple[re.Pattern[str], ...]
    keyword_names: tuple[str, ...]
    literals: Any
    """An Aho-Corasick automaton of ``_TOKEN_LITERALS``."""


@cache
def _tokens() -> _Tokens:
    """Import the detect-secrets plugins (a third of a second) once per process."""
    parts: list[str] = []
    by_group: dict[str, tuple[str, re.Pattern[str]]] = {}
    for module_name, class_name in _PLUGINS.items():
        plugin = getattr(import_module(f"detect_secrets.plugins.{module_name}"), class_name)
        for index, pattern in enumerate(plugin.denylist):
            if module_name == "aws" and index > 0:
                # "aws ... key ... '<40 characters>'" reads variable names across a line of
                # code; in prose it only adds cost.
                continue
            name = f"p_{module_name}_{index}"
            flags = "i" if pattern.flags & re.IGNORECASE else ""
            body = f"(?{flags}:{pattern.pattern})" if flags else pattern.pattern
            parts.append(f"(?P<{name}>{body})")
            by_group[name] = (module_name, pattern)
    for name, source in _EXTRA.items():
        parts.append(f"(?P<x_{name}>{source})")
        by_group[f"x_{name}"] = (name, re.compile(source))
    import ahocorasick

    literals = ahocorasick.Automaton()
    for literal in _TOKEN_LITERALS.split():
        literals.add_word(literal, literal)
    literals.make_automaton()
    private = import_module("detect_secrets.plugins.private_key").PrivateKeyDetector
    keyword = import_module("detect_secrets.plugins.keyword")
    return _Tokens(
        combined=re.compile("|".join(parts)),
        by_group=by_group,
        private_key_markers=tuple(private.denylist),
        keyword_names=tuple(keyword.DENYLIST),
        literals=literals,
    )


# --- Wording: passwords, codes, "api key: ..." ------------------------------------------

# Over the folded text (lower case, no accents). The value is read from the original text
# at the same offsets.
_PASSWORD = re.compile(
    r"""
    (?<![\w#@])(?:contrasena|contrasenya|password|passwort|passwd|pwd|pass|passcode|
        clave(?:\s+de\s+acceso)?|pin)(?![\w])
    (?:\s+(?:temporal|nueva|new|provisional|actual|del\s+\w{1,20}|de\s+la\s+\w{1,20}|
        de\s+\w{1,20}|for\s+(?:the\s+)?\w{1,20}|of\s+(?:the\s+)?\w{1,20})){0,2}
    (?:\s*(?P<strong>[:=]|->|=>)|\s+(?P<weak>es|is|sera|will\s+be|era|was|now\s+is|ahora\s+es)
        (?:\s*:)?)
    \s*["'«“]?(?P<value>[^\s"'»”]{4,64})
    """,
    re.VERBOSE,
)
# "usa la contraseña Tucan2026!", "log in with the password S3cret!": no separator, so the
# value must look like a password (a digit, a symbol or a capital inside it).
_PASSWORD_USE = re.compile(
    r"""
    (?<![\w#@])(?:usa|usad|use|utiliza|utilizad|con|with|introduce|enter|type|pon|teclea|
        escribe)\s+(?:la\s+|el\s+|the\s+|tu\s+|your\s+|esta\s+|this\s+|our\s+|nuestra\s+)?
    (?:contrasena|password|clave|pwd|pin|passcode)\s+["'«“]?(?P<value>[^\s"'»”]{4,64})
    """,
    re.VERBOSE,
)
# Words that follow "password:" in advice and forms, never a password.
_NOT_PASSWORDS = frozenset(
    {
        "required",
        "obligatoria",
        "obligatorio",
        "incorrect",
        "incorrecta",
        "incorrecto",
        "invalid",
        "invalida",
        "minimum",
        "minimo",
        "caracteres",
        "characters",
        "changed",
        "cambiada",
        "expired",
        "caducada",
        "reset",
        "forgotten",
        "olvidada",
        "secure",
        "segura",
        "strong",
        "fuerte",
        "protected",
        "protegida",
        "updated",
        "actualizada",
        "personal",
        "private",
        "privada",
        "secreta",
        "secret",
        "confidential",
        "confidencial",
        "encrypted",
        "cifrada",
        "optional",
        "opcional",
        "hidden",
        "oculta",
        "********",
    }
)

_CODE_WORDS = (
    r"codigo(?:\s+(?:de\s+)?(?:verificacion|seguridad|acceso|confirmacion|activacion|"
    r"autenticacion|un\s+solo\s+uso|inicio\s+de\s+sesion|login|2fa|otp|sms|mfa))"
    r"|(?:verification|security|access|confirmation|activation|authentication|auth|login|"
    r"sign[- ]?in|one[- ]time|2fa|two[- ]factor|mfa|otp|sms)\s+code"
    r"|one[- ]time\s+(?:password|passcode|pin)|passcode"
)
_OTP = re.compile(
    rf"""
    \b(?:(?P<phrase>{_CODE_WORDS})\b[^\d\n]{{0,25}}?
      |(?:otp|2fa|mfa|totp|token)\b\s*(?:[:=]|es|is)\s*)
    (?P<code>\d{{3}}[ -]\d{{3}}|\d{{4,8}})(?![\d\w])
    |(?<![\d\w])(?P<code2>\d{{3}}[ -]\d{{3}}|\d{{4,8}})\s+(?:es\s+tu|is\s+your)\s+
      (?:codigo|code|clave|pin)
    """,
    re.VERBOSE,
)
MIN_TOKEN = 16
_PASSWORD_KEYS = ("contrase", "pass", "pwd", "clave", "pin")
_OTP_KEYS = ("codigo", "code", "otp", "2fa", "mfa", "token")
_ASCII_DIGITS = b"0123456789"


def _secret_like(value: str) -> bool:
    """A password typed in a sentence has a digit, a symbol or a capital inside it."""
    return (
        any(ch.isdigit() for ch in value) or not value.isalnum() or value[1:] != value[1:].lower()
    )


class SecretsDetector:
    """Finds secrets; see the module docstring."""

    id = "secrets"

    def __init__(self, policy: Policy) -> None:
        self._tokens = _tokens()
        names = "|".join(
            n for n in self._tokens.keyword_names if not n.startswith(("pass", "pwd", "contra"))
        )
        # detect-secrets' keyword list ("api_?key", "secret", ...) followed by a long value.
        self._keyword_value = re.compile(
            rf"(?i)\b(?:{names}|token|bearer|access_?token|client_?secret)\b\s*"
            r"(?:[:=]|is|es|->)?\s*[\"']?(?P<value>[A-Za-z0-9_\-+/=.]{16,200})"
        )

    def rules(self) -> Sequence[Rule]:
        return RULES

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        text = doc.text
        hits: list[Hit] = []
        folded = doc.folded
        words = text.split()
        # Every token format is one unbroken word of 16 characters or more: only such words
        # are searched, never the whole text.
        if words and max(map(len, words)) >= MIN_TOKEN:
            hits.extend(self._token_hits(text, folded, words))
        if "PRIVATE KEY" in text or "PuTTY-User-Key" in text:
            hits.extend(self._private_keys(text))
        if (
            "contrase" in folded
            or "pass" in folded
            or "pwd" in folded
            or "clave" in folded
            or "pin" in folded
        ):
            hits.extend(self._passwords(text, folded))
        raw = text.encode()
        if len(raw) - len(raw.translate(None, _ASCII_DIGITS)) >= 4 and (
            "codigo" in folded
            or "code" in folded
            or "otp" in folded
            or "2fa" in folded
            or "mfa" in folded
            or "token" in folded
        ):
            hits.extend(self._codes(folded))
        return _without_overlaps(hits) if len(hits) > 1 else hits

    def _hit(self, rule: str, start: int, end: int, score: float) -> Hit:
        return Hit(rule, start, end, score=score, fix_text=_FIX[rule])

    def _token_hits(self, text: str, folded: str, words: list[str]) -> Iterable[Hit]:
        tokens = self._tokens
        cursor = 0
        for word in [w for w in words if len(w) >= MIN_TOKEN]:
            at = text.find(word, cursor)
            cursor = at + len(word)
            if not _maybe_token(word, tokens.literals):
                continue
            for m in tokens.combined.finditer(text, at, cursor):
                group = m.lastgroup
                if group is None:
                    continue
                plugin, pattern = tokens.by_group[group]
                start, end = m.span()
                if plugin in _SECRET_IN_GROUP:
                    own = pattern.match(text, start)
                    if own is not None and own.lastindex:
                        start, end = own.span(1)
                rule = "secret.password" if plugin == "basic_auth" else "secret.api-key"
                yield self._hit(rule, start, _token_end(text, end), 0.95)
        if (
            "key" in folded or "secret" in folded or "token" in folded or "bearer" in folded
        ) and "://" not in text:
            for m in self._keyword_value.finditer(text):
                value = m.group("value")
                if any(ch.isdigit() for ch in value) and any(ch.isalpha() for ch in value):
                    yield self._hit("secret.api-key", m.start("value"), m.end("value"), 0.7)

    def _private_keys(self, text: str) -> Iterable[Hit]:
        if not any(p.search(text) for p in self._tokens.private_key_markers):
            return
        for m in _PRIVATE_KEY.finditer(text):
            end = m.end()
            while end > m.start() and text[end - 1].isspace():
                end -= 1
            yield self._hit("secret.private-key", m.start(), end, 1.0)

    def _passwords(self, text: str, folded: str) -> Iterable[Hit]:
        spoken = _anchored(_PASSWORD, folded, _PASSWORD_KEYS, 0, 0)
        used = _anchored(_PASSWORD_USE, folded, _PASSWORD_KEYS, 40, 80)
        seen = {m.span("value") for m in spoken}
        spoken += [m for m in used if m.span("value") not in seen]
        for m in spoken:
            start, end = m.span("value")
            while end > start and text[end - 1] in ".,;:)»”":
                end -= 1
            value = text[start:end]
            if len(value) < 4 or value.lower() in _NOT_PASSWORDS or set(value) <= {"*", "•", "x"}:
                continue
            strong = m.re is _PASSWORD and m.group("strong")
            if not strong and not _secret_like(value):
                continue
            if strong and not _secret_like(value) and len(value) < 8:
                continue
            yield self._hit("secret.password", start, end, 0.9)

    def _codes(self, folded: str) -> Iterable[Hit]:
        for m in _anchored(_OTP, folded, _OTP_KEYS, 60, 40):
            group = "code" if m.group("code") else "code2"
            end = m.end(group)
            if end < len(folded) and folded[end].isalnum():  # cut by the window's edge
                continue
            yield self._hit("secret.otp-code", m.start(group), end, 0.85)


def _anchored(
    pattern: re.Pattern[str], folded: str, keys: tuple[str, ...], before: int, after: int
) -> list[re.Match[str]]:
    """Matches of ``pattern`` near each place where one of ``keys`` occurs.

    The keys are found with ``str.find`` (a C loop); the pattern then runs on a window
    around each, anchored when ``before`` is 0, instead of trying every offset of the text.
    """
    found: dict[int, re.Match[str]] = {}
    for key in keys:
        at = folded.find(key)
        while at >= 0:
            if before == 0:
                m = pattern.match(folded, at)
                if m is not None:
                    found.setdefault(m.start(), m)
            else:
                lo, hi = max(0, at - before), min(len(folded), at + len(key) + after)
                for m in pattern.finditer(folded, lo, hi):
                    found.setdefault(m.start(), m)
            at = folded.find(key, at + 1)
    return [found[k] for k in sorted(found)]


def _maybe_token(word: str, literals: Any) -> bool:
    if next(literals.iter(word), None) is not None:
        return True
    if "@" in word and "://" in word:  # https://user:password@host
        return True
    if len(word) >= 34 and ("AC" in word or "SK" in word):  # Twilio
        return True
    if len(word) >= 59 and word.count(".") >= 2:  # Discord
        return True
    return len(word) >= 44 and ":" in word  # Telegram


def _token_end(text: str, end: int) -> int:
    """Tokens end at the first character that cannot be part of one (a JWT's pattern stops
    early: its last segment is optional)."""
    while end < len(text) and (text[end].isalnum() or text[end] in "-_"):
        end += 1
    return end


_PRIORITY = {
    "secret.private-key": 0,
    "secret.api-key": 1,
    "secret.password": 2,
    "secret.otp-code": 3,
}


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (_PRIORITY[h.rule], h.start)):
        if not any(k.start < hit.end and hit.start < k.end for k in kept):
            kept.append(hit)
    kept.sort(key=lambda h: h.start)
    return kept


def build(policy: Policy) -> SecretsDetector:
    return SecretsDetector(policy)
