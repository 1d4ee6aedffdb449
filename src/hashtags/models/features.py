"""Text features shared by training and inference: word and character n-grams, TF-IDF.

One featurizer serves every classifier, so a text is tokenised once however many models score
it. Training (``training/``) and inference call the same functions, so the features a model was
fitted on are exactly the features it sees in production.

Weights are sublinear TF-IDF, L2-normalised per text (as scikit-learn's ``TfidfVectorizer`` with
``sublinear_tf=True``); the vocabulary is a plain list of strings, stored as JSON.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MAX_CHARS = 2000
"""Texts are cut to this many characters: a post is short, and cost grows with length."""

_URL_RE = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION_RE = re.compile(r"@\w+")
_REPEAT_RE = re.compile(r"(.)\1{2,}")
_DIGITS_RE = re.compile(r"\d")
# Words (with a leading # kept), then any other visible character on its own (emoji, "!", "?").
_TOKEN_RE = re.compile(r"#?[^\W_]+|[^\w\s]")

WORD_PREFIX = "\x01"
BIGRAM_PREFIX = "\x02"


def normalize(text: str) -> str:
    """Lower-case, accent-free text with links, mentions, digits and long repeats collapsed.

    Social media writes the same word many ways ("Genial", "GENIALLL", "genial"); folding them
    lets a few thousand training examples cover more of what people write.
    """
    text = text[:MAX_CHARS]
    text = _URL_RE.sub(" http ", text)
    text = _MENTION_RE.sub(" @user ", text)
    text = text.lower()
    if not text.isascii():
        text = "".join(
            c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    text = _DIGITS_RE.sub("0", text)
    return _REPEAT_RE.sub(r"\1\1", text)


def grams(text: str, char_min: int = 2, char_max: int = 5) -> list[str]:
    """Every feature string of ``text``: words, word bigrams and in-word character n-grams."""
    tokens = _TOKEN_RE.findall(normalize(text))
    out = [WORD_PREFIX + t for t in tokens]
    out += [BIGRAM_PREFIX + a + " " + b for a, b in zip(tokens, tokens[1:], strict=False)]
    for token in tokens:
        if len(token) == 1 and not token.isalnum():
            continue
        padded = " " + token + " "
        size = len(padded)
        for n in range(char_min, min(char_max, size) + 1):
            out += [padded[i : i + n] for i in range(size - n + 1)]
    return out


@dataclass(frozen=True)
class Featurizer:
    """Maps texts to sparse TF-IDF rows over a fixed vocabulary."""

    vocabulary: dict[str, int]
    idf: npt.NDArray[np.float32]
    char_min: int = 2
    char_max: int = 5

    @classmethod
    def from_lists(
        cls, terms: Sequence[str], idf: npt.ArrayLike, char_min: int = 2, char_max: int = 5
    ) -> Featurizer:
        return cls(
            {term: i for i, term in enumerate(terms)},
            np.asarray(idf, dtype=np.float32),
            char_min,
            char_max,
        )

    @property
    def size(self) -> int:
        return len(self.vocabulary)

    def csr(
        self, texts: Iterable[str]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """``(indptr, indices, data)`` of the L2-normalised TF-IDF matrix, one row per text."""
        get = self.vocabulary.get
        cmin, cmax = self.char_min, self.char_max
        rows: list[int] = []
        ids: list[int] = []
        count = 0
        for count, text in enumerate(texts, start=1):  # noqa: B007
            found = [i for i in map(get, grams(text, cmin, cmax)) if i is not None]
            ids += found
            rows.append(len(found))
        n_rows = count
        if not ids:
            return (
                np.zeros(n_rows + 1, dtype=np.int64),
                np.zeros(0, dtype=np.int32),
                np.zeros(0, dtype=np.float32),
            )
        row_of = np.repeat(np.arange(n_rows, dtype=np.int64), rows)
        keys = row_of * self.size + np.asarray(ids, dtype=np.int64)
        unique, counts = np.unique(keys, return_counts=True)
        row = unique // self.size
        col = (unique % self.size).astype(np.int32)
        data = (1.0 + np.log(counts.astype(np.float32))) * self.idf[col]
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=n_rows), out=indptr[1:])
        norms = np.sqrt(np.bincount(row, weights=data * data, minlength=n_rows))
        norms[norms == 0] = 1.0
        data = (data / norms[row]).astype(np.float32)
        return indptr, col, data


def linear_scores(
    indptr: npt.NDArray[np.int64],
    indices: npt.NDArray[np.int32],
    data: npt.NDArray[np.float32],
    weights: npt.NDArray[np.float32],
    bias: npt.NDArray[np.float32],
) -> npt.NDArray[np.float32]:
    """``X @ weights + bias`` for a CSR matrix ``X`` (rows with no feature get the bias)."""
    n_rows = len(indptr) - 1
    out = np.tile(bias.astype(np.float32), (n_rows, 1))
    if len(indices) == 0:
        return out
    contrib = weights[indices] * data[:, None]
    nonempty = indptr[:-1] < indptr[1:]
    starts = indptr[:-1][nonempty]
    out[nonempty] += np.add.reduceat(contrib, starts, axis=0)
    return out
