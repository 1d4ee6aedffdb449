"""Hashed text features, shared by training and inference, computed for a whole batch at once.

Every classifier here is linear over the same features, so a text is turned into features
once, however many models score it. The features are those a TF-IDF vectoriser would build
(words, word bigrams, and character n-grams of 2 to 5 inside words, as scikit-learn's
``char_wb``), hashed into ``2**bits`` buckets. Hashing needs no vocabulary, and doing it with
NumPy over the concatenated batch, not one n-gram at a time in Python, is what makes it cost
tens of microseconds per text rather than hundreds.

Training (``training/``) and inference call the same functions, so a model sees in production
exactly the features it was fitted on. Each occurrence weighs the bucket's IDF; a text's
features are L2-normalised (duplicates are not merged before the norm: it is the same at
training and at inference, which is what matters).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

MAX_CHARS = 2000
"""Texts are cut to this many characters: a post is short, and cost grows with length."""

CHAR_MIN, CHAR_MAX = 2, 5

_URL_RE = re.compile(r"https?://[^\s\x00]+")
_WWW_RE = re.compile(r"www\.[^\s\x00]+")
_MENTION_RE = re.compile(r"@\w+")

_BASE = np.uint64(0x100000001B3)
_BASE_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_SALT_CHAR = 0x9E3779B97F4A7C15
_SALT_WORD = 0xC2B2AE3D27D4EB4F
_SALT_SYMBOL = 0x165667B19E3779F9
_SALT_BIGRAM = 0x27D4EB2F165667C5

Float32Array = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@lru_cache(maxsize=1)
def _classes() -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """(letter or digit, white space, dropped) for each code point of the Basic Multilingual Plane.

    Dropped are combining accents (left by NFKD decomposition), variation selectors and
    zero-width joiners: "canción" and "cancion" become the same word, and an emoji the same
    emoji whatever its presentation.
    """
    chars = [chr(i) for i in range(0x10000)]
    alnum = np.fromiter((c.isalnum() for c in chars), dtype=np.bool_, count=0x10000)
    space = np.fromiter((c.isspace() for c in chars), dtype=np.bool_, count=0x10000)
    space[0] = True
    drop = np.zeros(0x10000, dtype=np.bool_)
    drop[0x0300:0x0370] = True
    drop[0xFE0E:0xFE10] = True
    drop[0x200B:0x200E] = True
    return alnum, space, drop


def normalize_joined(texts: Sequence[str]) -> str:
    """The texts lower-cased, links and mentions replaced, joined by NUL (and NUL at both ends).

    Links become the word ``http`` and mentions ``@user``: what matters is that there is one,
    not which. The rest of the normalisation (accents, digits, repeats) runs on code points in
    :func:`code_points`. Working on one string per batch keeps the work in C.
    """
    joined = "\x00".join(t[:MAX_CHARS].replace("\x00", " ") for t in texts).lower()
    if "http" in joined:
        joined = _URL_RE.sub(" http ", joined)
    if "www." in joined:
        joined = _WWW_RE.sub(" http ", joined)
    if "@" in joined:
        joined = _MENTION_RE.sub(" @user ", joined)
    if not joined.isascii():
        joined = unicodedata.normalize("NFKD", joined)
    return "\x00" + joined + "\x00"


def code_points(texts: Sequence[str]) -> npt.NDArray[np.int64]:
    """Normalised code points of the batch, texts separated by 0.

    Accents and zero-width characters are dropped, digits become ``0``, and runs of 3 or more
    equal characters are cut to 2: social media writes the same word many ways ("Genial",
    "GENIALLL", "genial"), and folding them lets a few thousand training examples cover more
    of what people write.
    """
    alnum_bmp, _, drop_bmp = _classes()
    raw = np.frombuffer(normalize_joined(texts).encode("utf-32-le"), dtype=np.uint32)
    cps: npt.NDArray[np.int64] = raw.astype(np.int64)
    low = np.where(cps < 0x10000, cps, 0)
    keep = ~drop_bmp[low]
    cps = cps[keep]
    cps[(cps >= 0x30) & (cps <= 0x39)] = 0x30
    low = low[keep]
    other_digit = alnum_bmp[low] & (low > 0x7F)
    if other_digit.any():
        index = np.flatnonzero(other_digit)
        digits = [chr(c).isdigit() for c in cps[index].tolist()]
        cps[index[np.asarray(digits, dtype=np.bool_)]] = 0x30
    repeated = np.zeros(len(cps), dtype=np.bool_)
    repeated[2:] = (cps[2:] == cps[1:-1]) & (cps[1:-1] == cps[:-2]) & (cps[2:] != 0)
    return cps[~repeated]


def _mix(h: npt.NDArray[np.uint64], salt: int, bits: int) -> IntArray:
    """A well-spread bucket in ``[0, 2**bits)`` for each 64-bit hash."""
    with np.errstate(over="ignore"):
        x = (h ^ np.uint64(salt)) * np.uint64(0x9FB21C651E98DF25)
    return (x >> np.uint64(64 - bits)).astype(np.int64)


def hashed_features(texts: Sequence[str], bits: int) -> tuple[IntArray, IntArray]:
    """``(row, bucket)`` for every feature occurrence of every text (a row may have none)."""
    alnum_bmp, space_bmp, _ = _classes()
    cps = code_points(texts)
    bmp = cps < 0x10000
    low = np.where(bmp, cps, 0)
    alnum = bmp & alnum_bmp[low]
    space = bmp & space_bmp[low]
    sep = cps == 0
    row_of = np.cumsum(sep) - 1
    n = len(cps)
    chars = np.where(alnum, cps, 32).astype(np.uint64)

    rows: list[IntArray] = []
    buckets: list[IntArray] = []
    # Character n-grams inside words: the window's inner characters are all letters or digits;
    # its ends may be the boundary (a space), as char_wb pads each word with spaces.
    not_alnum_before = np.concatenate(([0], np.cumsum(~alnum)))
    h = chars.copy()
    with np.errstate(over="ignore"):
        for size in range(2, CHAR_MAX + 1):
            h = h[:-1] * _BASE + chars[size - 1 :]
            inner_ok = not_alnum_before[size - 1 : n] == not_alnum_before[1 : n - size + 2]
            if size == 2:
                inner_ok &= alnum[:-1] | alnum[1:]
            if size < CHAR_MIN:
                continue
            where = np.flatnonzero(inner_ok)
            first_alnum = np.where(alnum[where], where, where + 1)
            rows.append(row_of[first_alnum])
            buckets.append(_mix(h[where], _SALT_CHAR + size, bits))

    # Words: maximal runs of letters and digits, hashed from prefix sums of c * B**i.
    prev_alnum = np.concatenate(([False], alnum[:-1]))
    next_alnum = np.concatenate((alnum[1:], [False]))
    word_start = np.flatnonzero(alnum & ~prev_alnum)
    word_end = np.flatnonzero(alnum & ~next_alnum) + 1
    with np.errstate(over="ignore"):
        powers = np.cumprod(np.full(n, _BASE, dtype=np.uint64))
        powers = np.concatenate(([np.uint64(1)], powers[:-1]))  # B**i
        inverse = np.cumprod(np.full(n, _BASE_INV, dtype=np.uint64))
        inverse = np.concatenate(([np.uint64(1)], inverse[:-1]))  # B**-i
        prefix = np.concatenate(([np.uint64(0)], np.cumsum(chars * powers)))
        word_hash = (prefix[word_end] - prefix[word_start]) * inverse[word_start]
    # Symbols (emoji, punctuation) are tokens of their own.
    symbol_at = np.flatnonzero(~alnum & ~space)
    token_pos = np.concatenate((word_start, symbol_at))
    token_hash = np.concatenate(
        (
            _mix(word_hash, _SALT_WORD, 64 - 1),
            _mix(cps[symbol_at].astype(np.uint64), _SALT_SYMBOL, 64 - 1),
        )
    ).astype(np.uint64)
    order = np.argsort(token_pos, kind="stable")
    token_pos = token_pos[order]
    token_hash = token_hash[order]
    token_row = row_of[token_pos]
    rows.append(token_row)
    buckets.append(_mix(token_hash, _SALT_WORD, bits))
    same = token_row[:-1] == token_row[1:]
    with np.errstate(over="ignore"):
        pair = token_hash[:-1][same] * _BASE + token_hash[1:][same]
    rows.append(token_row[:-1][same])
    buckets.append(_mix(pair, _SALT_BIGRAM, bits))
    return np.concatenate(rows), np.concatenate(buckets)


@dataclass(frozen=True)
class Features:
    """The TF-IDF rows of a batch, as parallel arrays of feature occurrences."""

    n_rows: int
    row: IntArray
    bucket: IntArray
    value: Float32Array


@dataclass(frozen=True)
class Featurizer:
    """Texts to hashed, IDF-weighted, L2-normalised feature rows."""

    bits: int
    idf: Float32Array

    def transform(self, texts: Sequence[str]) -> Features:
        row, bucket = hashed_features(texts, self.bits)
        idf = self.idf[bucket]
        norms = np.sqrt(np.bincount(row, weights=idf * idf, minlength=len(texts)))
        norms[norms == 0] = 1.0
        value = (idf / norms[row]).astype(np.float32)
        return Features(len(texts), row, bucket, value)


def linear_scores(features: Features, weights: Float32Array, bias: Float32Array) -> Float32Array:
    """``X @ weights + bias``, one row per text, one column per output."""
    out = np.empty((features.n_rows, weights.shape[1]), dtype=np.float32)
    for j in range(weights.shape[1]):
        out[:, j] = np.bincount(
            features.row,
            weights=features.value * weights[features.bucket, j],
            minlength=features.n_rows,
        )
    out += bias
    return out
