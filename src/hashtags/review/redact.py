"""Redaction: what a finding may show of personal data and secrets."""

from __future__ import annotations

from hashtags.review.types import Category

MASK = "•"


def redact(snippet: str, category: Category) -> str:
    """Mask letters and digits, keeping separators and the length.

    Personal data keeps the first character of each word and the last two digits of a number
    (enough for a person to recognise which e-mail or card it was); secrets keep nothing.
    """
    if category is Category.SECRET:
        return "".join(MASK if ch.isalnum() else ch for ch in snippet)
    out = list(snippet)
    digits = [i for i, ch in enumerate(out) if ch.isdigit()]
    keep = set(digits[-2:]) if len(digits) >= 8 else set()
    word_start = True
    for i, ch in enumerate(out):
        if ch.isalnum():
            if not (word_start and ch.isalpha()) and i not in keep:
                out[i] = MASK
            word_start = False
        else:
            word_start = True
    return "".join(out)
