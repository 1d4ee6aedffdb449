"""Customers' personal data: e-mails, phones, addresses, cards, bank accounts, ID numbers, IPs.

The patterns, context words and checksums come from Presidio's predefined recognizers
(``presidio_analyzer.predefined_recognizers``), but we run them ourselves: Presidio's
``AnalyzerEngine`` sends every text through an NLP pipeline, which is far too slow for a
review budget of a few microseconds per post. Presidio is imported once per process, when the
first policy is compiled, and every text goes through cheap tests (is there a digit, an ``@``,
a street word?) before any pattern runs.

What the organization itself publishes is not personal data: its own domains' e-mail
addresses (``organization.domains``), its support numbers (``organization.phones``), its
postal addresses (``organization.addresses``) and the people it names in press-style posts
(``organization.public_figures``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import phonenumbers
import regex

from hashtags.policy.schema import Policy
from hashtags.review.detector import Hit, Localized, Rule
from hashtags.review.domains import known_tld
from hashtags.review.text import Document, fold
from hashtags.review.types import Category, Context, Severity
from hashtags.review.validators import is_es_dni, is_es_nie, is_iban

EMAIL_WINDOW = (64, 255)
"""Characters before and after an ``@`` that an address may take (RFC 5321 limits): Presidio's
e-mail pattern backtracks quadratically, so it only ever sees this window of the text."""


def _rule(
    name: str,
    severity: Severity,
    action: str,
    title: tuple[str, str],
    reason: tuple[str, str],
    advice: tuple[str, str],
    example: tuple[str, str],
) -> Rule:
    return Rule(
        id=f"pii.{name}",
        category=Category.PII,
        severity=severity,
        action=action,  # type: ignore[arg-type]
        title={"es": title[0], "en": title[1]},
        reason={"es": reason[0], "en": reason[1]},
        advice={"es": advice[0], "en": advice[1]},
        example={"es": example[0], "en": example[1]},
    )


_GDPR_ES = "Publicar datos personales de clientes sin su consentimiento vulnera el RGPD"
_GDPR_EN = "Publishing customers' personal data without their consent breaches the GDPR"

RULES: tuple[Rule, ...] = (
    _rule(
        "email",
        Severity.HIGH,
        "block",
        ("Dirección de correo personal", "Personal e-mail address"),
        (
            f"{_GDPR_ES} y expone a la persona a spam y suplantaciones. Solo se publican "
            "los correos de {org}.",
            f"{_GDPR_EN} and exposes the person to spam and impersonation. Only {{org}}'s "
            "own addresses are published.",
        ),
        (
            "Quita el correo y pide a la persona que escriba por mensaje privado.",
            "Remove the address and ask the person to write in a private message.",
        ),
        (
            "Hola Ana, hemos escrito a ana.garcia@gmail.com con los detalles.",
            "Hi Ana, we have written to ana.garcia@gmail.com with the details.",
        ),
    ),
    _rule(
        "phone",
        Severity.HIGH,
        "block",
        ("Número de teléfono personal", "Personal phone number"),
        (
            f"{_GDPR_ES}. Solo se publican los teléfonos de atención de {{org}}.",
            f"{_GDPR_EN}. Only {{org}}'s published support numbers may appear.",
        ),
        (
            "Quita el número y continúa la conversación por mensaje privado.",
            "Remove the number and continue the conversation in a private message.",
        ),
        (
            "Te llamamos mañana al 612 345 678 para confirmar la entrega.",
            "We will call you tomorrow on +44 7700 900123 to confirm the delivery.",
        ),
    ),
    _rule(
        "card",
        Severity.CRITICAL,
        "block",
        ("Número de tarjeta de pago", "Payment card number"),
        (
            "Un número de tarjeta publicado permite fraudes; PCI DSS y el RGPD prohíben mostrarlo.",
            "A published card number enables fraud; PCI DSS and the GDPR forbid showing it.",
        ),
        (
            "Quita el número. Nunca pidas ni repitas datos de tarjeta en público.",
            "Remove the number. Never ask for or repeat card details in public.",
        ),
        (
            "Hemos anulado el cargo en la tarjeta 4111 1111 1111 1111.",
            "We have refunded the charge on card 4111 1111 1111 1111.",
        ),
    ),
    _rule(
        "iban",
        Severity.CRITICAL,
        "block",
        ("Número de cuenta bancaria (IBAN)", "Bank account number (IBAN)"),
        (
            f"{_GDPR_ES} y facilita fraudes de domiciliación.",
            f"{_GDPR_EN} and makes direct-debit fraud easier.",
        ),
        (
            "Quita el IBAN; los reembolsos se gestionan por un canal privado.",
            "Remove the IBAN; refunds are handled through a private channel.",
        ),
        (
            "Reembolso enviado a la cuenta ES91 2100 0418 4502 0005 1332.",
            "Refund sent to account GB82 WEST 1234 5698 7654 32.",
        ),
    ),
    _rule(
        "es-id",
        Severity.CRITICAL,
        "block",
        ("DNI o NIE", "Spanish ID number (DNI/NIE)"),
        (
            f"{_GDPR_ES}; un número de identidad permite suplantar a la persona.",
            f"{_GDPR_EN}; an identity number lets others impersonate the person.",
        ),
        (
            "Quita el número de documento.",
            "Remove the ID number.",
        ),
        (
            "La reserva está a nombre del DNI 12345678Z.",
            "The booking is under Spanish ID 12345678Z.",
        ),
    ),
    _rule(
        "ssn",
        Severity.CRITICAL,
        "block",
        ("Número de la Seguridad Social de EE. UU.", "US Social Security number"),
        (
            f"{_GDPR_ES}; el SSN permite robar la identidad de la persona.",
            f"{_GDPR_EN}; a Social Security number enables identity theft.",
        ),
        (
            "Quita el número.",
            "Remove the number.",
        ),
        (
            "Hemos verificado tu SSN 536-22-8726, ya puedes comprar.",
            "We verified your SSN 536-22-8726, you can now order.",
        ),
    ),
    _rule(
        "passport",
        Severity.CRITICAL,
        "block",
        ("Número de pasaporte", "Passport number"),
        (
            f"{_GDPR_ES}; un número de pasaporte permite suplantar a la persona.",
            f"{_GDPR_EN}; a passport number lets others impersonate the person.",
        ),
        (
            "Quita el número de pasaporte.",
            "Remove the passport number.",
        ),
        (
            "Tu reserva con el pasaporte PAA123456 está confirmada.",
            "Your booking with passport number C03005988 is confirmed.",
        ),
    ),
    _rule(
        "ip",
        Severity.MEDIUM,
        "review",
        ("Dirección IP", "IP address"),
        (
            "Una dirección IP pública identifica la conexión de una persona: es un dato "
            "personal según el RGPD.",
            "A public IP address identifies a person's connection: it is personal data "
            "under the GDPR.",
        ),
        (
            "Quita la dirección IP.",
            "Remove the IP address.",
        ),
        (
            "Hemos desbloqueado la IP 83.45.120.17 que no podía entrar en la tienda.",
            "We unblocked IP 83.45.120.17, which could not reach the shop.",
        ),
    ),
    _rule(
        "address",
        Severity.HIGH,
        "review",
        ("Dirección postal", "Postal address"),
        (
            f"{_GDPR_ES}: una dirección permite localizar a la persona. Solo se publican "
            "las direcciones de {org}.",
            f"{_GDPR_EN}: an address lets anyone find the person. Only {{org}}'s own "
            "addresses are published.",
        ),
        (
            "Quita la dirección, o añádela a la política si es un local de la empresa.",
            "Remove the address, or add it to the policy if it is one of the company's sites.",
        ),
        (
            "Tu pedido llegará mañana a Calle Alcalá 20, 3ºB, 28014 Madrid.",
            "Your order will arrive tomorrow at 221B Baker Street, London.",
        ),
    ),
    _rule(
        "name-contact",
        Severity.HIGH,
        "block",
        ("Nombre de cliente con sus datos", "Customer's name with their details"),
        (
            f"{_GDPR_ES}: un nombre completo junto a un pedido, una cuenta o un contacto "
            "identifica a la persona y su relación con {org}.",
            f"{_GDPR_EN}: a full name next to an order, an account or contact details "
            "identifies the person and their dealings with {org}.",
        ),
        (
            "Quita el nombre completo o los datos del pedido; usa solo el nombre de pila.",
            "Remove the full name or the order details; use the first name only.",
        ),
        (
            "El pedido 44821 de María López ya está en camino.",
            "Customer John Smith, order #4521, has been refunded.",
        ),
    ),
)

_FIX: dict[str, Localized] = {
    "pii.email": {"es": "[correo oculto]", "en": "[email removed]"},
    "pii.phone": {"es": "[teléfono oculto]", "en": "[phone removed]"},
    "pii.card": {"es": "[tarjeta oculta]", "en": "[card number removed]"},
    "pii.iban": {"es": "[cuenta oculta]", "en": "[account number removed]"},
    "pii.es-id": {"es": "[DNI oculto]", "en": "[ID number removed]"},
    "pii.ssn": {"es": "[número oculto]", "en": "[SSN removed]"},
    "pii.passport": {"es": "[pasaporte oculto]", "en": "[passport number removed]"},
    "pii.ip": {"es": "[IP oculta]", "en": "[IP address removed]"},
    "pii.address": {"es": "[dirección oculta]", "en": "[address removed]"},
    "pii.name-contact": {"es": "[nombre oculto]", "en": "[name removed]"},
}


# --- What we take from Presidio ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Presidio:
    """Patterns, context words and checksums of Presidio's predefined recognizers."""

    email: re.Pattern[str]
    iban: re.Pattern[str]
    ipv4: re.Pattern[str]
    ipv6: re.Pattern[str]
    es_id: re.Pattern[str]
    passport: re.Pattern[str]
    card_context: re.Pattern[str]
    ssn_context: re.Pattern[str]
    luhn: Callable[[str], bool]
    ssn_invalid: Callable[[str], bool]
    ip_invalid: Callable[[str], bool]


def _pattern(recognizer: Any, name: str) -> str:
    for pattern in recognizer.PATTERNS:
        if pattern.name == name:
            return str(pattern.regex)
    raise LookupError(f"{type(recognizer).__name__} has no pattern {name!r}")


def _words(*words: str) -> re.Pattern[str]:
    """Context words (lower case, no accents) as one whole-word pattern."""
    alternatives = sorted({re.escape(w.strip().lower()) for w in words if w.strip()}, key=len)
    return re.compile(r"\b(?:" + "|".join(reversed(alternatives)) + r")\b")


_PASSPORT_CONTEXT = _words("pasaporte", "passport", "passport#", "n.o pasaporte")


@cache
def _presidio() -> _Presidio:
    """Import Presidio (about two seconds) once per process and keep what we use."""
    from presidio_analyzer.predefined_recognizers import (
        CreditCardRecognizer,
        EmailRecognizer,
        EsNieRecognizer,
        EsPassportRecognizer,
        IbanRecognizer,
        IpRecognizer,
        UsPassportRecognizer,
        UsSsnRecognizer,
    )

    card = CreditCardRecognizer()
    ssn = UsSsnRecognizer()
    ip = IpRecognizer()
    es_passport = _pattern(EsPassportRecognizer, "ES_PASSPORT")
    us_passport = _pattern(UsPassportRecognizer, "Passport Next Generation (very weak)")
    return _Presidio(
        # The standard library's engine runs these patterns about twice as fast as `regex`.
        email=re.compile(_pattern(EmailRecognizer, "Email (Medium)")),
        # Presidio matches upper-case IBANs only; people type them in lower case too.
        iban=re.compile(_pattern(IbanRecognizer, "IBAN Generic"), re.IGNORECASE),
        ipv4=re.compile(_pattern(IpRecognizer, "IPv4")),
        ipv6=re.compile(_pattern(IpRecognizer, "IPv6")),
        # The NIE pattern covers the DNI (its letter prefix is optional).
        es_id=re.compile(_pattern(EsNieRecognizer, "NIE"), re.IGNORECASE),
        passport=re.compile(f"{es_passport}|{us_passport}|\\b[0-9]{{9}}\\b", re.IGNORECASE),
        card_context=_words(*CreditCardRecognizer.CONTEXT, "tarjeta", "credito", "debito"),
        ssn_context=_words(*UsSsnRecognizer.CONTEXT, "seguridad social"),
        luhn=card.validate_result,
        ssn_invalid=ssn.invalidate_result,
        ip_invalid=lambda value: bool(ip.invalidate_result(value)),
    )


# --- Our own pre-filters and patterns --------------------------------------------------------

_DIGIT = re.compile(r"\d")
_ASCII_DIGITS = b"0123456789"
_NON_DIGITS = re.compile(r"\D+")
_NUMBER_GATE = re.compile(r"\d[\d .\-/()+]{6,}")
# Shared mailboxes of organizations ("info@", "soporte@"): nobody's personal address.
_ROLE_MAILBOXES = frozenset(
    {
        "info",
        "contact",
        "contacto",
        "hello",
        "hola",
        "support",
        "soporte",
        "help",
        "ayuda",
        "admin",
        "office",
        "oficina",
        "sales",
        "ventas",
        "press",
        "prensa",
        "media",
        "marketing",
        "noreply",
        "no-reply",
        "team",
        "equipo",
        "jobs",
        "empleo",
        "careers",
        "billing",
        "facturacion",
        "atencion",
        "atencionalcliente",
        "customerservice",
        "service",
        "servicio",
        "webmaster",
        "reservas",
        "bookings",
        "pedidos",
        "orders",
        "privacy",
        "privacidad",
        "rgpd",
        "gdpr",
    }
)
_IPV4_GATE = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_IPV6_GATE = re.compile(r"::|(?:[0-9a-f]{1,4}:){3}[0-9a-f]", re.IGNORECASE)
_IBAN_GATE = re.compile(r"[A-Za-z]{2}\d{2}[ -]?[A-Za-z0-9]{4}")
_ES_ID_GATE = re.compile(r"\d{7}-?[A-Za-z]")

# A run of digits in the shapes people write numbers in: "612 345 678", "(37) 788-063",
# "+41 (0)96 471 07 95", "4111-1111-1111-1111", "1-903-140-4508x769". Groups are separated by
# one non-digit each, so the pattern cannot backtrack badly.
_NUMBER = re.compile(
    r"""
    (?<![\w+\-/.@#=&])(?<!\d,)
    (?:\+[ ]?)?
    (?:\(\d{1,5}\)[ ]?)?
    \d{1,19}
    (?:(?:[-./]|[ ]|[ ]?\(\d{1,4}\)[ ]?)\d{1,19}){0,7}
    (?:[ ]?(?:x|ext\.?)[ ]?\d{1,5})?
    (?![\w%€$£]|:\d)
    """,
    re.VERBOSE,
)
_EXTENSION = re.compile(r"[ ]?(?:x|ext\.?)[ ]?\d{1,5}$")
_DATE = re.compile(r"^(?:\d{1,2}([-./])\d{1,2}\1(?:\d{2}|\d{4})|\d{4}([-./])\d{1,2}\2\d{1,2})$")
# A calendar date inside a longer run: "21/10/14 - 21/10/14" is a date range, not a phone.
_DATE_INSIDE = re.compile(
    r"\b(?:0?[1-9]|[12]\d|3[01])([/.])(?:0?[1-9]|1[0-2])\1(?:\d{4}|\d{2})\b"
    r"|\b(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:\d{4}|\d{2})\b"
    r"|\b(?:19|20)\d\d-[01]\d-[0-3]\d\b"
)
_IPV4_SHAPE = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_SSN_SHAPE = re.compile(r"^\d{3}([- .])\d{2}\1\d{4}$")
_ROUND = re.compile(r"^\d{1,3}(?:[ .]\d{3})*[ .]000$")
"""A large round figure such as ``100 000 000``: a count, not a phone number."""
_YEAR = re.compile(r"^(?:19|20)\d\d$")

_PHONE_WORDS = (
    r"phones?|telephone|tel|mobile|cell|cellphone|call|fax|whatsapp|sms|ring|dial|"
    r"telefonos?|tlf|tfno|telf|movil|celular|fijo|llamar?|llamame|llamanos|llamenos|"
    r"llamaremos|llamamos|wasap"
)
_WEAK_PHONE_WORDS = r"desk|office|contact|text|reach|number|contacto|numero"
_ORDER_WORDS = (
    r"pedido|pedidos|order|orders|ref|referencia|reference|factura|invoice|ticket|tracking|"
    r"seguimiento|incidencia|case|caso|expediente|reserva|booking|localizador|albaran|"
    r"envio|shipment|parcel|paquete|id|codigo|code|sku|lote|batch|serie|serial|modelo|model|"
    r"licen[cs]e|licencia|carnet|permiso|dni|nif|nie|pasaporte|passport|poliza|policy|"
    r"socio|member|membership|cliente|customer|ssn"
)
_CUE_BEFORE = re.compile(
    rf"\b(?:(?P<strong>{_PHONE_WORDS})|(?P<order>{_ORDER_WORDS})|(?P<weak>{_WEAK_PHONE_WORDS}))\b"
)
_CUE_AFTER = re.compile(r"^[-\s]{0,2}(?:office|fax|mobile|cell|home|work|movil|fijo)\b")

_PHONE_REGIONS = ("ES", "US", "GB", "MX", "FR", "DE", "IT", "PT")
"""Where a number written without its country code is tried: Spain and the markets our
users talk to most. A number valid in none of them needs a word such as "tel." before it."""

_CONTEXT_BEFORE = 40
_CONTEXT_AFTER = 14

_IP_VERSION = re.compile(r"(?:\bv|version|versión|version |ver\.|release|build|update)\s*$")

_STREET_ES = (
    r"(?:calle|avda|avenida|plaza|pza|paseo|carretera|ctra|travesia|glorieta|pasaje|"
    r"urbanizacion|urb|rambla|bulevar)(?![a-z])\.?|c/|av\.|p[º°]"
)
# Words that follow "paseo", "plaza"... in ordinary sentences but never start a street name.
_NOT_STREET = r"(?!(?:por|con|en|para|a|al|el|la|los|las|un|una|que|y|o|sin|hasta|desde|es)\b)"
# Spanish: "Calle Mayor 5, 3ºB", "c/ Alcalá 20", "Avda. de la Constitución, 14", optional
# postcode and town. Matched on the folded text (lower case, no accents).
_ADDRESS_ES = re.compile(
    rf"""
    \b(?P<key>{_STREET_ES})\s*
    (?:de\s+(?:la\s+|los\s+|las\s+)?|del\s+)?
    {_NOT_STREET}(?P<name>[a-z\u00f1][\w'.\-]{{0,30}})(?:\s+(?:de\s+(?:la\s+|los\s+|las\s+)?|del\s+|y\s+)?[a-z\u00f1][\w'.\-]{{0,30}}){{0,3}}
    ,?\s*(?:n[º°o]\.?\s*|num\.?\s*|numero\s+)?\d{{1,4}}(?:[a-z](?![a-z]))?
    (?P<floor>,?\s*(?:\d{{1,2}}\s?(?:[º°ªoa]\.?\s?)?[a-z]?(?![\w])|bajo|atico|esc\.?\s?\w|piso\s\d{{1,2}}|puerta\s\w))?
    (?P<zip>,?\s*\d{{5}}(?!\d)(?:\s+[a-z\u00f1][\w\-]{{1,30}}(?:\s+(?:de\s+)?[a-z\u00f1][\w\-]{{1,30}})?)?)?
    """,
    re.VERBOSE,
)
_ADDRESS_EN = re.compile(
    r"""
    (?<![\w.,])\d{1,5}[a-z]?\s+
    (?P<name>(?:[a-z][\w'\-]{1,30}\s+){1,3})
    (?P<suffix>street|st\.?|avenue|ave\.?|road|rd\.?|boulevard|blvd\.?|lane|ln\.?|drive|dr\.?|
       court|ct\.?|place|pl\.?|square|sq\.?|terrace|way|parkway|highway|crescent|close|row|mews)
    (?![\w])
    (?:,?\s*(?:apt\.?|apartment|suite|unit|flat|\#)\s*\w{1,6})?
    (?P<town>,\s*[a-z][\w\-]{1,30}(?:\s[a-z][\w\-]{1,30})?(?:,?\s+[a-z]{2}\s+\d{5}(?:-\d{4})?|,?\s+[a-z]{1,2}\d[a-z\d]?\s*\d[a-z]{2})?)?
    """,
    re.VERBOSE,
)


def _wordlist(words: str) -> frozenset[str]:
    return frozenset(words.split())


_ORDER_WORDS_ANCHOR = _wordlist(
    "pedido order cuenta account cliente customer client reserva booking factura invoice "
    "ticket incidencia case caso expediente socio member abonado"
)
# "_" stands for a space: " st" after a street name, not "st" inside "este".
_STREET_WORDS = _wordlist(
    "calle c/ avda avenida plaza pza paseo carretera ctra travesia glorieta pasaje "
    "urbanizacion urb. rambla bulevar av. pº street _st avenue _ave road _rd boulevard blvd "
    "lane _ln drive _dr court _ct place square terrace _way parkway highway crescent _close "
    "_row mews"
)


def _keyword_automaton() -> Any:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for kind, words in (
        ("street", _STREET_WORDS),
        ("order", _ORDER_WORDS_ANCHOR),
        ("passport", ("pasaporte", "passport")),
    ):
        for word in words:
            automaton.add_word(word.replace("_", " "), kind)
    automaton.make_automaton()
    return automaton


_KEYWORDS = _keyword_automaton()
"""One pass over the folded text says which keyword-gated checks are worth running."""

_ORDER_ANCHOR = re.compile(
    r"\b(?:pedido|order|cuenta|account|cliente|customer|client|reserva|booking|factura|"
    r"invoice|ticket|incidencia|case|caso|expediente|socio|member|abonado)s?\b"
    r"[^\n\d]{0,20}?(?P<ref>#?\d{3,})"
)
_HONORIFIC = (
    r"(?:sr|sra|srta|senor|senora|senorita|don|dona|mr|mrs|ms|miss|dr|dra|"
    r"cliente|customer|client|clienta|socio|socia|member|nombre|name|titular|holder|"
    r"a\s+nombre\s+de|in\s+the\s+name\s+of)"
)
_NAME = regex.compile(
    r"(?<![\w@#.])(?P<name>\p{Lu}[\p{Ll}'\-]{1,20}"
    r"(?:[ ](?:(?:de|del|de\s+la|van|von|da|di|dos|y)[ ])?\p{Lu}[\p{Ll}'\-]{1,20}){1,3})"
    r"(?![\w@])"
)
_HONORIFIC_BEFORE = re.compile(rf"\b{_HONORIFIC}\.?:?\s*$")

# Common first names: with no title before it, a capitalised pair counts as a person's
# name only when its first word is one of these (places and products are capitalised too).
_FIRST_NAMES = _wordlist(
    """
    alejandro alba alberto alicia alvaro ana andrea andres angel angela antonio beatriz
    carlos carla carmen carolina cristina cristian daniel david diego elena eva fernando
    francisco gabriel guillermo hugo ignacio irene isabel javier jesus jorge jose josefa juan
    julia laura lucia luis manuel marc marcos maria marina mario marta miguel monica nerea
    nicolas noelia pablo paula pedro pilar raquel raul ricardo roberto rocio rosa ruben
    sandra sara sergio silvia sofia teresa tomas veronica victor yolanda adrian alex alonso
    emma enrique felipe gonzalo jaime joaquin lorena lourdes mercedes natalia oscar patricia
    rafael ramon rodrigo samuel susana vicente
    james john robert michael william richard joseph thomas charles christopher matthew
    anthony mark donald steven paul andrew joshua kenneth kevin brian george timothy ronald
    edward jason jeffrey ryan jacob gary nicholas eric jonathan stephen larry justin scott
    brandon benjamin frank gregory samuel raymond patrick alexander jack dennis jerry tyler
    aaron henry peter adam nathan zachary kyle walter harold jeremy ethan carl keith roger
    arthur terry sean christian noah oliver harry mary patricia jennifer linda elizabeth
    barbara susan jessica sarah karen lisa nancy betty margaret sandra ashley kimberly emily
    donna michelle carol amanda dorothy melissa deborah stephanie rebecca sharon kathleen
    amy angela shirley anna brenda pamela emma nicole helen samantha katherine christine
    debra rachel carolyn janet catherine maria heather diane ruth julie olivia joyce
    virginia victoria kelly lauren christina joan evelyn judith megan andrea cheryl hannah
    jacqueline martha gloria teresa ann sara madison frances kathryn janice jean abigail
    alice judy sophia grace denise amber doris marilyn danielle beverly isabella theresa
    diana natalie brittany charlotte marie kayla alexis lori tom tim bob bill mike jim sam
    kate jane lucy chloe sophie jessica ella mia ava amelia isla lily freya daisy
    """
)
# Capitalised words that start sentences or name things, never a person's first word.
_NOT_NAMES = _wordlist(
    """
    el la los las un una hola hello hi hey dear querido querida estimado estimada gracias
    thanks thank buenos buenas good pedido order cliente customer client calle avenida
    plaza paseo street road avenue lunes martes miercoles jueves viernes sabado domingo
    monday tuesday wednesday thursday friday saturday sunday enero febrero marzo abril mayo
    junio julio agosto septiembre octubre noviembre diciembre january february march april
    may june july august september october november december nuestro nuestra our your tu
    su mr mrs ms sr sra don dona dr dra nombre name titular holder
    """
)


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


_ABBREVIATED_STREETS = ("c/", "avda", "av.", "pza", "ctra", "pº", "urb")


def _spanish_address(m: re.Match[str], text: str) -> bool:
    """A capitalised street name, an abbreviation ("c/", "avda.") or a floor or postcode:
    "paseo hay un raptor 700" is a sentence, "Paseo del Prado 8" an address."""
    if m.group("floor") or m.group("zip") or m.group("key").startswith(_ABBREVIATED_STREETS):
        return True
    return text[m.start("name")].isupper()


def _english_address_end(m: re.Match[str], text: str, end: int) -> int:
    """Where an English address ends, or 0 when it is none: street names and types are
    capitalised ("221B Baker Street", not "3 dogs in my street", nor "8 PM CT")."""
    name = text[m.start("name") : m.end("name")]
    suffix = text[m.start("suffix") : m.end("suffix")]
    if not (name[0].isupper() and suffix[0].isupper()) or name.isupper():
        return 0
    if {"am", "pm", "a.m.", "p.m."} & set(name.lower().split()):
        return 0
    town = m.start("town")
    if town >= 0 and not text[town + 1 : m.end()].strip()[:1].isupper():
        end = town  # ", anytime you..." is not a town
    return end


_STREET_ABBREVIATIONS = {"c": "calle", "avda": "avenida", "av": "avenida", "pza": "plaza"}


def _tokens(value: str) -> str:
    """``"C/ Mayor, 12"`` -> ``"calle mayor 12"``: for comparing addresses."""
    words = re.findall(r"\w+", fold(value))
    return " ".join(_STREET_ABBREVIATIONS.get(w, w) for w in words)


def _norm(value: str) -> str:
    return "".join(ch for ch in fold(value) if ch.isalnum())


class PiiDetector:
    """Finds customers' personal data; see the module docstring."""

    id = "pii"

    def __init__(self, policy: Policy) -> None:
        org = policy.organization
        self._presidio = _presidio()
        self._own_domains = tuple(d.lower() for d in org.domains)
        self._own_phones = frozenset(
            d[-9:] for d in (_digits(p) for p in org.phones) if len(d) >= 6
        )
        self._own_addresses = tuple(f" {_tokens(a)} " for a in org.addresses if _tokens(a))
        self._public_names = frozenset(
            _norm(n)
            for n in (
                *org.public_figures,
                *org.all_brand_names,
                *org.competitors,
                *org.products,
            )
        )
        self._public_words = frozenset(
            w
            for n in (*org.all_brand_names, *org.competitors, *org.products)
            for w in fold(n).split()
        )

    def rules(self) -> Sequence[Rule]:
        return RULES

    # The scan -----------------------------------------------------------------------------

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        text = doc.text
        hits: list[Hit] = []
        if "@" in text:
            hits.extend(self._emails(text))
        # An IPv6 address is compressed ("::") or has seven colons.
        if ("::" in text or text.count(":") >= 7) and _IPV6_GATE.search(text):
            hits.extend(self._ipv6(text))
        # Counting ASCII digits on the encoded bytes is a C loop: most posts have none or
        # only a time or a price, and then no numeric pattern needs to run at all.
        raw = text.encode()
        digits = len(raw) - len(raw.translate(None, _ASCII_DIGITS))
        anchors: list[tuple[int, int]] = []
        if digits:
            folded = doc.folded
            keywords = {kind for _, kind in _KEYWORDS.iter(folded)}
            # Seven characters of digits and separators in a row: without them there is no
            # phone, card, account or ID number ("8:00", "2,50 €", "2025" stop here).
            if digits >= 7 and _NUMBER_GATE.search(text):
                hits.extend(self._numbers(text, folded))
                hits.extend(self._ids(text, digits))
            if digits >= 6 and "passport" in keywords:
                hits.extend(self._passports(text, folded))
            if digits >= 4 and text.count(".") >= 3 and _IPV4_GATE.search(text):
                hits.extend(self._ipv4(text))
            if "street" in keywords:
                hits.extend(self._addresses(text, folded))
            if "order" in keywords and digits >= 3:
                anchors = [m.span("ref") for m in _ORDER_ANCHOR.finditer(folded)]
        if hits or anchors:
            anchors.extend((h.start, h.end) for h in hits)
            hits.extend(self._names(text, doc.folded, anchors, hits))
        return _without_overlaps(hits) if len(hits) > 1 else hits

    def _hit(self, rule: str, start: int, end: int, score: float) -> Hit:
        return Hit(rule, start, end, score=score, fix_text=_FIX[rule])

    # E-mail ---------------------------------------------------------------------------------

    def _emails(self, text: str) -> Iterable[Hit]:
        seen: set[int] = set()
        at = text.find("@")
        while at >= 0 and len(seen) < 100:
            if at > 0 and (text[at - 1].isalnum() or text[at - 1] in "._%+-'"):
                lo, hi = max(0, at - EMAIL_WINDOW[0]), min(len(text), at + EMAIL_WINDOW[1])
                for m in self._presidio.email.finditer(text, lo, hi):
                    if m.start() < at < m.end() and m.start() not in seen:
                        seen.add(m.start())
                        hit = self._email(m.group(), m.start(), m.end())
                        if hit is not None:
                            yield hit
            at = text.find("@", at + 1)

    def _email(self, value: str, start: int, end: int) -> Hit | None:
        local, _, domain = value.lower().rpartition("@")
        if local in _ROLE_MAILBOXES:
            return None
        if not known_tld(domain.rsplit(".", 1)[-1]):
            return None
        if any(domain == d or domain.endswith("." + d) for d in self._own_domains):
            return None
        return self._hit("pii.email", start, end, 0.95)

    # Digit runs: phones, cards, SSNs -------------------------------------------------------

    def _numbers(self, text: str, folded: str) -> Iterable[Hit]:
        for m in _NUMBER.finditer(text):
            value = m.group()
            start, end = m.span()
            while end > start and value[-1] in " .-/":
                end -= 1
                value = value[:-1]
            digits = _digits(_EXTENSION.sub("", value))
            n = len(digits)
            if n < 7 or n > 19:
                continue
            if _DATE.match(value) or _IPV4_SHAPE.match(value) or _DATE_INSIDE.search(value):
                continue
            groups = _NON_DIGITS.split(value.strip("+() "))
            if all(_YEAR.match(g) for g in groups if g):
                continue
            before = folded[max(0, start - _CONTEXT_BEFORE) : start]
            cue_kind = _cue(before)
            hit = self._classify(
                value, digits, n, before, folded[end : end + _CONTEXT_AFTER], cue_kind
            )
            if hit is not None:
                rule, score = hit
                yield self._hit(rule, start, end, score)

    def _classify(
        self, value: str, digits: str, n: int, before: str, after: str, cue: str | None
    ) -> tuple[str, float] | None:
        found = self._classify_number(value, digits, n, before, after, cue)
        if found is not None and found[0] == "pii.phone" and _business_number(value, digits):
            return None
        return found

    def _classify_number(
        self, value: str, digits: str, n: int, before: str, after: str, cue: str | None
    ) -> tuple[str, float] | None:
        p = self._presidio
        if _SSN_SHAPE.match(value) and not p.ssn_invalid(value):
            return "pii.ssn", 0.85 if p.ssn_context.search(before) else 0.6
        ssn_cue = n == 9 and value.isdigit() and p.ssn_context.search(before)
        if ssn_cue and not p.ssn_invalid(value):
            return "pii.ssn", 0.8
        if 12 <= n <= 19 and "+" not in value and "(" not in value and cue != "order":
            # Presidio's Luhn check; 12-digit cards (Maestro) only after a word like "card".
            card_cue = p.card_context.search(before) is not None
            if ((n >= 13 and digits[0] in "23456") or card_cue) and p.luhn(digits):
                return "pii.card", 0.95 if card_cue else 0.8
        if n > 15 or digits[-9:] in self._own_phones:
            return None
        if cue == "phone" or _CUE_AFTER.match(after):
            return "pii.phone", 0.85
        if value.startswith("+"):
            return ("pii.phone", 0.9) if _possible_phone(value, None) else None
        if cue == "order" or n < 9 or _ROUND.match(value):
            return None
        # A bare run of digits ("182837332") is a phone only in Spain's numbering plan; a
        # number written in groups may be one of any market we talk to.
        for region in _PHONE_REGIONS if not value.isdigit() else ("ES",):
            if _valid_phone(value, region):
                return "pii.phone", 0.7
        # A national number with its trunk "0" written in groups: "0488 72 49 99".
        if value[0] == "0" and n <= 12 and len(_NON_DIGITS.findall(value)) >= 2:
            return "pii.phone", 0.6
        return None

    # IBAN, DNI/NIE, passport ----------------------------------------------------------------

    def _ids(self, text: str, digits: int) -> Iterable[Hit]:
        p = self._presidio
        if digits >= 12 and _IBAN_GATE.search(text):
            for m in p.iban.finditer(text):
                value = m.group().strip()
                if is_iban(value.upper()):
                    yield self._hit("pii.iban", m.start(), m.start() + len(value), 1.0)
        if _ES_ID_GATE.search(text):
            for m in p.es_id.finditer(text):
                value = m.group().upper().replace("-", "")
                if is_es_dni(value) or is_es_nie(value):
                    yield self._hit("pii.es-id", m.start(), m.end(), 0.95)

    def _passports(self, text: str, folded: str) -> Iterable[Hit]:
        for m in self._presidio.passport.finditer(text):
            before = folded[max(0, m.start() - _CONTEXT_BEFORE) : m.start()]
            if _PASSPORT_CONTEXT.search(before):
                yield self._hit("pii.passport", m.start(), m.end(), 0.8)

    # IP addresses -----------------------------------------------------------------------

    def _ipv4(self, text: str) -> Iterable[Hit]:
        for m in self._presidio.ipv4.finditer(text):
            start, end = m.span()
            # "v1.2.3.4", "version 10.0.19045.2965": software versions, not addresses.
            if _IP_VERSION.search(text[max(0, start - 10) : start].lower()):
                continue
            if text[end : end + 2].startswith(".") and text[end + 1 : end + 2].isdigit():
                continue
            if start >= 2 and text[start - 1] == "." and text[start - 2].isdigit():
                continue
            if self._public_ip(m.group()):
                yield self._hit("pii.ip", start, end, 0.8)

    def _ipv6(self, text: str) -> list[Hit]:
        return [
            self._hit("pii.ip", m.start(), m.end(), 0.8)
            for m in self._presidio.ipv6.finditer(text)
            if self._public_ip(m.group())
        ]

    def _public_ip(self, value: str) -> bool:
        if self._presidio.ip_invalid(value):
            return False
        ip = ipaddress.ip_interface(value).ip
        # Private, loopback and link-local addresses (a router's 192.168.1.1) identify nobody.
        return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast)

    # Postal addresses -------------------------------------------------------------------

    def _addresses(self, text: str, folded: str) -> Iterable[Hit]:
        for pattern in (_ADDRESS_ES, _ADDRESS_EN):
            for m in pattern.finditer(folded):
                start, end = m.span()
                while end > start and folded[end - 1] in " ,.":
                    end -= 1
                if not _DIGIT.search(folded, start, end):
                    continue
                if pattern is _ADDRESS_EN:
                    end = _english_address_end(m, text, end)
                elif not _spanish_address(m, text):
                    continue
                if end <= start:
                    continue
                norm = f" {_tokens(folded[start:end])} "
                if any(norm in own or own in norm for own in self._own_addresses):
                    continue
                yield self._hit("pii.address", start, end, 0.75)

    # Names next to personal data --------------------------------------------------------

    def _names(
        self,
        text: str,
        folded: str,
        anchors: list[tuple[int, int]],
        found: list[Hit],
    ) -> Iterable[Hit]:
        taken = [(h.start, h.end) for h in found]
        for m in _NAME.finditer(text):
            start, end = m.span("name")
            words = folded[start:end].split()
            while words and words[0] in _NOT_NAMES:
                start += len(words[0]) + 1
                words = words[1:]
            if len(words) < 2 or any(w in self._public_words for w in words):
                continue
            if _norm(text[start:end]) in self._public_names:
                continue
            if any(s < end and start < e for s, e in taken):
                continue
            honorific = _HONORIFIC_BEFORE.search(folded, max(0, start - 25), start)
            if words[0] not in _FIRST_NAMES and honorific is None:
                continue
            if not any(
                s - 80 <= end and start <= e + 80 and not (s < end and start < e)
                for s, e in anchors
            ):
                continue
            yield self._hit("pii.name-contact", start, end, 0.7 if honorific is None else 0.85)


_PRIORITY = {
    rule: i
    for i, rule in enumerate(
        (
            "pii.iban",
            "pii.card",
            "pii.es-id",
            "pii.ssn",
            "pii.email",
            "pii.ip",
            "pii.passport",
            "pii.address",
            "pii.phone",
            "pii.name-contact",
        )
    )
}


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    """One rule per stretch of text: an IBAN is not also a card, nor an IP a phone."""
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (_PRIORITY[h.rule], h.start)):
        if not any(k.start < hit.end and hit.start < k.end for k in kept):
            kept.append(hit)
    kept.sort(key=lambda h: h.start)
    return kept


def _cue(before: str) -> str | None:
    """What the words before a number say it is: "phone", "order" or nothing."""
    kinds = {m.lastgroup for m in _CUE_BEFORE.finditer(before)}
    if "strong" in kinds:
        return "phone"
    if "order" in kinds:
        return "order"
    return "phone" if "weak" in kinds else None


_BUSINESS_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.TOLL_FREE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.UAN,
    }
)


def _business_number(value: str, digits: str) -> bool:
    """Free-phone, shared-cost and premium numbers (900, 1-800...) belong to organizations."""
    national = digits[2:] if digits.startswith("34") and len(digits) == 11 else digits
    national = national[1:] if national.startswith("1") and len(national) == 11 else national
    # Spanish and North American ones all start with 8 or 9 (800, 900, 902, 866...).
    if national[:1] not in ("8", "9"):
        return False
    for region in ("ES", "US"):
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.number_type(number) in _BUSINESS_TYPES:
            return True
    return False


def _possible_phone(value: str, region: str | None) -> bool:
    try:
        return bool(phonenumbers.is_possible_number(phonenumbers.parse(value, region)))
    except phonenumbers.NumberParseException:
        return False


_TRUNK_PREFIX = {"US": "1", "GB": "0", "FR": "0", "DE": "0"}
"""National prefixes dropped before the national significant number (Italy keeps its 0)."""


def _valid_phone(value: str, region: str) -> bool:
    """Whether ``value``, written without a country code, is a valid number of ``region``.

    Builds the number from its digits instead of calling ``phonenumbers.parse``, which
    normalises and searches the whole string again for each region tried and dominated the
    cost of long texts full of numbers; validity is still ``phonenumbers``' own metadata.
    """
    digits = _digits(value)
    prefix = _TRUNK_PREFIX.get(region, "")
    if prefix and digits.startswith(prefix):
        digits = digits[len(prefix) :]
    if not digits or len(digits) > 17:
        return False
    number = phonenumbers.PhoneNumber(
        country_code=phonenumbers.country_code_for_region(region),
        national_number=int(digits),
    )
    if region == "IT" and digits.startswith("0"):
        number.italian_leading_zero = True
        number.number_of_leading_zeros = len(digits) - len(digits.lstrip("0"))
    return bool(phonenumbers.is_valid_number_for_region(number, region))


def build(policy: Policy) -> PiiDetector:
    return PiiDetector(policy)
