"""How long a post may be on each network, counted the way each network counts.

Mastodon counts characters with every link as 23; X counts links as 23 too (and most other
characters as one here: a simplification for Latin scripts); Bluesky counts graphemes (what a
reader sees as one character: an emoji with modifiers is one). The web app counts the same way
in the browser while people type (static/compose.js); this module is the server's check.
"""

from __future__ import annotations

from dataclasses import dataclass

import regex

URL = regex.compile(r"https?://\S+", regex.IGNORECASE)
LINK_LENGTH = 23


@dataclass(frozen=True, slots=True)
class Limit:
    network: str
    max_chars: int
    counting: str
    """``chars``, ``links23`` (links count 23) or ``graphemes``."""


LIMITS = {
    "sandbox": Limit("sandbox", 500, "links23"),
    "mastodon": Limit("mastodon", 500, "links23"),
    "bluesky": Limit("bluesky", 300, "graphemes"),
    "x": Limit("x", 280, "links23"),
    "linkedin": Limit("linkedin", 3000, "chars"),
    "instagram": Limit("instagram", 2200, "chars"),
    "facebook": Limit("facebook", 63206, "chars"),
}


def length(text: str, network: str) -> int:
    """``text``'s length as ``network`` counts it."""
    limit = LIMITS.get(network)
    counting = limit.counting if limit else "chars"
    if counting == "graphemes":
        return len(regex.findall(r"\X", text))
    if counting == "links23":
        total = len(text)
        for match in URL.finditer(text):
            total += LINK_LENGTH - len(match.group())
        return total
    return len(text)


def over_limit(text: str, networks: set[str]) -> dict[str, tuple[int, int]]:
    """Networks whose limit ``text`` exceeds: network -> (length, limit)."""
    out = {}
    for network in sorted(networks):
        limit = LIMITS.get(network)
        if limit is None:
            continue
        count = length(text, network)
        if count > limit.max_chars:
            out[network] = (count, limit.max_chars)
    return out
