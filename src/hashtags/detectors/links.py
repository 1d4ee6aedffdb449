"""Phishing and malicious links: lookalikes of the organization's domains and handles, raw IP
links, link shorteners, high-risk top-level domains and credential-harvest wording.

A brand account that links to ``cafeterra-login.com`` or tags ``@cafeterra_soporte`` sends its
own followers to an impersonator. The organization's names come from the policy
(``organization.domains``, ``handles``, ``brands``, ``accounts``): links to its own domains and
their subdomains are trusted and never flagged, whatever else the text says.

Two levels for domains. ``security.lookalike-domain`` (block) is a disguise: the brand's name
in another script or with accents (IDN, punycode), hyphenated, plus service words ("login",
"soporte"), as a subdomain of someone else's domain, as the user name of a URL, or in the path
of a sign-in page elsewhere. ``security.similar-domain`` (review) may be an honest mistake: one
edit away (cafetera.es: also an ordinary word, but on a brand account it is far more likely a
typo of our own domain that sends followers to a stranger), the same name under another
extension, or the name plus other words (a fan blog).

Cost: a text with no ``@``, no ``://`` and no ``.`` followed by a letter is dismissed after
two substring tests and one literal-led regex search (about 1 µs). Each host is analysed once
and the verdict cached, so a link seen before costs a dictionary look-up.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

import ahocorasick

from hashtags.policy.schema import Policy
from hashtags.review.detector import Hit, Rule
from hashtags.review.domains import is_under, split_host
from hashtags.review.text import Document, fold
from hashtags.review.types import Category, Context, Severity

LOOKALIKE_DOMAIN = "security.lookalike-domain"
SIMILAR_DOMAIN = "security.similar-domain"
LOOKALIKE_HANDLE = "security.lookalike-handle"
IP_LINK = "security.ip-link"
SHORTENER = "security.shortener"
RISKY_TLD = "security.risky-tld"
CREDENTIAL_HARVEST = "security.credential-harvest"

RULES: tuple[Rule, ...] = (
    Rule(
        id=LOOKALIKE_DOMAIN,
        category=Category.SECURITY,
        severity=Severity.HIGH,
        action="block",
        title={
            "es": "Enlace que suplanta a {org}",
            "en": "Link impersonating {org}",
        },
        reason={
            "es": "El enlace no va a un dominio de {org} aunque lo aparenta: letras de otro "
            "alfabeto o con tilde, el nombre de la marca con palabras como «login» o "
            "«soporte», la marca como subdominio de otro sitio o una página de acceso con el "
            "nombre de la marca en un sitio ajeno. Así se disfraza el phishing, y la política "
            "solo confía en los dominios oficiales.",
            "en": "The link does not go to a {org} domain although it looks like one: letters "
            "from another alphabet or with accents, the brand name plus words such as 'login' "
            "or 'support', the brand as a subdomain of another site, or a sign-in page named "
            "after the brand on someone else's site. That is how phishing is disguised, and "
            "the policy trusts only the official domains.",
        },
        advice={
            "es": "Enlaza solo a los dominios oficiales. Si avisas de una web falsa, escríbela "
            "sin enlace (ejemplo[.]com). Si el dominio es de la empresa, añádelo a "
            "organization.domains.",
            "en": "Link only to the official domains. If you are warning about a fake site, "
            "write it without a link (example[.]com). If the domain belongs to the company, "
            "add it to organization.domains.",
        },
        example={
            "es": "¡Sorteo de aniversario! Participa en https://cafeterra-premios.com/sorteo",
            "en": "Claim your free coffee at https://cafeterra.es.free-gift.xyz today!",
        },
    ),
    Rule(
        id=SIMILAR_DOMAIN,
        category=Category.SECURITY,
        severity=Severity.MEDIUM,
        action="review",
        title={
            "es": "Enlace a un dominio parecido al de {org}",
            "en": "Link to a domain similar to {org}'s",
        },
        reason={
            "es": "El dominio se diferencia de uno oficial de {org} en una letra, en la "
            "extensión o en palabras añadidas: puede ser una errata que manda a los clientes "
            "a un sitio ajeno o un dominio registrado para suplantar a la marca.",
            "en": "The domain differs from an official {org} domain by one letter, by its "
            "extension or by added words: it may be a typo that sends customers to someone "
            "else's site, or a domain registered to impersonate the brand.",
        },
        advice={
            "es": "Comprueba la dirección letra a letra y usa el dominio oficial. Si el dominio "
            "es de la empresa, añádelo a organization.domains.",
            "en": "Check the address letter by letter and use the official domain. If the "
            "domain belongs to the company, add it to organization.domains.",
        },
        example={
            "es": "Ya podéis comprar el Tueste Andino en https://cafetera.es/tienda",
            "en": "Order your Cold Brew online at cafeterra.com today!",
        },
    ),
    Rule(
        id=LOOKALIKE_HANDLE,
        category=Category.SECURITY,
        severity=Severity.HIGH,
        action="review",
        title={
            "es": "Mención a una cuenta que imita a {org}",
            "en": "Mention of an account imitating {org}",
        },
        reason={
            "es": "La cuenta citada no es una cuenta oficial de {org} pero se le parece "
            "(una letra cambiada, «soporte», «oficial», números añadidos). Las cuentas "
            "falsas de atención al cliente piden datos y contraseñas a los clientes; "
            "mencionarlas les da credibilidad.",
            "en": "The account mentioned is not an official {org} account but looks like one "
            "(a changed letter, 'support', 'official', added digits). Fake customer-service "
            "accounts ask customers for data and passwords; mentioning them lends them "
            "credibility.",
        },
        advice={
            "es": "Menciona solo las cuentas oficiales. Si la cuenta es de la empresa, añádela "
            "a organization.handles; si es falsa, denúnciala a la red social.",
            "en": "Mention only the official accounts. If the account belongs to the company, "
            "add it to organization.handles; if it is fake, report it to the network.",
        },
        example={
            "es": "Para cualquier incidencia con tu pedido, escribe por DM a @cafeterra_soporte",
            "en": "Problem with your order? Send a DM to @cafeterra_help and we will sort it out.",
        },
    ),
    Rule(
        id=IP_LINK,
        category=Category.SECURITY,
        severity=Severity.HIGH,
        action="review",
        title={
            "es": "Enlace a una dirección IP",
            "en": "Link to a raw IP address",
        },
        reason={
            "es": "Un enlace a una dirección IP en lugar de a un dominio oculta quién está "
            "detrás y es habitual en phishing y malware; si la dirección es privada "
            "(192.168…, 10…), además revela la red interna de {org}.",
            "en": "A link to an IP address instead of a domain hides who is behind it and is "
            "common in phishing and malware; a private address (192.168…, 10…) also reveals "
            "{org}'s internal network.",
        },
        advice={
            "es": "Enlaza a la página pública en un dominio oficial.",
            "en": "Link to the public page on an official domain.",
        },
        example={
            "es": "Descargad la carta de otoño aquí: http://192.168.1.20/carta.pdf",
            "en": "Download our autumn menu here: http://203.0.113.7/menu.pdf",
        },
    ),
    Rule(
        id=SHORTENER,
        category=Category.SECURITY,
        severity=Severity.LOW,
        action="warn",
        title={
            "es": "Enlace acortado que oculta el destino",
            "en": "Shortened link hiding its destination",
        },
        reason={
            "es": "Un acortador de enlaces esconde a dónde lleva: ni el lector ni la revisión "
            "pueden comprobar que el destino es de fiar, y el destino puede cambiarse después "
            "de publicar.",
            "en": "A link shortener hides where it leads: neither readers nor the review can "
            "check that the destination is safe, and it can be changed after publication.",
        },
        advice={
            "es": "Usa el enlace completo, o el acortador propio de la empresa añadido a "
            "organization.domains.",
            "en": "Use the full link, or the company's own short domain added to "
            "organization.domains.",
        },
        example={
            "es": "Todas las novedades de la temporada en https://bit.ly/3xCafe24",
            "en": "All of this season's news at https://tinyurl.com/autumn-news-24",
        },
    ),
    Rule(
        id=RISKY_TLD,
        category=Category.SECURITY,
        severity=Severity.MEDIUM,
        action="warn",
        title={
            "es": "Enlace a una extensión de dominio de alto riesgo",
            "en": "Link to a high-risk domain extension",
        },
        reason={
            "es": "La extensión del dominio (.top, .xyz, .zip…) es de las que más phishing "
            "concentran según los informes públicos de abuso de dominios (Interisle, "
            "Spamhaus), o se confunde con un nombre de fichero.",
            "en": "The domain extension (.top, .xyz, .zip…) is among those with the most "
            "phishing in public domain-abuse reports (Interisle, Spamhaus), or is easily "
            "mistaken for a file name.",
        },
        advice={
            "es": "Comprueba que el sitio es de fiar antes de recomendarlo.",
            "en": "Check that the site is trustworthy before recommending it.",
        },
        example={
            "es": "Mirad este sorteo de cafeteras: https://sorteo-cafe.top/participa",
            "en": "Check out this coffee machine giveaway: https://free-espresso.xyz",
        },
    ),
    Rule(
        id=CREDENTIAL_HARVEST,
        category=Category.SECURITY,
        severity=Severity.CRITICAL,
        action="block",
        title={
            "es": "Enlace externo con un aviso de cuenta o de verificación",
            "en": "External link with an account or verification warning",
        },
        reason={
            "es": "El texto pide verificar la cuenta, iniciar sesión o actualizar datos de pago "
            "con urgencia junto a un enlace que no es de {org}: es el guion del robo de "
            "credenciales. {org} nunca pide esto en redes sociales.",
            "en": "The text urges readers to verify their account, sign in or update payment "
            "details next to a link that is not {org}'s: that is the script of credential "
            "theft. {org} never asks for this on social media.",
        },
        advice={
            "es": "No lo publiques. Si la cuenta puede estar comprometida, avisa al equipo de "
            "seguridad.",
            "en": "Do not publish it. If the account may be compromised, alert the security team.",
        },
        example={
            "es": "Tu cuenta será suspendida hoy. Verifica tu cuenta en "
            "https://acceso-clientes.net/login",
            "en": "Your account will be suspended today. Verify your account at "
            "https://secure-login-help.net",
        },
    ),
)

# Third-party shorteners whose links say nothing of their destination. Platform wrappers
# (t.co, lnkd.in) are left out: every link posted there is wrapped and checked by the
# platform itself. Same-platform short links (youtu.be, amzn.to, wa.me) name their destination.
SHORTENERS = frozenset(
    {
        "bit.ly",
        "bitly.com",
        "tinyurl.com",
        "goo.gl",
        "ow.ly",
        "is.gd",
        "v.gd",
        "cutt.ly",
        "rebrand.ly",
        "buff.ly",
        "shorturl.at",
        "tiny.cc",
        "rb.gy",
        "t.ly",
        "s.id",
        "bl.ink",
        "soo.gd",
        "clck.ru",
        "qrco.de",
        "shorturl.me",
        "urlz.fr",
    }
)

# High-risk TLDs, each group with its source:
# - Phishing domain score (phishing domains per 10,000 registered) of ~150 or more in the
#   Interisle / Cybercrime Information Center "Phishing Landscape" 2024 and 2025 reports and
#   their quarterly tables (cybercrimeinfocenter.org): top, xyz, bond, cfd, sbs, icu, cyou, lol,
#   xin, vip, mobi, support.
# - The free ccTLDs once run by Freenom, in the same reports' top 5 in 2021-2023: tk, ml, ga,
#   cf, gq.
# - Spamhaus "World's Most Abused TLDs" lists (2016-2018): click, country, gdn, work.
# - Google Registry's 2023 .zip and .mov, criticised for being indistinguishable from file
#   names ("informe.zip").
RISKY_TLDS = frozenset(
    {
        "top", "xyz", "bond", "cfd", "sbs", "icu", "cyou", "lol", "xin", "vip", "mobi",
        "support",
        "tk", "ml", "ga", "cf", "gq",
        "click", "country", "gdn", "work",
        "zip", "mov",
    }
)  # fmt: skip
_FILE_LIKE_TLDS = frozenset({"zip", "mov"})

# Words that impersonators add to a brand name ("cafeterra_soporte", "cafeterra-login").
SERVICE_WORDS = frozenset(
    {
        # es
        "soporte", "ayuda", "atencion", "cliente", "clientes", "alcliente", "oficial",
        "servicio", "servicios", "tecnico", "equipo", "premio", "premios", "regalo", "regalos",
        "sorteo", "sorteos", "promo", "promos", "promocion", "promociones", "ofertas",
        "cuenta", "cuentas", "acceso", "seguridad", "verificacion", "verificar", "pagos",
        "pago", "reembolso", "reembolsos", "tienda", "contacto", "noticias", "espana", "esp",
        "es", "info", "online", "web", "gratis",
        # en
        "support", "help", "helpdesk", "care", "customer", "customers", "service", "services",
        "official", "real", "the", "team", "hq", "prize", "prizes", "gift", "gifts", "giveaway",
        "reward", "rewards", "deals", "offer", "offers", "account", "accounts", "login",
        "signin", "secure", "security", "verify", "verification", "auth", "pay", "payment",
        "payments", "refund", "refunds", "billing", "shop", "store", "contact", "news", "app",
        "admin", "free", "us", "uk", "mx", "global", "my",
    }
)  # fmt: skip

SOCIAL_HOSTS = frozenset(
    {
        "x.com",
        "twitter.com",
        "instagram.com",
        "facebook.com",
        "tiktok.com",
        "threads.net",
        "youtube.com",
        "t.me",
    }
)
"""Sites whose first path segment is an account name (``x.com/cafeterra_soporte``)."""

# One of these appears in every credential-harvest phrase below: the phrases are searched for
# only when one is found (a single pass of an automaton instead of the full pattern).
_HARVEST_ANCHORS = (
    "verifi", "confirm", "sesion", "bloqueo", "suspension", "cierre", "cancelacion",
    "suspendida", "bloqueada", "cerrada", "desactivada", "cancelada", "restringida",
    "eliminada", "limitada", "actualiz", "contrasena", "inusual", "sospechos", "autorizad",
    "reclam",
    "verify", "log in", "login", "sign in", "signin", "suspended", "locked", "closed",
    "disabled", "deactivated", "restricted", "terminated", "deleted", "limited", "lockout",
    "closure", "deactivation", "update your", "unusual", "suspicious", "unauthori",
    "claim your", "reset your",
)  # fmt: skip

HARVEST_WINDOW = 200
"""Credential-harvest wording counts when it is at most this many characters from the link."""

# Over the folded text (lower case, no accents). Bounded repetitions and no nested
# quantifiers, so the standard engine cannot backtrack catastrophically.
_HARVEST_RE = re.compile(
    r"""(?x)\b(?:
    # es
      verifi\w{0,6}\ (?:tu|su|vuestra|la|tus|sus)\ (?:cuenta|identidad|tarjeta|datos)
    | confirm\w{0,6}\ (?:tu|su|tus|sus)\ (?:cuenta|contrasena|clave|datos|identidad|tarjeta)
    | inicia\w{0,2}\ sesion\ (?:\w{1,20}\ ){0,3}?(?:para|y)\ (?:evitar|desbloquear|recuperar
        |reactivar|verificar|confirmar|mantener)
    | evita\w{0,1}\ (?:el\ |la\ |su\ |tu\ )?(?:bloqueo|suspension|cierre|cancelacion)
    | (?:tu|su)\ cuenta\ (?:\w{1,20}\ ){0,2}?(?:sera|ha\ sido|esta|quedara|va\ a\ ser)
        \ (?:\w{1,20}\ )?(?:suspendida|bloqueada|cerrada|desactivada|cancelada|restringida
        |eliminada|limitada)
    | actualiz\w{0,4}\ (?:tus|sus|los)\ datos\ (?:de\ pago|bancarios|de\ (?:la\ )?tarjeta
        |de\ acceso|de\ facturacion)
    | (?:restablece|restablecer|cambia|cambiar)\ (?:tu|su)\ contrasena
    | (?:actividad|acceso|inicio\ de\ sesion)\ (?:inusual|sospechos[oa]|no\ autorizad[oa])
    | reclam\w{0,4}\ (?:tu|su)\ (?:premio|regalo|reembolso)
    # en
    | verify\ (?:your|the)\ (?:account|identity|card|details|information|login)
    | confirm\ your\ (?:password|account|identity|details|credentials|card|login)
    | (?:log|sign)\ ?in\ (?:\w{1,20}\ ){0,3}?to\ (?:avoid|prevent|unlock|restore|reactivate
        |verify|confirm|keep)
    | your\ account\ (?:\w{1,20}\ ){0,2}?(?:will\ be|has\ been|is\ being|is|was)
        \ (?:\w{1,20}\ )?(?:suspended|locked|closed|disabled|deactivated|restricted|terminated
        |deleted|limited)
    | (?:avoid|prevent)\ (?:\w{1,20}\ ){0,2}?(?:suspension|lockout|being\ locked|closure
        |deactivation)
    | update\ your\ (?:payment|billing|card|bank|banking)\ (?:details|information|info
        |method)
    | (?:unusual|suspicious|unauthori[sz]ed)\ (?:activity|sign-?in|login|access)
    | claim\ your\ (?:prize|reward|gift|refund)
    | reset\ your\ password
    )\b"""
)

# Necessary for any link Document.links can find: "://", or a dot followed by a letter.
_MAYBE_LINK = re.compile(r"\.[^\W\d_]")
# scheme, user name, host[:port], the rest. The user name ends at the authority's last "@".
_URL_PARTS = re.compile(
    r"(?:([a-zA-Z][a-zA-Z0-9+.-]{0,15})://)?(?:([^/?#\\]*)@)?([^/?#\\@]*)(.*)", re.S
)
_SOCIAL = "social-profile"
# Paths of sign-in pages: with the brand's name in the path of someone else's site, the link
# is a phishing kit ("/PayPal/myaccount/signin/"), not a news article about the brand. The word
# must be a whole path segment or file name: in a news slug it is joined by hyphens
# ("/google-starts-boosting-secure-sites").
_LOGIN_PATH = re.compile(
    r"(?:^|[/._?=&#])(?:sign-?in|log-?in|logon|my-?account|account|webscr|verify|verification"
    r"|secure|password|credentials|iniciar-?sesion|inicio-?sesion|acceso|mi-?cuenta|cuenta"
    r"|verificar|verificacion)(?=$|[/._?=&#])"
)
# Led by a literal "@" so that the engine jumps from one "@" to the next; what precedes the
# "@" (a letter: an e-mail address; "/" or "@": part of a URL or a Mastodon address) is checked
# in code, as a lookbehind here would be tried at every position of the text.
_MENTION = re.compile(r"@([\w-][\w.-]{0,253})")
_EMAIL_DOMAIN = re.compile(r"[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})
_SEPARATORS = re.compile(r"[-_.]+")


@dataclass(frozen=True, slots=True)
class _Stem:
    """One of the organization's names, reduced to its skeleton (``"cafeterra"``)."""

    name: str
    domain: str
    """The official domain to suggest instead of a lookalike ("" when the policy has none)."""


@dataclass(frozen=True, slots=True)
class _HostVerdict:
    rule: str | None
    """The link-level rule, or None when nothing is wrong with the host itself."""
    stem: _Stem | None = None
    score: float = 1.0
    trusted: bool = False
    """One of the organization's own domains or their subdomains."""


_TRUSTED = _HostVerdict(rule=None, trusted=True)
_UNTRUSTED = _HostVerdict(rule=None)


class LinkDetector:
    """Checks every link, ``@handle`` and e-mail domain in a text against the policy's names."""

    id = "links"

    def __init__(self, policy: Policy) -> None:
        org = policy.organization
        self._own_domains = tuple(org.domains)
        self._skeleton = _skeleton_table()
        stems: dict[str, _Stem] = {}
        primary = self._own_domains[0] if self._own_domains else ""
        for domain in self._own_domains:
            _, label, _ = split_host(domain)
            self._add_stem(stems, label, domain)
        for name in org.all_brand_names:
            self._add_stem(stems, name, primary)
        handles = [h.lstrip("@") for h in org.handles]
        # Account handles may be written as profile paths ("company/cafeterra" on LinkedIn).
        handles += [a.handle.rsplit("/", 1)[-1].lstrip("@") for a in policy.accounts]
        self._official_handles = frozenset(_handle_base(h.lower()) for h in handles)
        for handle in handles:
            self._add_stem(stems, _handle_base(handle), primary)
        self._stems = tuple(stems.values())
        _harvest_automaton()
        self._official_handle = org.handles[0] if org.handles else ""
        self._competitors = frozenset(self._compact(c) for c in org.competitors)
        # Verdicts per host and per handle: the same few recur across texts.
        self._host_verdict: Callable[[str], _HostVerdict] = lru_cache(maxsize=4096)(
            self._analyse_host
        )
        self._link_verdict: Callable[[str], _HostVerdict] = lru_cache(maxsize=4096)(
            self._analyse_hostport
        )
        self._handle_verdict: Callable[[str], _Stem | None] = lru_cache(maxsize=4096)(
            self._lookalike_handle
        )

    def rules(self) -> Sequence[Rule]:
        return RULES

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        text = doc.text
        has_at = "@" in text
        if not has_at and "://" not in text and not _MAYBE_LINK.search(text):
            return ()
        hits: list[Hit] = []
        untrusted: list[tuple[int, int]] = []
        links = doc.links
        for start, end, url in links:
            self._check_link(start, end, url, hits, untrusted)
        if has_at:
            self._check_mentions(text, links, hits, untrusted)
        if untrusted:
            hits.extend(self._harvest(doc.folded, untrusted))
        return hits

    # Links

    def _check_link(
        self,
        start: int,
        end: int,
        url: str,
        hits: list[Hit],
        untrusted: list[tuple[int, int]],
    ) -> None:
        parts = _URL_PARTS.match(url)
        if parts is None:
            return
        scheme, userinfo, hostport, path = parts.groups()
        if scheme and scheme.lower().startswith("hxxp"):
            return  # defanged on purpose ("hxxp://..."): not clickable
        verdict = self._link_verdict(hostport)
        if verdict.trusted:
            return
        if verdict.rule == _SOCIAL or (verdict.rule is None and path.startswith("/@")):
            # x.com/name, and /@name on Mastodon instances, TikTok, YouTube, Medium...
            self._check_profile_link(start, end, path, hits, untrusted)
            return
        untrusted.append((start, end))
        rule = verdict.rule
        if rule in (IP_LINK, SHORTENER):
            hits.append(Hit(rule=rule, start=start, end=end))
            return
        if userinfo and rule is None:
            stem = self._stem_in(userinfo)
            if stem is not None:
                # "https://cafeterra.es@evil.example/": the brand is only the user name.
                hits.append(self._domain_hit(LOOKALIKE_DOMAIN, start, end, stem, ""))
                return
        if rule in (None, RISKY_TLD) and len(path) > 5:
            stem = self._login_page_for(path)
            if stem is not None:
                # evil.example/cafeterra.es/signin: a sign-in page named after the brand.
                hits.append(self._domain_hit(LOOKALIKE_DOMAIN, start, end, stem, "", 0.8))
                return
        if rule in (LOOKALIKE_DOMAIN, SIMILAR_DOMAIN) and verdict.stem is not None:
            keep = path if rule == SIMILAR_DOMAIN else ""
            hits.append(self._domain_hit(rule, start, end, verdict.stem, keep, verdict.score))
        elif rule == RISKY_TLD:
            if not scheme and url[:4].lower() != "www.":
                tld = hostport.rsplit(".", 1)[-1]
                if not path.strip("/") and tld.lower() in _FILE_LIKE_TLDS:
                    return  # "informe.zip": a file name, most likely
                if not tld.islower():
                    return  # "ayer.Top ventas": a missing space, not a link
            hits.append(Hit(rule=RISKY_TLD, start=start, end=end, score=0.7))

    def _analyse_hostport(self, hostport: str) -> _HostVerdict:
        host = _host_of(hostport)
        if not host:
            return _TRUSTED  # nothing to check
        if _is_ip(host):
            return _HostVerdict(rule=IP_LINK)
        verdict = self._host_verdict(host)
        if not verdict.trusted and host.removeprefix("www.") in SOCIAL_HOSTS:
            return _HostVerdict(rule=_SOCIAL)
        return verdict

    def _check_profile_link(
        self,
        start: int,
        end: int,
        path: str,
        hits: list[Hit],
        untrusted: list[tuple[int, int]],
    ) -> None:
        """``https://x.com/cafeterra_soporte``: a link to an account is a mention."""
        account = path.lstrip("/").split("/", 1)[0].split("?", 1)[0].lstrip("@").lower()
        if account and _handle_base(account) in self._official_handles:
            return
        untrusted.append((start, end))
        if account and self._handle_verdict(account) is not None:
            hits.append(Hit(rule=LOOKALIKE_HANDLE, start=start, end=end, score=0.8))

    def _domain_hit(
        self, rule: str, start: int, end: int, stem: _Stem, path: str, score: float = 1.0
    ) -> Hit:
        fix = None
        if stem.domain:
            official = f"https://{stem.domain}{path}"
            fix = {"es": official, "en": official}
        return Hit(rule=rule, start=start, end=end, score=score, fix_text=fix)

    def _analyse_host(self, host: str) -> _HostVerdict:
        if any(is_under(host, own) for own in self._own_domains):
            return _TRUSTED
        subdomain, label, suffix = split_host(host)
        registered = f"{label}.{suffix}" if suffix else label
        if registered in SHORTENERS or host in SHORTENERS:
            return _HostVerdict(rule=SHORTENER)
        verdict = self._lookalike(subdomain, label, suffix)
        if verdict is not None:
            return verdict
        if suffix and suffix.rsplit(".", 1)[-1] in RISKY_TLDS:
            return _HostVerdict(rule=RISKY_TLD)
        return _UNTRUSTED

    def _lookalike(self, subdomain: str, label: str, suffix: str) -> _HostVerdict | None:
        if not suffix or not label:
            return None
        decoded = _decode_punycode(label)
        folded = fold(decoded)
        skeleton = folded.translate(self._skeleton)
        compact = _SEPARATORS.sub("", _sequences(skeleton))
        # Letters of another script (Cyrillic а, fullwidth ｃ) or an undecodable xn-- label;
        # accents alone are ordinary in Spanish domain names (cafetería.es).
        foreign = decoded.startswith("xn--") or not folded.isascii()
        if compact not in self._competitors:
            for stem in self._stems:
                name = stem.name
                if compact == name:
                    if decoded == name:
                        # Same name under another extension: cafeterra.com for cafeterra.es.
                        return _HostVerdict(SIMILAR_DOMAIN, stem, 0.8)
                    # caféterra, cafe-terra, cаfeterra (Cyrillic а), ｃafeterra: a disguise.
                    return _HostVerdict(LOOKALIKE_DOMAIN, stem)
                if name in compact and _contains_name(skeleton, name):
                    plain = _SEPARATORS.sub("", folded)
                    rest = plain.replace(name, " ", 1) if name in plain else " "
                    if foreign or _only_service_words(rest):
                        return _HostVerdict(LOOKALIKE_DOMAIN, stem, 0.9)
                    return _HostVerdict(SIMILAR_DOMAIN, stem, 0.6)
                edits = _max_edits(name)
                if edits and _edit_distance(compact, name, edits) <= edits:
                    rule = LOOKALIKE_DOMAIN if foreign else SIMILAR_DOMAIN
                    return _HostVerdict(rule, stem, 0.9 if foreign else 0.7)
        for sub in subdomain.split(".") if subdomain else ():
            if sub == "www":
                continue
            sub_skeleton = _sequences(fold(_decode_punycode(sub)).translate(self._skeleton))
            sub_compact = _SEPARATORS.sub("", sub_skeleton)
            for stem in self._stems:
                if sub_compact == stem.name or (
                    stem.name in sub_compact and _contains_name(sub_skeleton, stem.name)
                ):
                    # cafeterra.es.verify-account.xyz, cafeterra.secure-login.com
                    return _HostVerdict(LOOKALIKE_DOMAIN, stem, 0.9)
        return None

    # Handles and e-mail domains

    def _check_mentions(
        self,
        text: str,
        links: list[tuple[int, int, str]],
        hits: list[Hit],
        untrusted: list[tuple[int, int]],
    ) -> None:
        for m in _MENTION.finditer(text):
            at = m.start()
            if links and any(s <= at < e for s, e, _ in links):
                continue  # https://mastodon.social/@name is a link, checked as one
            prev = text[at - 1] if at else " "
            if prev.isalnum() or prev in "._+-":
                domain = _EMAIL_DOMAIN.match(m.group(1))
                if domain is not None:
                    name = domain.group().rstrip(".-")
                    self._check_email_domain(at + 1, name, hits, untrusted)
            elif prev not in "@/" and m.group(1)[0] not in "-":
                self._check_handle(at, m.group(1).rstrip(".-"), hits, untrusted)

    def _check_handle(
        self, at: int, name: str, hits: list[Hit], untrusted: list[tuple[int, int]]
    ) -> None:
        stem = self._handle_verdict(name.lower())
        if stem is not None:
            end = at + 1 + len(name)
            fix = None
            if self._official_handle:
                fix = {"es": self._official_handle, "en": self._official_handle}
            hits.append(Hit(rule=LOOKALIKE_HANDLE, start=at, end=end, score=0.8, fix_text=fix))
            untrusted.append((at, end))

    def _lookalike_handle(self, handle: str) -> _Stem | None:
        base = _handle_base(handle)
        if base in self._official_handles:
            return None
        plain = _SEPARATORS.sub("", fold(base))
        skeleton = _sequences(fold(base).translate(self._skeleton))
        compact = _SEPARATORS.sub("", skeleton)
        if not compact or compact in self._competitors or plain in self._competitors:
            return None
        for stem in self._stems:
            name = stem.name
            if compact == name:
                return stem  # @cafe_terra, @cafe-terra, @cafeterrа (Cyrillic а)
            if name in compact and _contains_name(skeleton, name):
                rest = (
                    plain.replace(name, " ", 1) if name in plain else compact.replace(name, " ", 1)
                )
                if _only_service_words(rest):
                    return stem  # @cafeterra_soporte, @cafeterra0, @realcafeterra
            # @marta_cafeterra (someone's own account) is left alone; @cafetera is not.
            edits = min(_max_edits(name), 1)
            if edits and _edit_distance(compact, name, edits) <= edits:
                return stem
        return None

    def _check_email_domain(
        self, start: int, domain: str, hits: list[Hit], untrusted: list[tuple[int, int]]
    ) -> None:
        end = start + len(domain)
        verdict = self._host_verdict(_host_of(domain))
        if verdict.rule in (LOOKALIKE_DOMAIN, SIMILAR_DOMAIN) and verdict.stem is not None:
            fix = None
            if verdict.stem.domain:
                fix = {"es": verdict.stem.domain, "en": verdict.stem.domain}
            hits.append(
                Hit(rule=verdict.rule, start=start, end=end, score=verdict.score, fix_text=fix)
            )
            untrusted.append((start, end))

    # Wording

    def _harvest(self, folded: str, targets: list[tuple[int, int]]) -> Iterator[Hit]:
        if not _has_harvest_anchor(folded):
            return
        wording = [m.span() for m in _HARVEST_RE.finditer(folded)]
        if not wording:
            return
        for start, end in targets:
            if any(
                ws - end <= HARVEST_WINDOW and start - we <= HARVEST_WINDOW for ws, we in wording
            ):
                yield Hit(rule=CREDENTIAL_HARVEST, start=start, end=end, score=0.9)

    # Helpers

    def _add_stem(self, stems: dict[str, _Stem], name: str, domain: str) -> None:
        compact = self._compact(name)
        if len(compact) >= 3 and compact not in stems:
            stems[compact] = _Stem(name=compact, domain=domain)

    def _compact(self, name: str) -> str:
        skeleton = _sequences(fold(name).translate(self._skeleton))
        return "".join(c for c in skeleton if c.isalnum())

    def _login_page_for(self, path: str) -> _Stem | None:
        lower = path.lower()
        # The name in the query string is often a referrer or a search, not the page.
        page = lower.partition("?")[0].partition("#")[0]
        stem = next((s for s in self._stems if len(s.name) >= 5 and s.name in page), None)
        if stem is None or not _LOGIN_PATH.search(lower):
            return None
        return stem

    def _stem_in(self, text: str) -> _Stem | None:
        compact = self._compact(text)
        return next((stem for stem in self._stems if stem.name in compact), None)


def build(policy: Policy) -> LinkDetector:
    return LinkDetector(policy)


@cache
def _skeleton_table() -> dict[int, str]:
    """Characters that look like an ASCII letter or digit -> that character (lower case).

    From the Unicode confusables data shipped with ``confusable-homoglyphs``: Cyrillic ``а``
    -> ``a``, fullwidth ``ｃ`` -> ``c``, dotless ``ı`` -> ``i``... plus the digits that pass for
    letters in domain names (``0`` -> ``o``, ``1`` -> ``l``).
    """
    from confusable_homoglyphs.confusables import confusables_data

    table: dict[int, str] = {ord("0"): "o", ord("1"): "l"}
    for char, glyphs in confusables_data.items():
        if len(char) != 1 or ord(char) < 128:
            continue
        targets = [
            g["c"] for g in glyphs if len(g["c"]) == 1 and g["c"].isascii() and g["c"].isalnum()
        ]
        if targets:
            lower = [t for t in targets if t.islower()]
            table[ord(char)] = (lower or targets)[0].lower()
    return table


@cache
def _harvest_automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for anchor in _HARVEST_ANCHORS:
        automaton.add_word(anchor, anchor)
    automaton.make_automaton()
    return automaton


def _has_harvest_anchor(folded: str) -> bool:
    return next(_harvest_automaton().iter(folded), None) is not None


def _sequences(skeleton: str) -> str:
    """Multi-letter lookalikes: ``rn`` -> ``m``, ``vv`` -> ``w``."""
    if "rn" in skeleton:
        skeleton = skeleton.replace("rn", "m")
    if "vv" in skeleton:
        skeleton = skeleton.replace("vv", "w")
    return skeleton


def _host_of(hostport: str) -> str:
    if not hostport.isascii():
        hostport = hostport.translate(_DOTS)  # ideographic and fullwidth full stops
    host = hostport.lower().rstrip(".")
    if host.startswith("["):
        return host.partition("]")[0] + "]"
    head, sep, port = host.rpartition(":")
    if sep and port.isdigit():
        host = head
    return ".".join(_decode_punycode(label) for label in host.split("."))


def _decode_punycode(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except (UnicodeError, ValueError):
        return label


def _is_ip(host: str) -> bool:
    if host.startswith("["):
        return True
    if not (host[:1].isdigit() or host.startswith("0x")):
        return False
    try:
        ipaddress.ip_address(host)
    except ValueError:
        # Browsers also accept a whole address as one number: http://3232235796/
        return host.isdigit() and len(host) >= 8
    return True


def _handle_base(handle: str) -> str:
    """``cafeterra@mastodon.social`` -> ``cafeterra``; ``cafeterra.es`` (Bluesky) -> same."""
    return handle.split("@", 1)[0].split(".", 1)[0]


def _max_edits(name: str) -> int:
    """Edits that still make a typo of ``name``: none for short names (too many real words)."""
    if len(name) >= 12:
        return 2
    if len(name) >= 5:
        return 1
    return 0


def _contains_name(skeleton: str, name: str) -> bool:
    """Long names count anywhere ("micafeterra"); short ones only as a separate word."""
    if len(name) >= 5:
        return True
    return name in _SEPARATORS.split(skeleton)


def _only_service_words(rest: str) -> bool:
    """Whether what is left around the brand name is digits and service words only."""
    return all(_segments(part) for part in rest.split())


@lru_cache(maxsize=1024)
def _segments(part: str) -> bool:
    """Whether ``part`` splits into service words and digits ("soportetecnico" -> True)."""
    if not part:
        return True
    n = len(part)
    ok = [True] + [False] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - 16), end):
            if ok[start] and (part[start:end] in SERVICE_WORDS or part[start:end].isdigit()):
                ok[end] = True
                break
    return ok[n]


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance (Levenshtein plus adjacent swaps), capped at limit+1."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            value = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                value = min(value, before[j - 2] + 1)
            current[j] = value
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)
