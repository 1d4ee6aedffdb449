"""The sentiment lexicon of the English heads' valence view (training time; stored in the
artifact).

VADER's English lexicon (7,500 words and emoticons rated -4 .. 4 by people; the
``vaderSentiment`` package, MIT, needed for training only) gives the valence of English words,
and an emoji gets the sum of its description's words, as VADER scores emoji. Negation and
contrast words are listed here; :class:`hashtags.models.features.Valence` applies them as VADER
does, with NumPy only.

English only: extending the lexicon to Spanish through the word vectors (a ridge regression
from a token's vector to VADER's valence) was tried and made Spanish sentiment worse on the
development split (0.5865 to 0.576 macro-F1), so the other languages' heads do without it.
"""

from __future__ import annotations

import logging
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import numpy.typing as npt

from hashtags.models.features import Valence, token_hashes, token_strings

log = logging.getLogger(__name__)

NEGATORS = (
    "not no never nothing nobody none neither nor cannot without t nt isnt dont doesnt didnt "
    "wont cant couldnt shouldnt wouldnt wasnt arent aint"
)
"""Words that flip what follows, as the featurizer normalises them (lower case, no accents);
"n't" splits into "n", "'", "t", so "t" stands for it."""
CONTRASTS = "but however"
SOURCE = "VADER lexicon and emoji descriptions (vaderSentiment 3.3.2, MIT)"


def _vader_folder() -> Path:
    spec = find_spec("vaderSentiment")
    if spec is None or spec.origin is None:  # pragma: no cover - training environment only
        raise SystemExit("the sentiment lexicon needs: pip install vaderSentiment (training)")
    return Path(spec.origin).parent


def _single_token(words: list[str]) -> list[str | None]:
    """Each word as the featurizer's one token, or None where it is not one token."""
    return [tokens[0] if len(tokens) == 1 else None for tokens in token_strings(words)]


def vader_lexicon() -> dict[str, float]:
    """token -> valence: VADER's rated words and its emoji (by their descriptions' words)."""
    folder = _vader_folder()
    rated: dict[str, float] = {}
    for line in (folder / "vader_lexicon.txt").read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            rated[parts[0]] = float(parts[1])
    words = list(rated)
    out: dict[str, float] = {}
    for word, token in zip(words, _single_token(words), strict=True):
        if token is not None and token not in out:
            out[token] = rated[word]
    emoji: dict[str, float] = {}
    for line in (folder / "emoji_utf8_lexicon.txt").read_text(encoding="utf-8").splitlines():
        symbol, _, description = line.partition("\t")
        value = sum(rated.get(w, 0.0) for w in description.split())
        if value:
            emoji[symbol] = value
    symbols = list(emoji)
    for symbol, token in zip(symbols, _single_token(symbols), strict=True):
        if token is not None and token not in out:
            out[token] = float(np.clip(emoji[symbol], -4.0, 4.0))
    return out


def _hash(token: str) -> int:
    hashes = token_hashes([token])[1]
    return int(hashes[0]) if len(hashes) == 1 else 0


def _sorted_hashes(words: list[str]) -> npt.NDArray[np.uint64]:
    return np.unique(np.asarray([h for h in map(_hash, words) if h], dtype=np.uint64))


def build() -> tuple[dict[str, npt.NDArray[np.generic]], dict[str, object]]:
    """The ``val.*`` arrays of the artifact, and what the model card says about them."""
    rated = vader_lexicon()
    values: dict[int, float] = {}
    for token, value in rated.items():
        h = _hash(token)
        if h and h not in values:
            values[h] = value
    hashes = np.asarray(sorted(values), dtype=np.uint64)
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "val.hash": hashes,
        "val.value": np.asarray([values[int(h)] for h in hashes.tolist()], dtype=np.float32),
        "val.negators": _sorted_hashes(NEGATORS.split()),
        "val.contrasts": _sorted_hashes(CONTRASTS.split()),
        "val.exclamation": np.asarray([_hash("!")], dtype=np.uint64),
    }
    card: dict[str, object] = {
        "source": SOURCE,
        "tokens": len(hashes),
        "negators": NEGATORS.split(),
        "contrasts": CONTRASTS.split(),
    }
    log.info("valence lexicon: %d tokens", len(hashes))
    return arrays, card


def valence_from(arrays: dict[str, npt.NDArray[np.generic]]) -> Valence:
    """The runtime lexicon of :func:`build`'s arrays (as ``TextClassifier`` loads it)."""
    return Valence.from_arrays(arrays)
