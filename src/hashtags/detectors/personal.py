"""Employees on their own accounts: disclosing their job, not speaking for the company.

Three rules, all about who is talking:

* ``disclosure.missing``: an employee praising or promoting the company's brands, products or
  shop on a *personal* account must say they work there (``#empleado``, ``#employee``, ``#ad``...),
  because advertising has to be recognisable as such.
* ``disclaimer.missing``: an employee who is not an authorized spokesperson and writes as the
  company ("en nombre de Caféterra", "our official position") on a personal account must make
  clear the opinion is their own.
* ``disclaimer.complaint-reply``: complaints aimed at the company are answered by customer
  service, not by an employee who happens to see them: either the text replies to a complaint
  (``ctx.reply_to``) or it handles one itself ("siento que tu pedido llegara roto, te mandamos
  otro").

Brand accounts never get the first two rules. Most texts mention none of the company's names,
so the name search runs first and everything else only when it or a cheap keyword test hits.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence

from hashtags.policy.schema import Policy
from hashtags.review.detector import Hit, Rule
from hashtags.review.text import Document, fold
from hashtags.review.types import Category, Context, Severity

MAX_REPLY_CHARS = 2_000
"""Only the start of a message being answered is read: a complaint says what it is early."""

_DISCLOSURE_FIX = {"es": "#empleado", "en": "#employee"}
_DISCLAIMER_FIX = {"es": "(Opiniones propias)", "en": "(Views are my own)"}

RULES: tuple[Rule, ...] = (
    Rule(
        id="disclosure.missing",
        category=Category.DISCLOSURE,
        severity=Severity.MEDIUM,
        action="review",
        title={
            "es": "Promoción de {org} sin decir que trabajas allí",
            "en": "Promoting {org} without saying you work there",
        },
        reason={
            "es": "Cuando un empleado recomienda los productos de {org} desde su cuenta personal, "
            "la ley de publicidad y la política exigen que se sepa que trabaja en la empresa: "
            "la publicidad encubierta engaña a quien lo lee y daña la credibilidad de la marca.",
            "en": "When an employee recommends {org}'s products from a personal account, "
            "advertising law and the policy require readers to know they work for the company: "
            "hidden advertising misleads readers and damages the brand's credibility.",
        },
        advice={
            "es": "Añade #empleado (o «trabajo en {org}») al texto.",
            "en": "Add #employee (or “I work at {org}”) to the text.",
        },
        example={
            "es": "¡Probad el nuevo Tueste Andino de @cafeterra, está buenísimo!",
            "en": "Go get 20% off the new Tueste Andino at cafeterra.es, it's amazing!",
        },
    ),
    Rule(
        id="disclaimer.missing",
        category=Category.DISCLAIMER,
        severity=Severity.MEDIUM,
        action="review",
        title={
            "es": "Hablas en nombre de {org} desde una cuenta personal",
            "en": "Speaking for {org} from a personal account",
        },
        reason={
            "es": "Solo los portavoces autorizados hablan en nombre de {org}; lo que publique "
            "otro empleado como si fuera la postura de la empresa puede tomarse como oficial.",
            "en": "Only authorized spokespeople speak for {org}; anything another employee "
            "posts as if it were the company's position may be taken as official.",
        },
        advice={
            "es": "Habla en primera persona y añade «Opiniones propias», o pide a Comunicación "
            "que lo publique como comunicado oficial.",
            "en": "Speak for yourself and add “Views are my own”, or ask the communications "
            "team to publish it as an official statement.",
        },
        example={
            "es": "Como empresa hemos decidido no subir los precios este año.",
            "en": "We at Caféterra have decided not to raise prices this year.",
        },
    ),
    Rule(
        id="disclaimer.complaint-reply",
        category=Category.DISCLAIMER,
        severity=Severity.MEDIUM,
        action="review",
        title={
            "es": "Respuesta a una queja dirigida a {org}",
            "en": "Reply to a complaint aimed at {org}",
        },
        reason={
            "es": "Las quejas de clientes las atiende atención al cliente ({service}), que puede "
            "revisar el caso y dejar constancia; una respuesta de otro empleado puede prometer "
            "lo que la empresa no puede cumplir o agravar la queja.",
            "en": "Customer complaints are handled by customer service ({service}), who can "
            "look into the case and keep a record of it; a reply from another employee may "
            "promise what the company cannot deliver or make the complaint worse.",
        },
        advice={
            "es": "No la respondas tú: remite al cliente a atención al cliente o avisa al equipo.",
            "en": "Don't answer it yourself: point the customer to customer service or tell "
            "the team.",
        },
        example={
            "es": "@maria_lopez siento mucho que tu pedido de Caféterra llegara roto, hoy mismo "
            "te mandamos otro.",
            "en": "@mike_r so sorry your Caféterra order arrived damaged, we'll send you a new "
            "one today.",
        },
    ),
)

# --- word lists (folded: lower case, no accents; applied in every language) ------------------

_STRONG_PROMO = (
    # Spanish calls to action and commerce.
    r"prob(?:ad|adlo|adla|adlos|adlas|ar|arlo|arla)|prueba(?:lo|la|los|las)?"
    r"(?= (?:el|la|los|las|nuestr[oa]s?|su|sus|este|esta|ya|ahora)\b)|pruebalo|pruebala"
    r"|tienes que probar|teneis que probar|no te (?:lo |la )?pierdas|no os (?:lo |la )?perdais"
    r"|corre(?:d)? a (?:por|comprar|probar)|compr(?:adlo|adla|alo|ala|adlos|alos)"
    r"|compra(?:d)? (?:ya|ahora|tu|vuestr[oa]s?)|consigue(?:lo|la)?|conseguid|pidelo|pidela"
    r"|descuentos?|rebajas|ofertas?(?! de (?:empleo|trabajo))|promocion|promo|codigo|cupon"
    r"|envio gratis|gratis|\d{1,3} ?% ?(?:de descuento|dto|off|menos)"
    r"|(?:os|te|lo|la|los|las|les) recomiendo|recomiendo|recomendadisim[oa]s?"
    r"|enlace en (?:la )?bio|link en (?:la )?bio"
    # English.
    r"|try (?:it|this|the|our|their|out|them|one)|must[- ]try|(?:have|need|got) to try"
    r"|gotta try|go get|get yours|get (?:\d{1,3} ?%|it now|one now)|grab (?:one|yours|a)"
    r"|buy (?:it|one|yours|now|the|some)|order (?:now|yours|today)|shop (?:now|the)"
    r"|discounts?|\d{1,3} ?% off|promo code|use code|coupon|deals|(?:great|good|best|sweet) deal"
    r"|on sale|free shipping"
    r"|check (?:it |them )?out|don'?t miss|link in (?:my )?bio|(?:highly )?recommend"
)
_WEAK_PROMO = (
    r"buenisim[oa]s?|riquisim[oa]s?|delicios[oa]s?|increibles?|espectacular(?:es)?"
    r"|me encanta(?:n)?|me chifla(?:n)?|(?:os|te) va(?:n)? a encantar|favorit[oa]s?"
    r"|(?:el|la|lo) mejor|los mejores|las mejores|una maravilla|maravillos[oa]s?"
    r"|imprescindibles?|genial(?:es)?|una pasada|que rico|que bueno|de 10|orgullos[oa]"
    r"|lov(?:e|es|ed|ing)|amazing|awesome|the best|favou?rites?|delicious|incredible"
    r"|fantastic|tasty|yummy|must[- ]have|obsessed|so good|can'?t get enough|proud"
)
_COMPLAINT = (
    r"rot[oa]s?|peor(?:es)?|fatal|desastre|verguenza|quejas?|reclamacion(?:es)?|reclamar"
    r"|estafa|timo|horrible|pesim[oa]s?|nunca|sigo esperando|todavia no|aun no|no ha llegado"
    r"|no me ha llegado|no llega|no funciona|reembolso|devolucion|devolverme|me habeis cobrado"
    r"|cobrado dos veces|mal servicio|malisim[oa]s?|asco|lamentable|indignad[oa]s?|hart[oa]s?"
    r"|worst|broken|terrible|awful|horrible|never|still waiting|refund|complain(?:t|ts|ing)?"
    r"|disappoint(?:ed|ing)|disgusting|scam|rip-?off|unacceptable|(?:doesn'?t|does not) work"
    r"|not working|(?:hasn'?t|never|didn'?t) arrived?|charged (?:me )?twice|overcharged|damaged"
    r"|rude|wrong order|shame on|where is my|ridiculous|useless|(?:poor|bad) service"
)
_NEGATION_BEFORE = re.compile(r"(?:\bno|\bnot|n't|\bnever|\bnunca)(?: \w+)?\s$")

_OFFICIAL_VERBS_ES = (
    r"hemos decidido|decidimos|hemos tomado la decision|lamentamos|anunciamos|rechazamos"
    r"|condenamos|apoyamos|defendemos|nos posicionamos|nos comprometemos|no toleramos"
    r"|desmentimos|comunicamos|informamos|queremos (?:aclarar|comunicar|anunciar|informar|"
    r"dejar claro|pedir disculpas)|pedimos disculpas"
)
_OFFICIAL = (
    # Spanish.
    r"\bcomo empresa,? (?:hemos|vamos|queremos|decidimos|creemos|pensamos|apostamos|estamos"
    r"|nos|no|tenemos|lamentamos|defendemos|rechazamos|condenamos|apoyamos)\b"
    r"|\b(?:nuestra|la) (?:posicion|postura) oficial\b"
    r"|\b(?:posicion|postura) (?:oficial )?de (?:la empresa|{brands})\b"
    r"|\ben nombre de (?:la empresa|mi empresa|toda la empresa|(?:todo el equipo de )?{brands})\b"
    r"|\bhablo (?:en nombre de|por) (?:la empresa|{brands})\b"
    r"|\b(?:desde|en|nosotros en|aqui en) {brands},? (?:" + _OFFICIAL_VERBS_ES + r")\b"
    # English.
    r"|\bas a company,? we\b"
    r"|\bour official (?:position|stance|statement|response|view)\b"
    r"|\b(?:the )?official (?:position|stance|view) of (?:the company|{brands})\b"
    r"|\bon behalf of (?:the company|my company|my employer|everyone at {brands}"
    r"|(?:the (?:whole )?)?{brands}(?: team)?)\b"
    r"|\b(?:{brands}|the company)'?s (?:official )?(?:position|stance|view) (?:is|on)\b"
    r"|\b(?:we|us) at {brands}\b|\bhere at {brands},? we\b"
    r"|\bspeaking (?:for|on behalf of) (?:the company|{brands})\b"
)
_DISCLAIMERS = (
    r"opiniones (?:propias|personales|mias)|opinion (?:propia|personal)|opiniones son mias"
    r"|mis opiniones|a titulo personal|no (?:represento|hablo en nombre de|hablo por)"
    r"|(?:views|opinions) (?:are )?(?:my own|mine)|my own (?:views|opinions)|my (?:views|opinion)"
    r"|personal (?:views?|opinions?)|(?:views|opinions) expressed (?:here )?are (?:mine|my own)"
    r"|(?:do not|don'?t) (?:represent|speak for)|not speaking (?:for|on behalf)"
    r"|#opinionespropias|#viewsmyown|#opinionsmyown"
)
_DISCLOSURES = (
    r"#(?:ad|ads|publi|publicidad|anuncio|empleado|empleada|emplead[oa]s|employee|patrocinado"
    r"|patrocinada|sponsored|spon|colaboracion|partner|paid|paidpartnership|advertisement"
    r"|trabajoen{tags}|iwork(?:at|for){tags})(?!\w)"
    r"|\btrabajo (?:en|para) {brands}|\b(?:soy|como) emplead[oa] (?:de|en) {brands}"
    r"|\bemplead[oa] de {brands}|\bi work (?:at|for) {brands}|\bi'?m an employee\b"
    r"|\b(?:i am|i'm|as) an? (?:employee|worker) (?:of|at) {brands}|\b{brands} employee"
    r"|\b(?:disclosure|aviso|transparencia): (?:trabajo|i work)"
)

_APOLOGY = (
    r"\bsiento (?:mucho )?(?:que|lo de|lo del|las molestias)|\bsentimos|\blamentamos"
    r"|\bdisculpa(?:d|s)? (?:las molestias|por)|\bperdona(?:d)? (?:las molestias|por)"
    r"|\bsorry (?:about|for|that|to hear|your)|\bso sorry\b|\bwe apologi[sz]e|\bapologies for"
    r"|\bmy apologies|\bour apologies"
)
_REMEDY = (
    r"\b(?:te|os|le|les) (?:devolvemos|devolveremos|reembolsamos|reembolsaremos|reponemos"
    r"|repondremos|cambiamos|cambiaremos|solucionamos|solucionaremos)\b"
    r"|\b(?:te|os|le|les) (?:enviamos|mandamos|enviaremos|mandaremos|enviare|mandare) "
    r"(?:otr[oa]|un[oa]? nuev[oa]|el reembolso|un reembolso|un cupon|un vale|un regalo)"
    r"|\bwe(?:'ll| will) (?:refund|replace|reimburse|make it right|sort (?:it|this) out)"
    r"|\bwe(?:'ll| will) send (?:you )?(?:a (?:new|replacement)|another|a refund|a voucher)"
    r"|\bwe(?:'re| are) looking into\b|\bestamos revisando (?:tu|su|vuestr)"
)
_SERVICE_OBJECT = (
    r"\b(?:pedidos?|envios?|entregas?|cobros?|facturas?|reembolsos?|devolucion(?:es)?|paquetes?"
    r"|orders?|deliver(?:y|ies)|shipments?|packages?|parcels?|refunds?|charges?|invoices?)\b"
)


def _names_pattern(names: Iterable[str]) -> str:
    """An alternation of folded names, longest first, or a pattern that never matches."""
    folded = sorted({fold(n).strip() for n in names if n.strip()}, key=len, reverse=True)
    if not folded:
        return r"(?!x)x"
    return "(?:" + "|".join(re.escape(n) for n in folded) + ")"


def _phrases_pattern(phrases: Iterable[str]) -> str:
    """Policy-supplied phrases as whole-word alternatives (``|``-prefixed, or empty)."""
    out = []
    for phrase in phrases:
        key = fold(phrase).strip()
        if not key:
            continue
        left = r"(?<!\w)" if key[0].isalnum() or key[0] == "_" else ""
        right = r"(?!\w)" if key[-1].isalnum() or key[-1] == "_" else ""
        out.append(left + re.escape(key) + right)
    return "".join("|" + p for p in out)


def _contains_any(text: str, keys: tuple[str, ...]) -> bool:
    # A plain loop: any() over a generator costs more than the substring tests themselves.
    for key in keys:  # noqa: SIM110
        if key in text:
            return True
    return False


def _word(pattern: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + pattern + r")(?!\w)")


class PersonalDetector:
    """Disclosure and disclaimer rules for employees; see the module docstring."""

    id = "personal"

    def __init__(self, policy: Policy) -> None:
        org = policy.organization
        brand_names = org.all_brand_names
        brands = _names_pattern(brand_names)
        # Every way of naming "us": brands, products, handles (without "@"), domains.
        mention_names = [
            *brand_names,
            *org.products,
            *(h.lstrip("@") for h in org.handles),
            *org.domains,
        ]
        self._mention = re.compile(r"(?<!\w)" + _names_pattern(mention_names) + r"(?!\w)")
        # Cheapest possible first test: the folded text contains one of these substrings
        # (a name that contains another, "cafeterra.es" and "cafeterra", needs no test).
        keys = sorted({fold(n).strip() for n in mention_names if n.strip()}, key=len)
        self._mention_keys = tuple(
            k for i, k in enumerate(keys) if not any(s in k for s in keys[:i])
        )
        self._strong = _word(_STRONG_PROMO)
        self._weak = _word(_WEAK_PROMO)
        self._complaint = _word(_COMPLAINT)
        self._official = re.compile(_OFFICIAL.replace("{brands}", brands))
        extra_disclaimers = [p for ps in policy.disclaimers.values() for p in ps]
        self._disclaimer = re.compile(_DISCLAIMERS + _phrases_pattern(extra_disclaimers))
        tags = _names_pattern(fold(n).replace(" ", "") for n in brand_names)
        extra_disclosures = [p for ps in policy.disclosures.values() for p in ps]
        self._disclosure = re.compile(
            _DISCLOSURES.replace("{brands}", brands).replace("{tags}", tags)
            + _phrases_pattern(extra_disclosures)
        )
        self._apology = re.compile(_APOLOGY)
        self._remedy = re.compile(_REMEDY)
        self._service_object = re.compile(_SERVICE_OBJECT)
        # Every official-voice pattern without one of our names has one of these words.
        self._official_keys = ("empresa", "ficial", "behalf", "company")

        spokespeople = policy.spokespeople
        service = policy.roles.get("customer_service")
        self._spokes_roles = frozenset(spokespeople.roles)
        self._spokes_people = frozenset(p.lower() for p in spokespeople.people)
        service_people = list(service.people) if service else []
        self._service_people = frozenset(p.lower() for p in service_people)
        contacts = [*service_people, *(service.handles if service else [])] or list(org.handles)
        contact = ", ".join(contacts)
        # Role mailboxes and handles the policy publishes, never the text's personal data.
        self._params = {"service": contact or org.name}
        where = f": {contact}" if contact else ""
        self._route_fix = {
            "es": f"¡Hola! Para que lo resuelvan cuanto antes, escribe a atención al cliente "
            f"de {org.name}{where}.",
            "en": f"Hi! So it gets sorted quickly, please contact {org.name} customer "
            f"service{where}.",
        }

    def rules(self) -> Sequence[Rule]:
        return RULES

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        personal = ctx.account == "personal"
        author = (ctx.author or "").strip().lower()
        # Complaints: every author on a personal account, known ordinary employees on brand ones.
        complaint_rule = (personal or bool(author)) and not self._handles_complaints(author)
        if not (personal or complaint_rule):
            return []
        # Cheap substring tests before any regex: most posts name nothing of ours.
        folded = doc.folded
        names_us = _contains_any(folded, self._mention_keys)
        hits: list[Hit] = []
        if personal:
            if names_us:
                hits.extend(self._disclosure_hits(folded))
            if (names_us or _contains_any(folded, self._official_keys)) and (
                not self._is_spokesperson(author)
            ):
                hits.extend(self._disclaimer_hits(folded))
        if complaint_rule:
            hits.extend(self._complaint_hits(doc, ctx, names_us=names_us))
        return hits

    # --- disclosure --------------------------------------------------------------------------

    def _disclosure_hits(self, folded: str) -> Iterator[Hit]:
        mention = self._mention.search(folded)
        if mention is None:
            return
        strong = any(not self._negated(folded, m.start()) for m in self._strong.finditer(folded))
        if not strong:
            weak = any(not self._negated(folded, m.start()) for m in self._weak.finditer(folded))
            # Praise words in a complaint are sarcasm or contrast ("I love how they never...").
            if not weak or self._complaint.search(folded):
                return
        if self._disclosure.search(folded):
            return
        yield Hit(
            rule="disclosure.missing",
            start=mention.start(),
            end=mention.end(),
            score=0.9 if strong else 0.7,
            fix_text=_DISCLOSURE_FIX,
            append=True,
        )

    @staticmethod
    def _negated(folded: str, start: int) -> bool:
        return bool(_NEGATION_BEFORE.search(folded, max(0, start - 16), start))

    # --- disclaimer --------------------------------------------------------------------------

    def _disclaimer_hits(self, folded: str) -> Iterator[Hit]:
        match = self._official.search(folded)
        if match is None or self._disclaimer.search(folded):
            return
        yield Hit(
            rule="disclaimer.missing",
            start=match.start(),
            end=match.end(),
            fix_text=_DISCLAIMER_FIX,
            append=True,
        )

    def _is_spokesperson(self, author: str) -> bool:
        return bool(author) and (author in self._spokes_roles or author in self._spokes_people)

    def _handles_complaints(self, author: str) -> bool:
        return (
            self._is_spokesperson(author)
            or author == "customer_service"
            or author in self._service_people
        )

    # --- complaint replies -------------------------------------------------------------------

    def _complaint_hits(self, doc: Document, ctx: Context, *, names_us: bool) -> Iterator[Hit]:
        text = doc.text
        if ctx.reply_to and self._is_complaint(fold(ctx.reply_to[:MAX_REPLY_CHARS])):
            yield self._complaint_hit(text, score=0.9)
            return
        if not names_us:
            return
        # The text handles a complaint about us itself: an apology or a remedy ("we'll send
        # you a new one") about an order, a delivery, a refund.
        folded = doc.folded
        if self._mention.search(folded) is None or self._service_object.search(folded) is None:
            return
        if self._remedy.search(folded) or self._apology.search(folded):
            yield self._complaint_hit(text, score=0.7)

    def _is_complaint(self, folded_reply: str) -> bool:
        return bool(self._mention.search(folded_reply)) and bool(
            self._complaint.search(folded_reply)
        )

    def _complaint_hit(self, text: str, *, score: float) -> Hit:
        start = len(text) - len(text.lstrip())
        end = max(start, len(text.rstrip()))
        return Hit(
            rule="disclaimer.complaint-reply",
            start=start,
            end=end,
            score=score,
            params=self._params,
            fix_text=self._route_fix,
        )


def build(policy: Policy) -> PersonalDetector:
    return PersonalDetector(policy)
