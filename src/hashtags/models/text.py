"""Toxicity (offensive, hate) and sentiment for short social media texts, on a plain CPU.

    >>> from hashtags.models import text_signals
    >>> text_signals(["Eres un idiota", "Thanks, great service!"])[1].sentiment
    'positive'

One pass over the batch gives every head its two views of a text: hashed TF-IDF n-grams (which
words and word pieces it uses) and a dense vector from static word vectors distilled from a
multilingual sentence encoder at training time (what those words mean: "idiota" and "idiot"
land near each other, which a few thousand tweets cannot teach). Each head is a logistic
regression over both. Each language gets its own heads where there was training data (es, en;
and pt, fr, it, de for sentiment) and heads trained on the pooled data otherwise. The artifact
is loaded once per process, on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from hashtags.models.features import VALENCE_FEATURES, Features, Featurizer, Valence, WordVectors
from hashtags.models.store import TEXT_ARTIFACT, TEXT_CARD, TEXT_VERSION, artifact_path, model_card
from hashtags.review.language import detect_language
from hashtags.review.text import fold

SENTIMENT_LABELS = ("negative", "neutral", "positive")

MODEL_LANGS = ("es", "en", "pt", "fr", "it", "de")
"""Languages told apart before scoring; any other text gets the pooled (``xx``) heads."""

HEADS_BY_LANG: dict[str, dict[str, str]] = {
    "es": {"offensive": "offensive_es", "hate": "hate_es", "sentiment": "sentiment_es"},
    "en": {"offensive": "offensive_en", "hate": "hate_en", "sentiment": "sentiment_en"},
    **{
        lang: {"offensive": "offensive_xx", "hate": "hate_xx", "sentiment": f"sentiment_{lang}"}
        for lang in ("pt", "fr", "it", "de")
    },
    "xx": {"offensive": "offensive_xx", "hate": "hate_xx", "sentiment": "sentiment_xx"},
}


PUBLIC_SIGNALS = ("toxicity", "offensive", "hate", "sentiment", "sentiment_scores", "model")


@dataclass(frozen=True)
class TextSignals:
    """What the classifiers say about one text."""

    toxicity: float
    """Probability (0..1) that the text is offensive or hateful: the larger of the two."""
    offensive: bool
    hate: bool
    sentiment: str
    """``negative``, ``neutral`` or ``positive``."""
    sentiment_scores: dict[str, float]
    offensive_score: float
    hate_score: float
    lang: str
    """The language whose heads scored the text (``xx``: pooled heads)."""
    model: str = TEXT_VERSION

    def public(self) -> dict[str, Any]:
        """The signals a review reports: toxicity, offensive, hate, sentiment and its scores."""
        data = self.to_dict()
        return {key: data[key] for key in PUBLIC_SIGNALS}

    def to_dict(self) -> dict[str, Any]:
        return {
            "toxicity": round(self.toxicity, 4),
            "offensive": self.offensive,
            "hate": self.hate,
            "sentiment": self.sentiment,
            "sentiment_scores": {k: round(v, 4) for k, v in self.sentiment_scores.items()},
            "offensive_score": round(self.offensive_score, 4),
            "hate_score": round(self.hate_score, 4),
            "lang": self.lang,
            "model": self.model,
        }


class TextClassifier:
    """The toxicity and sentiment heads of one artifact. Thread-safe; build it once."""

    def __init__(self, arrays: dict[str, npt.NDArray[Any]], card: dict[str, Any]) -> None:
        self.card = card
        self.featurizer = Featurizer(
            int(np.log2(len(arrays["idf"]))), arrays["idf"].astype(np.float32)
        )
        self.vectors = WordVectors(
            arrays["wv.hash"].astype(np.uint64),
            arrays["wv.vector"].astype(np.int8),
            arrays["wv.scale"].astype(np.float32),
        )
        self.valence = Valence.from_arrays(arrays) if "val.hash" in arrays else None
        self._arrays = arrays
        self._thresholds = {
            head: float(entry["threshold"])
            for head, entry in card["heads"].items()
            if "threshold" in entry
        }
        self._lang_weights: dict[str, _Weights] = {}
        self._lock = threading.Lock()

    @classmethod
    def load(cls) -> TextClassifier:
        with np.load(artifact_path(TEXT_ARTIFACT), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
        return cls(arrays, model_card(TEXT_CARD))

    def _weights(self, lang: str) -> _Weights:
        """The weights of one language's heads, side by side (offensive, hate, 3 sentiment)."""
        found = self._lang_weights.get(lang)
        if found is not None:
            return found
        with self._lock:
            if lang not in self._lang_weights:
                heads = HEADS_BY_LANG[lang]
                dense = np.zeros((2**self.featurizer.bits, 5), dtype=np.float16)
                semantic = np.zeros((self.vectors.dims, 5), dtype=np.float32)
                valence = np.zeros((len(VALENCE_FEATURES), 5), dtype=np.float32)
                biases = []
                column = 0
                for kind in ("offensive", "hate", "sentiment"):
                    name = heads[kind]
                    index = self._arrays[f"{name}.index"]
                    weight = self._arrays[f"{name}.weight"]
                    width = weight.shape[1]
                    dense[index, column : column + width] = weight
                    semantic[:, column : column + width] = self._arrays[f"{name}.dense"]
                    if f"{name}.valence" in self._arrays:
                        valence[:, column : column + width] = self._arrays[f"{name}.valence"]
                    biases.append(self._arrays[f"{name}.bias"])
                    column += width
                self._lang_weights[lang] = _Weights(
                    dense,
                    self.vectors.project(semantic),
                    valence if valence.any() else None,
                    np.concatenate(biases).astype(np.float32),
                )
            return self._lang_weights[lang]

    def languages(self, texts: Sequence[str], langs: Sequence[str | None] | None) -> list[str]:
        """The heads' language for each text: the one given if we have heads for it, else
        detected from function words, else ``xx`` (pooled heads)."""
        out = []
        for i, text in enumerate(texts):
            given = langs[i] if langs is not None else None
            if given:
                given = given.lower()[:2]
                out.append(given if given in HEADS_BY_LANG else "xx")
                continue
            folded = fold(text)
            lang, confident = detect_language(folded, text, MODEL_LANGS)
            if not confident:
                # Few function words: settle Spanish against English alone before pooling.
                lang, confident = detect_language(folded, text, ("es", "en"))
            out.append(lang if confident else "xx")
        return out

    def scores(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> tuple[npt.NDArray[np.float32], list[str]]:
        """``(n, 5)`` probabilities: offensive, hate, negative, neutral, positive."""
        chosen = self.languages(texts, langs)
        features, tokens = self.featurizer.transform_with_tokens(texts)
        out = np.zeros((len(texts), 5), dtype=np.float32)
        lang_of_row = np.asarray(chosen)
        valence: npt.NDArray[np.float32] | None = None
        for lang in sorted(set(chosen)):
            rows = np.flatnonzero(lang_of_row == lang)
            heads = self._weights(lang)
            if len(rows) == len(texts):
                subset = features
            else:
                keep = np.isin(features.row, rows)
                renumber = np.zeros(len(texts), dtype=np.int64)
                renumber[rows] = np.arange(len(rows))
                subset = Features(
                    len(rows),
                    renumber[features.row[keep]],
                    features.bucket[keep],
                    features.value[keep],
                )
            logits = _linear(subset, heads.ngrams, heads.bias)
            logits += self.vectors.mean_scores(len(texts), tokens, heads.per_token)[rows]
            if heads.valence is not None and self.valence is not None:
                if valence is None:  # once per batch, for every language that uses it
                    valence = self.valence.features(len(texts), tokens)
                logits += valence[rows] @ heads.valence
            probs = np.empty_like(logits)
            probs[:, :2] = 1.0 / (1.0 + np.exp(-logits[:, :2]))
            sentiment = logits[:, 2:] - logits[:, 2:].max(axis=1, keepdims=True)
            np.exp(sentiment, out=sentiment)
            probs[:, 2:] = sentiment / sentiment.sum(axis=1, keepdims=True)
            out[rows] = probs
        return out, chosen

    def classify(
        self, texts: Sequence[str], langs: Sequence[str | None] | None = None
    ) -> list[TextSignals]:
        """Signals for each text, in order. ``langs`` (per text, may be None) skips detection."""
        probs, chosen = self.scores(texts, langs)
        out = []
        for p, lang in zip(probs.tolist(), chosen, strict=True):
            heads = HEADS_BY_LANG[lang]
            sentiment = dict(zip(SENTIMENT_LABELS, p[2:], strict=True))
            out.append(
                TextSignals(
                    toxicity=max(p[0], p[1]),
                    offensive=p[0] >= self._thresholds[heads["offensive"]],
                    hate=p[1] >= self._thresholds[heads["hate"]],
                    sentiment=max(sentiment, key=sentiment.__getitem__),
                    sentiment_scores=sentiment,
                    offensive_score=p[0],
                    hate_score=p[1],
                    lang=lang,
                )
            )
        return out


@dataclass(frozen=True, slots=True)
class _Weights:
    """One language's heads side by side, 5 columns: offensive, hate, 3 sentiment."""

    ngrams: npt.NDArray[np.float16]
    """``(buckets, 5)``: the n-gram view."""
    per_token: npt.NDArray[np.float32]
    """``(tokens, 5)``: each word vector's score (the word-vector view, see ``project``)."""
    valence: npt.NDArray[np.float32] | None
    """``(8, 5)``: the valence view; None where no head of the language uses it."""
    bias: npt.NDArray[np.float32]


def _linear(
    features: Features, weights: npt.NDArray[np.float16], bias: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    gathered = weights[features.bucket].astype(np.float32)
    gathered *= features.value[:, None]
    out = np.empty((features.n_rows, weights.shape[1]), dtype=np.float32)
    for j in range(weights.shape[1]):
        out[:, j] = np.bincount(features.row, weights=gathered[:, j], minlength=features.n_rows)
    out += bias
    return out


_classifier: TextClassifier | None = None
_load_lock = threading.Lock()


def text_classifier() -> TextClassifier:
    """The process-wide classifier, loaded on first use."""
    global _classifier
    if _classifier is None:
        with _load_lock:
            if _classifier is None:
                _classifier = TextClassifier.load()
    return _classifier


def text_signals(
    texts: Sequence[str], langs: Sequence[str | None] | None = None
) -> list[TextSignals]:
    """Toxicity and sentiment signals for each text (see :class:`TextSignals`)."""
    return text_classifier().classify(texts, langs)
