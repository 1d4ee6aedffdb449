"""Fast language identification for short social media texts.

A review must cost well under a millisecond, and general-purpose identifiers (py3langid,
lingua) spend 50-100 µs on a tweet. Function words settle Spanish against English in a few
microseconds; when a text has none (a hashtag, a name, a link) the caller falls back to the
policy's first language and applies every language's word lists.
"""

from __future__ import annotations

import re

from hashtags.review.types import Lang

_FUNCTION_WORDS: dict[Lang, frozenset[str]] = {
    "es": frozenset(
        ["el", "la", "los", "las", "un", "una", "unos", "unas", "y", "o", "pero", "que", "de", "del", "al", "en", "con", "por", "para", "sin", "sobre", "es", "son", "esta", "estan", "este", "esta", "esto", "estos", "estas", "ese", "esa", "eso", "hay", "muy", "mas", "ya", "tambien", "no", "si", "su", "sus", "mi", "mis", "tu", "tus", "nuestro", "nuestra", "nuestros", "nuestras", "se", "lo", "le", "les", "me", "te", "nos", "como", "cuando", "donde", "porque", "pues", "aunque", "hoy", "manana", "gracias", "hola", "todo", "todos", "todas", "nada", "yo", "ella", "ellos", "ellas", "usted", "ustedes", "vosotros", "fue", "ser", "estar", "tengo", "tiene", "tienen", "hemos", "han", "he", "ha", "puede", "pueden", "quiero", "vamos", "solo", "bien", "aqui", "alli", "cual", "quien", "mucho", "poco"]
    ),
    "en": frozenset(
        ["the", "a", "an", "and", "or", "but", "of", "to", "in", "on", "at", "for", "with", "without", "from", "by", "about", "is", "are", "was", "were", "be", "been", "this", "that", "these", "those", "there", "here", "it", "its", "our", "ours", "your", "yours", "my", "their", "they", "we", "you", "he", "she", "him", "her", "them", "not", "no", "yes", "do", "does", "did", "done", "have", "has", "had", "will", "would", "can", "could", "should", "shall", "may", "might", "just", "very", "more", "also", "so", "if", "then", "than", "when", "where", "why", "how", "what", "who", "which", "all", "any", "today", "tomorrow", "thanks", "thank", "hello", "hi", "please", "i", "me", "us", "out", "up", "off", "into", "over", "again", "only", "really", "get", "got"]
    ),
    "pt": frozenset(
        ["o", "os", "as", "um", "uma", "e", "ou", "mas", "que", "do", "da", "dos", "das", "em", "no", "na", "nos", "nas", "com", "por", "para", "sem", "nao", "sim", "seu", "sua", "seus", "suas", "meu", "minha", "voce", "voces", "ele", "ela", "eles", "elas", "isso", "isto", "muito", "mais", "tambem", "hoje", "obrigado", "obrigada", "ola", "tudo", "nada", "foi", "ser", "estar", "tem", "sao", "esta"]
    ),
    "fr": frozenset(
        ["le", "la", "les", "un", "une", "des", "et", "ou", "mais", "que", "qui", "de", "du", "au", "aux", "en", "dans", "avec", "pour", "par", "sans", "sur", "est", "sont", "cette", "ce", "cet", "ces", "il", "elle", "ils", "elles", "nous", "vous", "je", "tu", "ne", "pas", "plus", "tres", "aussi", "aujourd", "hui", "merci", "bonjour", "tout", "tous", "rien", "etait", "etre", "avoir", "avons", "avez", "ont"]
    ),
    "it": frozenset(
        ["il", "lo", "la", "i", "gli", "le", "un", "una", "e", "o", "ma", "che", "di", "del", "della", "dei", "delle", "in", "con", "per", "senza", "su", "sono", "questo", "questa", "quello", "quella", "non", "si", "suo", "sua", "suoi", "mio", "mia", "tuo", "tua", "noi", "voi", "loro", "molto", "piu", "anche", "oggi", "grazie", "ciao", "tutto", "niente", "era", "essere", "avere", "abbiamo", "hanno"]
    ),
    "de": frozenset(
        ["der", "die", "das", "ein", "eine", "einen", "und", "oder", "aber", "dass", "von", "zu", "im", "in", "mit", "fur", "ohne", "auf", "ist", "sind", "war", "waren", "dieser", "diese", "dieses", "nicht", "kein", "keine", "ja", "nein", "ich", "du", "er", "sie", "wir", "ihr", "sehr", "mehr", "auch", "heute", "danke", "hallo", "alles", "nichts", "sein", "haben", "hat", "wird", "werden"]
    ),
}
_WORD_RE = re.compile(r"[a-z]+")
# Words that also carry weight when seen once: typical Spanish or English letters.
_ES_MARKERS = re.compile(r"[ñ¿¡]|ción|ciones")


def detect_language(folded: str, raw: str, candidates: tuple[Lang, ...]) -> tuple[Lang, bool]:
    """Return ``(language, confident)`` among ``candidates`` (policy languages, in order).

    ``folded`` is the text lower-cased with accents removed; ``raw`` is the original, used for
    letters that folding erases (ñ, ¿, ¡).
    """
    scores = dict.fromkeys(candidates, 0.0)
    for word in _WORD_RE.findall(folded):
        for lang in candidates:
            words = _FUNCTION_WORDS.get(lang)
            if words is not None and word in words:
                scores[lang] += 1.0
    if "es" in scores and _ES_MARKERS.search(raw.lower()):
        scores["es"] += 1.5
    ranked = sorted(candidates, key=lambda lang: -scores[lang])
    best = ranked[0]
    if scores[best] == 0:
        return candidates[0], False
    runner_up = scores[ranked[1]] if len(ranked) > 1 else 0.0
    confident = scores[best] >= 2 * runner_up + 1 if runner_up else scores[best] >= 1
    return best, confident
