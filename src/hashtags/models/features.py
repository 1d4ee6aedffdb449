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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
    row, bucket, _, _ = analyse(texts, bits)
    return row, bucket


def analyse(
    texts: Sequence[str], bits: int
) -> tuple[IntArray, IntArray, IntArray, npt.NDArray[np.uint64]]:
    """``(row, bucket)`` of every hashed feature and ``(row, hash)`` of every token, in one pass
    over the batch (the tokens feed the word vectors)."""
    cps = code_points(texts)
    alnum, space, row_of = _masks(cps)
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

    token_row, token_hash, _ = _tokens(cps, alnum, space, row_of)
    rows.append(token_row)
    buckets.append(_mix(token_hash, _SALT_WORD, bits))
    same = token_row[:-1] == token_row[1:]
    with np.errstate(over="ignore"):
        pair = token_hash[:-1][same] * _BASE + token_hash[1:][same]
    rows.append(token_row[:-1][same])
    buckets.append(_mix(pair, _SALT_BIGRAM, bits))
    return np.concatenate(rows), np.concatenate(buckets), token_row, token_hash


def _tokens(
    cps: npt.NDArray[np.int64],
    alnum: npt.NDArray[np.bool_],
    space: npt.NDArray[np.bool_],
    row_of: IntArray,
) -> tuple[IntArray, npt.NDArray[np.uint64], npt.NDArray[np.bool_]]:
    """``(row, 63-bit hash, is a word)`` of every token, in text order.

    Tokens are words (maximal runs of letters and digits, hashed from prefix sums of
    ``c * B**i``) and symbols (emoji, punctuation: one token per code point).
    """
    n = len(cps)
    chars = np.where(alnum, cps, 32).astype(np.uint64)
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
    symbol_at = np.flatnonzero(~alnum & ~space)
    token_pos = np.concatenate((word_start, symbol_at))
    token_hash = np.concatenate(
        (
            _mix(word_hash, _SALT_WORD, 64 - 1),
            _mix(cps[symbol_at].astype(np.uint64), _SALT_SYMBOL, 64 - 1),
        )
    ).astype(np.uint64)
    is_word = np.concatenate(
        (np.ones(len(word_start), dtype=np.bool_), np.zeros(len(symbol_at), dtype=np.bool_))
    )
    order = np.argsort(token_pos, kind="stable")
    return row_of[token_pos[order]], token_hash[order], is_word[order]


def _masks(
    cps: npt.NDArray[np.int64],
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], IntArray]:
    alnum_bmp, space_bmp, _ = _classes()
    bmp = cps < 0x10000
    low = np.where(bmp, cps, 0)
    alnum = bmp & alnum_bmp[low]
    space = bmp & space_bmp[low]
    row_of = np.cumsum(cps == 0) - 1
    return alnum, space, row_of


def token_hashes(texts: Sequence[str]) -> tuple[IntArray, npt.NDArray[np.uint64]]:
    """``(row, 63-bit hash)`` of every word and symbol token of every text, in text order.

    The same hashes key the word vectors (:class:`WordVectors`), so a vocabulary built from
    token strings at training time (:func:`token_strings`) finds them at run time.
    """
    cps = code_points(texts)
    alnum, space, row_of = _masks(cps)
    row, token_hash, _ = _tokens(cps, alnum, space, row_of)
    return row, token_hash


def token_strings(texts: Sequence[str]) -> list[list[str]]:
    """The normalised tokens of each text as strings (to build vocabularies in training).

    ``token_hashes([" ".join(tokens)])`` gives back the hashes of exactly these tokens.
    """
    cps = code_points(texts)
    alnum, space, _ = _masks(cps)
    symbol = ~alnum & ~space
    # Separators stay NUL, symbols get a space on each side, other spacing becomes a space.
    shown = np.where(alnum | symbol | (cps == 0), cps, 32)
    keep = np.repeat(np.arange(len(cps)), np.where(symbol, 3, 1))
    spread = shown[keep]
    first = np.concatenate(([True], keep[1:] != keep[:-1]))
    last = np.concatenate((keep[1:] != keep[:-1], [True]))
    spread[symbol[keep] & ~(~first & ~last)] = 32
    joined = spread.astype(np.uint32).tobytes().decode("utf-32-le")
    return [part.split() for part in joined.split("\x00")[1:-1]]


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
        return self.transform_with_tokens(texts)[0]

    def transform_with_tokens(
        self, texts: Sequence[str]
    ) -> tuple[Features, tuple[IntArray, npt.NDArray[np.uint64]]]:
        """The feature rows and the ``(row, hash)`` of every token (for :class:`WordVectors`)."""
        row, bucket, token_row, token_hash = analyse(texts, self.bits)
        return self._weigh(len(texts), row, bucket), (token_row, token_hash)

    def _weigh(self, n: int, row: IntArray, bucket: IntArray) -> Features:
        idf = self.idf[bucket]
        norms = np.sqrt(np.bincount(row, weights=idf * idf, minlength=n))
        norms[norms == 0] = 1.0
        value = (idf / norms[row]).astype(np.float32)
        return Features(n, row, bucket, value)


@dataclass(frozen=True)
class WordVectors:
    """Static token vectors (distilled from a sentence encoder at training time, see
    ``training/wordvectors.py``). Tokens not in the table count for nothing.

    ``hashes`` are the sorted 63-bit token hashes of :func:`token_hashes`; ``vectors`` are int8
    rows scaled by ``scales`` (one per row), which already carry each token's frequency weight.

    Two poolings: the *mean* of a text's known token vectors (what the text heads use: a linear
    head over it is a mean of per-token scores, see :meth:`project`, so a batch costs a gather
    and a sum, not a pass over every dimension) and the same vector *L2-normalised* (what the
    reply head uses, to compare messages of any length).
    """

    hashes: npt.NDArray[np.uint64]
    vectors: npt.NDArray[np.int8]
    scales: Float32Array

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def _known(self, tokens: tuple[IntArray, npt.NDArray[np.uint64]]) -> tuple[IntArray, IntArray]:
        """``(row, table index)`` of the tokens found in the table, in text order."""
        row, token_hash = tokens
        if len(token_hash) == 0 or len(self.hashes) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        pos = np.searchsorted(self.hashes, token_hash)
        pos[pos == len(self.hashes)] = 0
        hit = self.hashes[pos] == token_hash
        return row[hit], pos[hit].astype(np.int64)

    def embed(
        self,
        n_rows: int,
        tokens: tuple[IntArray, npt.NDArray[np.uint64]],
        *,
        pooling: str = "l2",
    ) -> Float32Array:
        """``(n_rows, dims)`` vectors from :meth:`Featurizer.transform_with_tokens`'s tokens:
        ``pooling="l2"`` unit (or zero) vectors, ``"mean"`` the mean of the known tokens."""
        out = np.zeros((n_rows, self.dims), dtype=np.float32)
        row, pos = self._known(tokens)
        if len(row) == 0:
            return out
        gathered = self.vectors[pos].astype(np.float32)
        gathered *= self.scales[pos, None]
        # Tokens come in text order, so each row's tokens are contiguous.
        starts = np.flatnonzero(np.concatenate(([True], row[1:] != row[:-1])))
        out[row[starts]] = np.add.reduceat(gathered, starts, axis=0)
        if pooling == "mean":
            counts = np.bincount(row, minlength=n_rows)
            out /= np.maximum(counts, 1)[:, None]
        else:
            norms = np.sqrt(np.einsum("ij,ij->i", out, out))
            out /= np.where(norms == 0, 1.0, norms)[:, None]
        return out

    def transform(self, texts: Sequence[str], *, pooling: str = "l2") -> Float32Array:
        """Vectors of ``texts`` (tokenised here; see :meth:`embed` to reuse tokens)."""
        return self.embed(len(texts), token_hashes(texts), pooling=pooling)

    def project(self, weights: Float32Array) -> Float32Array:
        """``(tokens, k)``: every token's vector times ``weights`` (``(dims, k)``), so that
        :meth:`mean_scores` gives ``embed(..., pooling="mean") @ weights`` cheaply."""
        out = np.empty((len(self.hashes), weights.shape[1]), dtype=np.float32)
        for start in range(0, len(self.hashes), 8192):
            block = self.vectors[start : start + 8192].astype(np.float32)
            block *= self.scales[start : start + 8192, None]
            out[start : start + 8192] = block @ weights
        return out

    def mean_scores(
        self, n_rows: int, tokens: tuple[IntArray, npt.NDArray[np.uint64]], projected: Float32Array
    ) -> Float32Array:
        """``(n_rows, k)``: the mean of the known tokens' rows of ``projected`` (see
        :meth:`project`); zeros for a text with no known token."""
        out = np.zeros((n_rows, projected.shape[1]), dtype=np.float32)
        row, pos = self._known(tokens)
        if len(row) == 0:
            return out
        counts = np.maximum(np.bincount(row, minlength=n_rows), 1)
        gathered = projected[pos]
        for j in range(projected.shape[1]):
            out[:, j] = np.bincount(row, weights=gathered[:, j], minlength=n_rows) / counts
        return out


VALENCE_FEATURES = (
    "positive",
    "negative",
    "compound",
    "strongest_positive",
    "strongest_negative",
    "share",
    "negated",
    "exclamations",
)
"""The columns of :meth:`Valence.features`, in order."""

NEGATION_WINDOW = 3
"""A negation word flips the valence of the next three tokens (VADER's window)."""
NEGATED_FACTOR = -0.74
"""VADER's factor for a negated word ("not good" is about -0.74 times "good")."""
CONTRAST_AFTER, CONTRAST_BEFORE = 1.5, 0.5
"""After "but" / "pero" a text's words count 1.5 times, before it half (VADER's rule)."""


@dataclass(frozen=True)
class Valence:
    """A sentiment lexicon keyed by token hash, and VADER-style features from it.

    ``hashes`` (sorted) and ``values`` give each known token its valence (-4 .. 4, VADER's
    scale); ``negators`` and ``contrasts`` are the sorted hashes of negation words ("not",
    "never", "don't"...) and of contrast words ("but", "however"); ``exclamation`` is the hash
    of "!". Built at training time (``training/valence.py``) from VADER's English lexicon and
    emoji descriptions, and stored in the artifact as ``val.*`` arrays.
    """

    hashes: npt.NDArray[np.uint64]
    values: Float32Array
    negators: npt.NDArray[np.uint64]
    contrasts: npt.NDArray[np.uint64]
    exclamation: int

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[Any]]) -> Valence:
        """The lexicon stored in an artifact's ``val.*`` arrays."""
        return cls(
            arrays["val.hash"].astype(np.uint64),
            arrays["val.value"].astype(np.float32),
            arrays["val.negators"].astype(np.uint64),
            arrays["val.contrasts"].astype(np.uint64),
            int(arrays["val.exclamation"][0]),
        )

    @staticmethod
    def _member(
        sorted_hashes: npt.NDArray[np.uint64], token_hash: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.bool_], IntArray]:
        """Whether each token is in ``sorted_hashes``, and where."""
        if len(sorted_hashes) == 0:
            return np.zeros(len(token_hash), dtype=np.bool_), np.zeros(len(token_hash), np.int64)
        pos = np.searchsorted(sorted_hashes, token_hash)
        pos[pos == len(sorted_hashes)] = 0
        return sorted_hashes[pos] == token_hash, pos

    def features(
        self, n_rows: int, tokens: tuple[IntArray, npt.NDArray[np.uint64]]
    ) -> Float32Array:
        """``(n_rows, 8)``: see :data:`VALENCE_FEATURES`. Sums are over the text's valenced
        tokens after negation and contrast; ``compound`` is VADER's ``s / sqrt(s² + 15)``;
        ``share`` the valenced tokens' share of all tokens; ``negated`` how many valenced
        tokens a negation flipped; ``exclamations`` the "!" count, at most 3, over 3."""
        out = np.zeros((n_rows, len(VALENCE_FEATURES)), dtype=np.float32)
        row, token_hash = tokens
        if len(row) == 0:
            return out
        known, pos = self._member(self.hashes, token_hash)
        value = np.where(known, self.values[pos], 0.0).astype(np.float32)
        negator = self._member(self.negators, token_hash)[0]
        negated = np.zeros(len(row), dtype=np.bool_)
        for lag in range(1, NEGATION_WINDOW + 1):
            same_row = np.zeros(len(row), dtype=np.bool_)
            same_row[lag:] = row[lag:] == row[:-lag]
            before = np.zeros(len(row), dtype=np.bool_)
            before[lag:] = negator[:-lag]
            negated |= same_row & before
        negated &= known
        value[negated] *= NEGATED_FACTOR
        contrast = self._member(self.contrasts, token_hash)[0]
        if contrast.any():
            # Contrast words seen so far in the row, and in the whole row.
            seen = np.cumsum(contrast)
            starts = np.flatnonzero(np.concatenate(([True], row[1:] != row[:-1])))
            row_base: IntArray = np.repeat(
                seen[starts] - contrast[starts], np.diff(np.append(starts, len(row)))
            )
            so_far = seen - row_base
            in_row = np.bincount(row, weights=contrast, minlength=n_rows)[row]
            value = np.where(so_far > 0, value * CONTRAST_AFTER, value)
            value = np.where((so_far == 0) & (in_row > 0), value * CONTRAST_BEFORE, value)
        counts = np.bincount(row, minlength=n_rows).astype(np.float32)
        positive = np.bincount(row, weights=np.maximum(value, 0), minlength=n_rows)
        negative = np.bincount(row, weights=np.minimum(value, 0), minlength=n_rows)
        total = positive + negative
        strongest_pos = np.zeros(n_rows, dtype=np.float32)
        strongest_neg = np.zeros(n_rows, dtype=np.float32)
        np.maximum.at(strongest_pos, row, value)
        np.minimum.at(strongest_neg, row, value)
        out[:, 0] = positive / 4.0
        out[:, 1] = negative / 4.0
        out[:, 2] = total / np.sqrt(total * total + 15.0)
        out[:, 3] = strongest_pos / 4.0
        out[:, 4] = strongest_neg / 4.0
        out[:, 5] = np.bincount(row, weights=known, minlength=n_rows) / np.maximum(counts, 1)
        out[:, 6] = np.minimum(np.bincount(row, weights=negated, minlength=n_rows), 3) / 3.0
        bang = token_hash == np.uint64(self.exclamation)
        out[:, 7] = np.minimum(np.bincount(row, weights=bang, minlength=n_rows), 3) / 3.0
        return out
