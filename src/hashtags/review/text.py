"""Text preparation shared by every detector.

Detectors match against ``fold(text)``: lower case, accents removed, *the same length as the
text*, so that an offset found in the folded text is an offset in the original.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hashtags.models.text import TextSignals
    from hashtags.review.types import Lang


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _build_fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in range(0x20, 0x3000):
        ch = chr(cp)
        low = ch.lower()
        if len(low) != 1:  # "İ".lower() is two characters: strip the accent, then lower
            low = _strip_marks(ch).lower()
            low = low if len(low) == 1 else ch
        base = _strip_marks(low)
        if len(base) == 1 and base != ch:
            table[cp] = base
        elif low != ch:
            table[cp] = low
    # Typographic quotes and dashes fold to their ASCII forms so that patterns stay simple.
    for quote in "\u2018\u2019\u201a\u201b\u2032":
        table[ord(quote)] = "'"
    for dquote in "\u201c\u201d\u201e\u201f\u00ab\u00bb":
        table[ord(dquote)] = '"'
    for dash in "\u2010\u2011\u2012\u2013\u2014\u2212":
        table[ord(dash)] = "-"
    table[0xA0] = " "
    return table


_FOLD_TABLE = _build_fold_table()


def lone_surrogate(text: str) -> int | None:
    """Where ``text`` has its first lone surrogate (what a JSON ``"\\ud800"`` escape without its
    pair becomes: not Unicode text, and no UTF-8 file or database can hold it), or None.
    Encoding is the check (surrogates are the only characters UTF-8 refuses): under 1 µs for a
    tweet, against 2.4 µs for a regular-expression search, and every review pays it."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def fold(text: str) -> str:
    """Lower-case and strip accents without changing the length: ``len(fold(t)) == len(t)``."""
    if text.isascii():  # most posts: str.lower is length-preserving on ASCII and much faster
        return text.lower()
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter whose lower case is longer ("İ")
        return text.translate(_FOLD_TABLE)
    # Only the few non-ASCII runs need the table; translating every character is ~20x slower.
    return _NON_ASCII_RUN.sub(_fold_run, lowered)


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _fold_run(match: re.Match[str]) -> str:
    return match.group().translate(_FOLD_TABLE)


_URL_RE = re.compile(
    r"""(?ix)
    (?<![\w@/.])
    (?:
        (?:https?|hxxps?|ftp)://[^\s<>"'`]+           # scheme://...
      | www\.[^\s<>"'`]+                              # www.example.com/...
      | (?:[a-z0-9\u00a1-\uffff](?:[a-z0-9\u00a1-\uffff-]{0,62}[a-z0-9\u00a1-\uffff])?\.)+
        (?:[a-z\u00a1-\uffff]{2,24}|xn--[a-z0-9-]{2,59})  # bare domain
        (?::\d{2,5})?(?:/[^\s<>"'`]*)?
    )
    """
)
_LINK_MARK = re.compile(r"://|\.[^\W\d_]")
_NON_SPACE_RUN = re.compile(r"\S*")
_TRAILING_PUNCT = ".,;:!?)]}'\"»”’…"


class Document:
    """A text prepared once for every detector: folded form, language, links."""

    __slots__ = ("__dict__", "folded", "lang", "langs", "signals", "text")

    def __init__(
        self,
        text: str,
        lang: Lang,
        langs: frozenset[Lang],
        folded: str | None = None,
        signals: TextSignals | None = None,
    ) -> None:
        self.text = text
        self.signals = signals
        """The trained classifiers' signals, when they were computed before the review."""
        self.folded = fold(text) if folded is None else folded
        """The text in lower case without accents, of the same length."""
        self.lang = lang
        self.langs = langs
        """Languages whose word lists apply: the detected one, or several when unsure."""

    @cached_property
    def links(self) -> list[tuple[int, int, str]]:
        """``(start, end, url)`` for every link-like token, trailing punctuation trimmed."""
        text = self.text
        out: list[tuple[int, int, str]] = []
        # Every link has "://" or a dot followed by a letter (its TLD). Find those marks, widen
        # each to its whitespace-delimited token and run the full pattern there only: a link
        # never spans whitespace, and the pattern over a whole post costs tens of µs.
        covered = -1
        for mark in _LINK_MARK.finditer(text):
            position = mark.start()
            if position < covered:
                continue
            start = position
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            end = _NON_SPACE_RUN.match(text, position).end()  # type: ignore[union-attr]
            covered = end
            for m in _URL_RE.finditer(text, start, end):
                link_start, link_end = m.span()
                while link_end > link_start and text[link_end - 1] in _TRAILING_PUNCT:
                    link_end -= 1
                candidate = text[link_start:link_end]
                if "://" not in candidate and not _looks_like_domain(candidate):
                    continue
                out.append((link_start, link_end, candidate))
        return out


def _looks_like_domain(candidate: str) -> bool:
    host = candidate.split("/", 1)[0].split(":", 1)[0]
    labels = host.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    tld = labels[-1]
    # "e.g" or "3.5" or "sr.garcia" are not links: a real TLD is alphabetic and known.
    return tld.isalpha() and len(tld) >= 2 and _is_known_tld(tld.lower())


def _is_known_tld(tld: str) -> bool:
    from hashtags.review.domains import known_tld

    return known_tld(tld)
