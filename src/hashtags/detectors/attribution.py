"""Other people's words and pictures without credit to their author or source.

Three rules:

* ``attribution.quote``: a quotation (a quoted passage of several words, not scare quotes or a
  product name) with no author: nothing like "— Einstein", "(Steve Jobs)", "as Einstein said",
  "Lucía: «...»" around it and no link to the source.
* ``attribution.repost``: "RT", "#repost", "#regram" with no @author, a credit label left empty
  ("vía", "photo by", "Fuente:"), or a non-source ("imagen de Google", "credits to the owner").
* ``attribution.image``: a picture marked as such ("(foto)", "[imagen]", "📷" as a label) in a
  text that credits nobody.

Most texts contain no double quote and none of the marker words, which two substring tests
settle before any regular expression runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import ahocorasick

from hashtags.policy.schema import Policy
from hashtags.review.detector import Hit, Rule
from hashtags.review.text import Document
from hashtags.review.types import Category, Context, Severity

MIN_WORDS = 6
"""A quoted passage shorter than this inside a sentence is scare quotes or a name, not a quote."""
MIN_WORDS_STANDALONE = 4
"""A quote that opens the text, or follows a colon, is a quotation from fewer words on."""
MAX_QUOTE_CHARS = 600
MAX_HITS = 10
"""Findings per text and check: the tenth uncredited photo adds nothing to the first nine."""
MAX_MARKERS = 100
"""Marker words examined per text, so that a text made of markers stays cheap."""

_QUOTE_FIX = {"es": "— Autor: …", "en": "— Author: …"}
_SOURCE_FIX = {"es": "— Fuente: …", "en": "— Source: …"}
_IMAGE_FIX = {"es": "— Foto: …", "en": "— Photo: …"}

RULES: tuple[Rule, ...] = (
    Rule(
        id="attribution.quote",
        category=Category.ATTRIBUTION,
        severity=Severity.LOW,
        action="warn",
        title={"es": "Cita sin autor", "en": "Quotation without its author"},
        reason={
            "es": "{org} respeta la autoría: una cita sin su autor parece propia, y atribuir "
            "palabras ajenas protege a la marca de plagios y de citas falsas.",
            "en": "{org} respects authorship: a quotation without its author reads as our own "
            "words, and crediting protects the brand from plagiarism and misquotes.",
        },
        advice={
            "es": "Añade quién lo dijo tras la cita («…» — Nombre) o enlaza la fuente.",
            "en": "Add who said it after the quote (“…” — Name) or link to the source.",
        },
        example={
            "es": "Frase del día: «La creatividad es la inteligencia divirtiéndose». ¡Feliz lunes!",
            "en": 'Quote of the day: "Stay hungry, stay foolish." Happy Monday!',
        },
    ),
    Rule(
        id="attribution.repost",
        category=Category.ATTRIBUTION,
        severity=Severity.LOW,
        action="warn",
        title={
            "es": "Contenido compartido sin mencionar a su autor",
            "en": "Shared content without crediting its author",
        },
        reason={
            "es": "Republicar textos o imágenes ajenos sin citar al autor o la fuente puede "
            "infringir sus derechos; la política de {org} pide mencionarlos siempre.",
            "en": "Reposting someone else's text or images without naming the author or "
            "source may infringe their rights; {org}'s policy asks to always credit them.",
        },
        advice={
            "es": "Menciona al autor (@usuario o nombre) o la fuente original; «Google» o "
            "«internet» no son fuentes.",
            "en": "Name the author (@user or name) or the original source; “Google” or “the "
            "internet” are not sources.",
        },
        example={
            "es": "#repost Qué pasada de arte latte, así da gusto empezar el día",
            "en": "RT: Best latte art I've seen this year, just look at that swan",
        },
    ),
    Rule(
        id="attribution.image",
        category=Category.ATTRIBUTION,
        severity=Severity.LOW,
        action="warn",
        title={"es": "Imagen sin créditos", "en": "Image without credit"},
        reason={
            "es": "Las fotos y vídeos tienen autor: publicarlos sin crédito puede infringir sus "
            "derechos, y la política de {org} pide citarlo.",
            "en": "Photos and videos have an author: publishing them without credit may "
            "infringe their rights, and {org}'s policy asks to name them.",
        },
        advice={
            "es": "Añade «Foto: @autor» o la fuente. Si la foto es tuya, añade «Foto: propia».",
            "en": "Add “Photo: @author” or the source. If you took it, add “Photo: my own”.",
        },
        example={
            "es": "Las diez cafeterías más bonitas de Europa (foto)",
            "en": "[image] The ten most beautiful coffee shops in Europe",
        },
    ),
)

# One Aho-Corasick pass over the folded text tells which checks can find anything: most texts
# contain none of these ("RT" is tested on the original text, where its case matters).
_QUOTE, _MARKER, _DISOWN = 1, 2, 4
_KEYS: dict[str, int] = {
    '"': _QUOTE,
    "repost": _MARKER,
    "regram": _MARKER,
    "via": _MARKER,
    "foto": _MARKER,
    "imagen": _MARKER,
    "photo": _MARKER,
    "pic": _MARKER,
    "image": _MARKER,
    "video": _MARKER,
    "gif": _MARKER,
    "fuente": _MARKER,
    "source": _MARKER,
    "credit": _MARKER | _DISOWN,
    "autor": _MARKER,
    "author": _MARKER,
    "\U0001f4f7": _MARKER,
    "\U0001f4f8": _MARKER,
    "owner": _DISOWN,
    "derechos": _DISOWN,
    "copyright": _DISOWN,
    "t own": _DISOWN,
    "not own": _DISOWN,
    "no es mi": _DISOWN,
    "no son mi": _DISOWN,
}


def _automaton() -> ahocorasick.Automaton:
    automaton = ahocorasick.Automaton()
    for key, flags in _KEYS.items():
        automaton.add_word(key, (flags, len(key)))
    automaton.make_automaton()
    return automaton


_AUTOMATON = _automaton()

# A quotation opens with a word (not a space or another quote) and closes after one, followed
# by no letter: that skips inch marks and the doubled quotes of CSV exports. What may come
# before the opening quote is checked apart (_BEFORE_QUOTE).
_QUOTE_RE = re.compile(r'"(?=[^\s"])[^"\n]{1,' + str(MAX_QUOTE_CHARS) + r'}(?<=[^\s"])"(?![\w"])')
_BEFORE_QUOTE = frozenset(" \t\n\r([:-\u2015¡¿")
_WORD_RE = re.compile(r"[^\W_]+(?:['\-][^\W_]+)*")

_SPEECH = (
    r"dijo|dice|decia|dicho|escribio|escribe|afirma|afirmo|asegura|aseguro|explica|explico"
    r"|segun|citando a|cito a|palabras de|pregunto|respondio|contesto|comenta|comento|declaro"
    r"|recuerda|tuiteo|publico|said|says|say|wrote|writes|told|tells|asked|asks|answered"
    r"|replied|according to|quoting|in the words of|tweeted|posted|put it|stated|states"
    r"|explained|claims|claimed|argued"
)
_SPEECH_RE = re.compile(r"\b(?:" + _SPEECH + r")\b")
# After the quote, on the folded text: "— Einstein", "(Steve Jobs)", "@ana", ", dijo Ana".
_CREDIT_AFTER = re.compile(
    r"\s{0,3}[,.;]?\s{0,3}(?:[-\u2015~]{1,3}\s{0,3}[^\s\-]|\(\s{0,3}[^\s)][^)]{0,80}\)|@\w"
    r"|(?:" + _SPEECH + r")\b)"
)
# After the quote, on the text itself: "de Cervantes", "by Mark Bray" (a capital: a name).
_NAMED_AFTER = re.compile(r"\s{0,3},?\s{0,3}(?:de|by|from|por)\s{1,3}(?:@\w|[A-ZÁÉÍÓÚÑ])")
# "Lucía: «...»", "@ana: «...»": a name then a colon right before the quote.
_NAME_COLON = re.compile(
    r"(?:@\w{1,30}|\b[A-ZÁÉÍÓÚÑ][\w.\-]{1,30}(?: [A-ZÁÉÍÓÚÑ][\w.\-]{1,30})?)\s{0,2}:\s{0,3}$"
)

# Names that are not a source: where an image was found, not who made it.
_NO_CREDIT = (
    r"internet|la red|la web|the web|the internet|the net|google(?: images| imagenes)?"
    r"|pinterest|tumblr|desconocid[oa]|unknown|anonim[oa]|anonymous|n/?a|idk|no se"
    r"|a quien corresponda|whoever|su autor|sus autores|el autor|the owner|the owners"
    r"|(?:the |its |their )?(?:original |respective )?owners?|su (?:dueno|creador|autor)"
    r"|(?:el|la) (?:propietari[oa]|creador[a]?)"
)
_NO_CREDIT_RE = re.compile(r"(?:" + _NO_CREDIT + r")\b")
# "Foto de internet": a place where a picture was found, never its author.
_NO_SOURCE_PLACE = re.compile(
    r"(?:internet|la red|la web|google(?: images| imagenes)?|pinterest|tumblr)\b"
)
# "RT @ana: ...", "RT “@ana: ...": the whole text is credited to its author.
_CREDITED_REPOST = re.compile(r"\s{0,3}RT\s{0,2}:?\s{0,2}[\"“«]?@\w")
# "Créditos a su autor", "no copyright intended", "I don't own this": the classic non-credit.
_DISCLAIMED_OWNERSHIP = re.compile(
    r"\b(?:credits? (?:to|goes to|go to)|creditos? (?:a|al|para)|all rights (?:to|belong to)"
    r"|todos los derechos (?:a|al|para|pertenecen a)|derechos (?:a|al) (?:su|sus|el)) "
    r"(?:the |its |their |su |sus |el |la |los )?(?:original |respective |respectivos )?"
    r"(?:owners?|autor(?:es|a)?|authors?|creators?|creador(?:es|a)?|duenos?|propietarios?)\b"
    r"|\bno copyright (?:infringement )?intended\b|\bi (?:don'?t|do not) own (?:this|these"
    r"|the (?:rights|photo|image|picture|video|music|song|content))\b"
    r"|\bno (?:es|son) mi[oa]s?\b.{0,20}\b(?:foto|imagen|video)"
)

# Markers that take a credit right after them. Group "kind" says how to judge the slot.
_MARKER_RE = re.compile(
    r"(?P<repost>(?<![\w@])#?(?:repost(?:ed|ing|eado|eo)?|regram(?:med|eado)?))\b"
    r"|(?P<label>(?<![\w@#])(?:via|(?:foto|fotos|imagen|imagenes|photo|photos|pic|pics|picture"
    r"|image|images|video|videos)\s{0,2}(?:by|from|credit|credits|:)|photo credit"
    r"|image credit|creditos?\s{0,2}:|credits?\s{0,2}:|fuente\s{0,2}:|source\s{0,2}:"
    r"|autor[a]?\s{0,2}:|author\s{0,2}:))(?!\w)"
    r"|(?P<of>(?<![\w@#])(?:foto|fotos|imagen|imagenes|video|videos) de)\b"
    r"|(?P<tag>[\[(]\s?(?:foto|fotos|imagen|imagenes|photo|photos|image|images|pic|pics"
    r"|video|videos|gif)\s?[\])])"
    r"|(?P<camera>[\U0001f4f7\U0001f4f8]\ufe0f?)"
)
_RT_RE = re.compile(r"RT\b[ \t]{0,3}:?[ \t]{0,3}(?P<next>\S{1,30})?")
_RT_REQUEST = frozenset(
    {"", "if", "si", "to", "and", "y", "para", "porfa", "please", "pls", "plz", "this", "esto"}
)
_OWN = re.compile(r"(?:me|mi|myself|yo|propia|propio|mia|mine|my own|own|nuestra|ours)\b")
_PREPOSITION = re.compile(
    r"(?:from|de|desde|by|por|via|of|courtesy of|cortesia de|credit|credits)\s{1,3}"
)
# What a credit looks like: a handle, a link, a "username:" (Tumblr style).
_HANDLE_OR_LINK = re.compile(r"@\w|https?://|www\.|[\w.\-]{2,30}:\s")
_CAPITALIZED = re.compile(r"[A-ZÁÉÍÓÚÑ\d]")
_SLOT_PUNCT = " \t:-\u2015~|,"


class AttributionDetector:
    """Quotations, reposts and images without credit; see the module docstring."""

    id = "attribution"

    def rules(self) -> Sequence[Rule]:
        return RULES

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        text = doc.text
        folded = doc.folded
        found = 0
        marker_starts: list[int] = []
        for end, (flags, length) in _AUTOMATON.iter(folded):
            found |= flags
            if flags & _MARKER:
                marker_starts.append(end - length + 1)
        has_rt = "RT" in text
        if not (found or has_rt):
            return []
        if found & _DISOWN:
            # "Créditos a su autor", "no copyright intended": the text admits it has no credit.
            disowned = _DISCLAIMED_OWNERSHIP.search(folded)
            if disowned is not None:
                start, end = disowned.span()
                return [_hit("attribution.repost", start, end, 0.9, _SOURCE_FIX)]
        hits: list[Hit] = []
        markers = _markers(folded, marker_starts) if marker_starts else []
        if has_rt:
            rt_hits = list(islice(_rt_hits(text), MAX_HITS))
            if rt_hits and not _credited_anywhere(doc, markers):
                hits.extend(rt_hits)
        if markers:
            hits.extend(islice(_marker_hits(doc, markers), MAX_HITS))
        if found & _QUOTE:
            hits.extend(_quote_hits(doc))
        # A link anywhere is taken as the source, and "RT @ana:" credits the whole text; both
        # are checked last because few texts get this far.
        if hits and (_CREDITED_REPOST.match(text) or doc.links):
            return []
        return hits


# --- reposts and images ----------------------------------------------------------------------


def _rt_hits(text: str) -> Iterator[Hit]:
    """ "RT: text" or "RT text" opening a line, with no @author after it."""
    start = text.find("RT")
    while start >= 0:
        m = _RT_RE.match(text, start) if _previous(text, start) in ("", "\n") else None
        if m is not None:
            following = m.group("next")
            if not (
                following is None
                or following.lstrip("\"“«'").startswith(("@", "http", "www."))
                or following.lower().rstrip("!.,?") in _RT_REQUEST
            ):
                yield _hit("attribution.repost", start, start + 2, 0.8, _SOURCE_FIX)
        start = text.find("RT", start + 2)


def _markers(folded: str, starts: list[int]) -> list[re.Match[str]]:
    """The marker matches around the places where the automaton saw a marker word.

    Matching there, rather than searching the whole text with a long alternation, keeps the
    cost proportional to the few marker words instead of to the text's length.
    """
    out: list[re.Match[str]] = []
    covered = -1
    for key_start in sorted(starts)[:MAX_MARKERS]:
        if key_start < covered:
            continue
        # "#repost" and "(foto)" begin one or two characters before their word.
        for begin in (key_start - 2, key_start - 1, key_start):
            if begin < 0 or begin < covered:
                continue
            m = _MARKER_RE.match(folded, begin)
            if m is not None and m.end() > key_start:
                out.append(m)
                covered = m.end()
                break
    return out


def _marker_hits(doc: Document, markers: list[re.Match[str]]) -> Iterator[Hit]:
    text, folded = doc.text, doc.folded
    credited: bool | None = None
    for m in markers:
        kind = m.lastgroup
        start, end = m.span()
        if kind == "repost":
            if _slot_credited(text, folded, end, explicit=False):
                continue
            if credited is None:
                credited = _credited_anywhere(doc, markers)
            if not credited:
                yield _hit("attribution.repost", start, end, 0.8, _SOURCE_FIX)
        elif kind in ("tag", "camera"):
            labelled = _slot(folded, end, "").startswith(":")
            if kind == "camera":
                # A camera as a label ("📷 @ana", "📷: ..."), opening a line or followed by a
                # colon; at the end of a sentence it is decoration.
                if not (labelled or _previous(text, start) in ("", "\n")):
                    continue
                if _slot_credited(text, folded, end, explicit=labelled):
                    continue
            if credited is None:
                credited = _credited_anywhere(doc, markers)
            if not credited:
                yield _hit("attribution.image", start, end, 0.6, _IMAGE_FIX)
        else:
            # "vía", "photo by", "Fuente:", "foto de": an empty slot, or a non-source
            # ("imagen de Google", "Fuente: internet"). "vía rápida" is ordinary Spanish.
            slot = _slot(folded, end)
            empty = not slot or not (slot[0].isalnum() or slot[0] in "@#\"'(")
            if kind == "of":
                non_source = _NO_SOURCE_PLACE.match(slot) is not None
            else:
                non_source = not folded.startswith("via", start) and bool(_NO_CREDIT_RE.match(slot))
            if empty or non_source:
                yield _hit("attribution.repost", start, end, 0.7, _SOURCE_FIX)


# --- quotations ------------------------------------------------------------------------------


def _quote_hits(doc: Document) -> Iterator[Hit]:
    text, folded = doc.text, doc.folded
    found = 0
    start = folded.find('"')
    while start >= 0:
        m = _QUOTE_RE.match(folded, start)
        # A quotation opens after a space or punctuation, not inside a word ("15" screen").
        if m is None or (start > 0 and folded[start - 1] not in _BEFORE_QUOTE):
            start = folded.find('"', start + 1)
            continue
        end = m.end()
        if _uncredited_quote(text, folded, start, end):
            yield _hit("attribution.quote", start, end, 0.7, _QUOTE_FIX)
            found += 1
            if found >= MAX_HITS:
                return
        start = folded.find('"', end)


def _uncredited_quote(text: str, folded: str, start: int, end: int) -> bool:
    words = _WORD_RE.findall(text, start + 1, end - 1)
    standalone = _previous(text, start) in ("", "\n", ":")
    if len(words) < (MIN_WORDS_STANDALONE if standalone else MIN_WORDS) or _is_title(words):
        return False
    if folded.startswith("@", start + 1):
        return False  # '"@ana: ..."': a quoted post that names its author.
    if _SPEECH_RE.search(folded, max(0, start - 60), start) or _NAME_COLON.search(
        text, max(0, start - 40), start
    ):
        return False
    if _CREDIT_AFTER.match(folded, end) or _NAMED_AFTER.match(text, end):
        return False
    return _SPEECH_RE.search(folded, end, min(len(folded), end + 40)) is None


def _previous(text: str, start: int) -> str:
    """The character before ``start`` skipping spaces and tabs; "" at the start of the text.

    Walking back instead of slicing keeps many markers in one long text linear.
    """
    i = start - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    return text[i] if i >= 0 else ""


def _hit(rule: str, start: int, end: int, score: float, fix: dict[str, str]) -> Hit:
    return Hit(rule=rule, start=start, end=end, score=score, fix_text=fix, append=True)


def _slot(folded: str, end: int, strip: str = _SLOT_PUNCT) -> str:
    """What follows a marker, without the separators ("photo by: X" -> "X...")."""
    return folded[end : end + 60].lstrip(strip or " \t")


def _slot_credited(text: str, folded: str, end: int, *, explicit: bool) -> bool:
    """Whether a credit follows ``end``: a handle, a link, "username:", or "from Name"."""
    offset = end
    while offset < len(folded) and folded[offset] in _SLOT_PUNCT:
        offset += 1
    if _HANDLE_OR_LINK.match(folded, offset):
        return True
    prep = _PREPOSITION.match(folded, offset)
    if prep is not None:
        offset = prep.end()
        explicit = True
        if _HANDLE_OR_LINK.match(folded, offset):
            return True
    if _OWN.match(folded, offset):
        return explicit
    if _NO_CREDIT_RE.match(folded, offset):
        return False
    # "from Ana García": a capital after an explicit credit word; two capitals make a name.
    if offset < len(text) and _CAPITALIZED.match(text, offset):
        if explicit:
            return True
        rest = text[offset : offset + 40].split()
        return len(rest) >= 2 and all(w[:1].isupper() for w in rest[:2])
    return False


def _credited_anywhere(doc: Document, markers: list[re.Match[str]]) -> bool:
    """A handle or a filled credit label anywhere in the text (links are checked by scan)."""
    if "@" in doc.text:
        return True
    return any(
        m.lastgroup in ("label", "repost")
        and _slot_credited(doc.text, doc.folded, m.end(), explicit=m.lastgroup == "label")
        for m in markers
    )


def _is_title(words: list[str]) -> bool:
    """Titles quote a name ("The Return of the King"): most long words are capitalised."""
    long = [w for w in words if len(w) > 3]
    if not long:
        return False
    return sum(1 for w in long if w[0].isupper()) >= 0.7 * len(long)


def build(policy: Policy) -> AttributionDetector:
    return AttributionDetector()
