"""Suggest pre-approved replies for an incoming message, or none when nothing fits.

A reply library (YAML or JSON) lists the replies a team may send, each with the intent it
answers, a handful of example messages (in any language) and its text per language::

    replies:
      - id: order-status
        intent: order_status
        examples:
          es: ["¿Dónde está mi pedido?", "Mi pedido no ha llegado"]
          en: ["Where is my order?", "My order hasn't arrived"]
        text:
          es: "Lo sentimos. Escríbenos por privado tu número de pedido y lo miramos."
          en: "Sorry about that! DM us your order number and we'll check."

A message is compared with every example and with each reply's centroid (cosine similarity
over the same hashed TF-IDF features as the text classifiers, with their IDF); a reply scores
by its best example and its centroid together. The confidence is a logistic calibration of
(best score, margin over the runner-up) fitted on CLINC150 (``training/replies.py``), so 0.7
means about 70% of such suggestions were right there; below ``min_score`` nothing is suggested.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hashtags.models.features import Featurizer
from hashtags.models.store import REPLIES_ARTIFACT, artifact_path
from hashtags.review.language import detect_language
from hashtags.review.text import fold

MAX_EXAMPLES = 50_000


class ReplyTemplate(BaseModel):
    """One pre-approved reply of the library."""

    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    intent: str = Field(min_length=1)
    examples: dict[str, list[str]]
    text: dict[str, str] = Field(default_factory=dict)

    @field_validator("examples", mode="before")
    @classmethod
    def _examples_by_language(cls, value: Any) -> Any:
        # A plain list is allowed: examples whose language we do not need to know.
        if isinstance(value, list):
            return {"any": value}
        return value

    @field_validator("examples")
    @classmethod
    def _some_example(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if not any(t.strip() for texts in value.values() for t in texts):
            raise ValueError("needs at least one example message")
        return value

    @field_validator("text", mode="before")
    @classmethod
    def _text_by_language(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"any": value}
        return value

    def text_for(self, lang: str | None, fallback: Sequence[str]) -> str | None:
        for key in (lang, *fallback, "any"):
            if key and key in self.text:
                return self.text[key]
        return next(iter(self.text.values()), None)


class ReplyLibrary(BaseModel):
    """The reply library file: ``replies:`` and, optionally, ``languages:`` (preference order)."""

    model_config = ConfigDict(extra="ignore")

    languages: list[str] = Field(default_factory=lambda: ["es", "en"])
    replies: list[ReplyTemplate] = Field(min_length=1)

    @field_validator("replies")
    @classmethod
    def _unique_ids(cls, value: list[ReplyTemplate]) -> list[ReplyTemplate]:
        seen: set[str] = set()
        for reply in value:
            if reply.id in seen:
                raise ValueError(f"reply id {reply.id!r} appears twice")
            seen.add(reply.id)
        return value


class LibraryError(ValueError):
    """The reply library cannot be used; the message says where and why."""


def load_library(path: Path) -> ReplyLibrary:
    """Read a reply library from YAML or JSON, with errors that name the field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise LibraryError(f"{path}: cannot read the reply library: {exc}") from exc
    try:
        return ReplyLibrary.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'top level'}: {error['msg']}"
            for error in exc.errors()
        )
        raise LibraryError(f"{path}: {problems}") from exc


@dataclass(frozen=True)
class Suggestion:
    reply: str
    intent: str
    score: float
    text: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "reply": self.reply,
            "intent": self.intent,
            "score": round(self.score, 4),
            "text": self.text,
        }


@dataclass(frozen=True)
class Calibration:
    """``confidence = sigmoid(a * best + b * margin + c)``; suggest when >= ``min_score``."""

    a: float
    b: float
    c: float
    centroid_weight: float
    min_score: float

    @classmethod
    def load(cls) -> Calibration:
        data = json.loads(artifact_path(REPLIES_ARTIFACT).read_text(encoding="utf-8"))
        return cls(**{k: float(data[k]) for k in ("a", "b", "c", "centroid_weight", "min_score")})


class ReplyMatcher:
    """A reply library made ready for matching (build once, use for many messages)."""

    def __init__(
        self,
        library: ReplyLibrary,
        *,
        featurizer: Featurizer | None = None,
        calibration: Calibration | None = None,
    ) -> None:
        if featurizer is None:
            from hashtags.models.text import text_classifier

            featurizer = text_classifier().featurizer
        self.library = library
        self.featurizer = featurizer
        self.calibration = calibration or Calibration.load()
        texts: list[str] = []
        owner: list[int] = []
        for r, reply in enumerate(library.replies):
            for examples in reply.examples.values():
                for example in examples:
                    if example.strip():
                        texts.append(example)
                        owner.append(r)
        if len(texts) > MAX_EXAMPLES:
            raise LibraryError(f"the library has {len(texts)} examples; at most {MAX_EXAMPLES}")
        self._owner = np.asarray(owner, dtype=np.int64)
        n_replies = len(library.replies)
        f = featurizer.transform(texts)
        row, col, val = _dedupe(f.row, f.bucket, f.value, 2**featurizer.bits)
        # Centroids: the mean of each reply's (unit) example vectors, normalised again.
        c_row, c_col, c_val = _dedupe(self._owner[row], col, val, 2**featurizer.bits)
        norms = np.sqrt(np.bincount(c_row, weights=c_val * c_val, minlength=n_replies))
        c_val = c_val / np.where(norms == 0, 1.0, norms)[c_row]
        self._vocab = np.unique(np.concatenate((col, c_col)))
        self._ex = (row, np.searchsorted(self._vocab, col), val, len(texts))
        self._centroid = (c_row, np.searchsorted(self._vocab, c_col), c_val, n_replies)
        self._lock = threading.Lock()

    def _similarities(
        self, bucket: npt.NDArray[np.int64], value: npt.NDArray[np.float32]
    ) -> npt.NDArray[np.float64]:
        """Score of each reply for one message (0..1)."""
        dense = np.zeros(len(self._vocab) + 1, dtype=np.float64)
        pos = np.searchsorted(self._vocab, bucket)
        pos = np.minimum(pos, len(self._vocab))
        hit = pos < len(self._vocab)
        hit[hit] = self._vocab[pos[hit]] == bucket[hit]
        np.add.at(dense, pos[hit], value[hit])
        row, col, val, n = self._ex
        ex_sim = np.bincount(row, weights=val * dense[col], minlength=n)
        best = np.zeros(len(self.library.replies))
        np.maximum.at(best, self._owner, ex_sim)
        c_row, c_col, c_val, n_replies = self._centroid
        centroid = np.bincount(c_row, weights=c_val * dense[c_col], minlength=n_replies)
        w = self.calibration.centroid_weight
        scores: npt.NDArray[np.float64] = (1 - w) * best + w * centroid
        return scores

    def raw_scores(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """``(n_texts, n_replies)`` uncalibrated scores (for calibration and evaluation)."""
        f = self.featurizer.transform(texts)
        out = np.zeros((len(texts), len(self.library.replies)))
        order = np.argsort(f.row, kind="stable")
        starts = np.searchsorted(f.row[order], np.arange(len(texts) + 1))
        for i in range(len(texts)):
            sel = order[starts[i] : starts[i + 1]]
            out[i] = self._similarities(f.bucket[sel], f.value[sel])
        return out

    def confidence(self, scores: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Calibrated confidence for every reply of every row of ``raw_scores``."""
        cal = self.calibration
        if scores.shape[1] > 1:
            top2 = -np.partition(-scores, 1, axis=1)[:, :2]
            second = top2[:, 1:2]
        else:
            second = np.zeros((scores.shape[0], 1))
        margin = np.maximum(scores - second, 0.0)
        z = cal.a * scores + cal.b * margin + cal.c
        confidence: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
        return confidence

    def suggest(
        self,
        texts: Sequence[str],
        langs: Sequence[str | None] | None = None,
        *,
        top: int = 3,
        min_score: float | None = None,
    ) -> list[list[Suggestion]]:
        """Best replies first for each text; an empty list when none is confident enough."""
        threshold = self.calibration.min_score if min_score is None else min_score
        conf = self.confidence(self.raw_scores(texts))
        candidates = tuple(self.library.languages) or ("es", "en")
        out: list[list[Suggestion]] = []
        for i, text in enumerate(texts):
            lang = langs[i] if langs is not None else None
            if not lang:
                lang, _ = detect_language(fold(text), text, candidates)
            ranked = np.argsort(-conf[i], kind="stable")[:top]
            out.append(
                [
                    Suggestion(
                        reply=self.library.replies[r].id,
                        intent=self.library.replies[r].intent,
                        score=float(conf[i, r]),
                        text=self.library.replies[r].text_for(lang, candidates),
                    )
                    for r in ranked
                    if conf[i, r] >= threshold
                ]
            )
        return out


def _dedupe(
    row: npt.NDArray[np.int64],
    col: npt.NDArray[np.int64],
    val: npt.NDArray[Any],
    width: int,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Sum repeated (row, col) entries."""
    keys, inverse = np.unique(row * width + col, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=val).astype(np.float64)
    return (keys // width).astype(np.int64), (keys % width).astype(np.int64), summed
