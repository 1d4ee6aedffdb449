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

When the library is loaded, a small classifier is trained on its examples: a multinomial
logistic regression (NumPy L-BFGS, :mod:`hashtags.models.linear`) over three views of each
message: the text classifiers' hashed TF-IDF features folded into ``hash_dims`` signed
buckets (which words and word pieces it uses), its distilled word vectors (what its words
mean, across languages: a Spanish message finds English examples too) and, since replies-v5,
its sentence embedding by a multilingual encoder run in the process
(:mod:`hashtags.models.encoder`: how the words go together), centred on the background's
mean. A calibration can add the same encoder's sparse latent terms (max-pooled over the
tokens, so one telling word is not averaged away in a long message); replies-v6 gives them
weight 0, so they are not computed. One extra class, *none of
these*, is trained on a fixed background of everyday social media messages shipped with the
model (``replies-vN.npz``: their features, not their texts), so a message unlike every reply
goes there. The confidence of a reply is its probability at a temperature fitted on CLINC150's
training split (``training/replies.py``); below ``min_score`` nothing is suggested.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from hashtags.models.encoder import LATENT_DIMS, SentenceEncoder, sentence_encoder
from hashtags.models.features import Featurizer, WordVectors
from hashtags.models.linear import Matrix, Rows, fit_softmax
from hashtags.models.store import REPLIES_ARTIFACT, REPLIES_BACKGROUND, artifact_path
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
    """How a library's head is built and read (``replies-vN.json``, chosen on CLINC150 train).

    ``c``: inverse L2 strength (``l2 = 1 / (c * examples)``, as scikit-learn's ``C``);
    ``dense_weight``: scale of the word-vector view against the hashed view (both unit
    length); ``background_weight``: the background class weighs as this many replies;
    ``temperature`` divides the logits; ``min_score``: the default threshold;
    ``encoder_weight``: scale of the sentence encoder's view (:mod:`hashtags.models.encoder`,
    unit length), 0 for none (replies-v4 and earlier); ``encoder_center``: the embeddings are
    centred on a mean stored with the background (:func:`load_encoder_mean`) and renormalised;
    ``terms_weight``: scale of the encoder's latent terms (``log1p``, unit length), 0 for none
    (replies-v5 and earlier).
    """

    hash_dims: int
    dense_weight: float
    c: float
    background_weight: float
    temperature: float
    min_score: float
    max_iter: int = 100
    encoder_weight: float = 0.0
    encoder_center: bool = False
    terms_weight: float = 0.0

    @classmethod
    def load(cls, path: Path | None = None) -> Calibration:
        """The shipped settings, or those of ``path`` (another ``replies-vN.json``)."""
        source = path if path is not None else artifact_path(REPLIES_ARTIFACT)
        data = json.loads(source.read_text(encoding="utf-8"))
        return cls(**{f: data[f] for f in cls.__dataclass_fields__ if f in data})

    def features(
        self,
        texts: Sequence[str],
        featurizer: Featurizer,
        vectors: WordVectors,
        *,
        encoder: SentenceEncoder | None = None,
        encoder_mean: npt.NDArray[np.float32] | None = None,
    ) -> Matrix:
        """:func:`reply_features` with these settings' sizes and weights."""
        return reply_features(
            texts,
            featurizer,
            vectors,
            self.hash_dims,
            self.dense_weight,
            encoder=encoder,
            encoder_weight=self.encoder_weight,
            encoder_mean=encoder_mean,
            terms_weight=self.terms_weight,
        )


def load_background() -> Matrix:
    """The background messages' features (``(rows, hash_dims + dims [+ 384])``, and beside
    them their latent terms when the calibration uses them)."""
    with np.load(artifact_path(REPLIES_BACKGROUND), allow_pickle=False) as npz:
        background: npt.NDArray[np.float32] = npz["background"].astype(np.float32)
        if "terms_data" not in npz.files:
            return background
        terms = sp.csr_matrix(
            (
                npz["terms_data"].astype(np.float32),
                npz["terms_indices"],
                npz["terms_indptr"],
            ),
            shape=(len(background), LATENT_DIMS),
        )
    return Rows(background, terms)


BUILT_WITH = ("hash_dims", "dense_weight", "encoder_weight", "encoder_center", "terms_weight")
"""The calibration's settings that shape a background's features: ``replies-vN.npz`` records
them (``built_with``, JSON) and the matcher checks them against the calibration it uses."""


def background_arrays(
    background: Matrix, calibration: Calibration | None = None
) -> dict[str, npt.NDArray[Any]]:
    """``background`` as the arrays of ``replies-vN.npz`` (what :func:`load_background` reads),
    with the settings of ``calibration`` it was built with (:data:`BUILT_WITH`)."""
    built = {}
    if calibration is not None:
        settings = {name: getattr(calibration, name) for name in BUILT_WITH}
        built = {"built_with": np.asarray(json.dumps(settings, sort_keys=True))}
    if not isinstance(background, Rows):
        return {"background": background.astype(np.float16), **built}
    terms = background.sparse.tocsr()
    return {
        **built,
        "background": background.dense.astype(np.float16),
        "terms_data": terms.data.astype(np.float16),
        "terms_indices": terms.indices.astype(np.int16 if LATENT_DIMS <= 2**15 else np.int32),
        "terms_indptr": terms.indptr.astype(np.int32),
    }


def check_background(calibration: Calibration) -> None:
    """Refuse a shipped background built with other settings than ``calibration``'s (a file
    from before :data:`BUILT_WITH` was recorded is taken as it is)."""
    with np.load(artifact_path(REPLIES_BACKGROUND), allow_pickle=False) as npz:
        if "built_with" not in npz.files:
            return
        built = json.loads(str(npz["built_with"]))
    for name in BUILT_WITH:
        if name in built and built[name] != getattr(calibration, name):
            raise LibraryError(
                f"{REPLIES_BACKGROUND} was built with {name} {built[name]} but the calibration "
                f"has {getattr(calibration, name)}: the reply model's files do not match"
            )


def load_encoder_mean() -> npt.NDArray[np.float32]:
    """The mean sentence embedding the shipped calibration centres on (the background's)."""
    with np.load(artifact_path(REPLIES_BACKGROUND), allow_pickle=False) as npz:
        if "encoder_mean" not in npz.files:
            raise LibraryError(
                f"{REPLIES_BACKGROUND} has no encoder_mean, but the calibration centres the "
                "sentence embeddings: the reply model's files do not match"
            )
        mean: npt.NDArray[np.float32] = npz["encoder_mean"].astype(np.float32)
    return mean


class ReplyMatcher:
    """A reply library with its intent head trained (build once, use for many messages).

    Training the head takes about a second for ten examples for each of 77 replies and about
    ten seconds for 8,000 examples on one core. ``featurizer``, ``vectors``, ``calibration``
    and ``background`` default to the shipped models (tests and training pass their own).
    """

    def __init__(
        self,
        library: ReplyLibrary,
        *,
        featurizer: Featurizer | None = None,
        vectors: WordVectors | None = None,
        calibration: Calibration | None = None,
        background: Matrix | None = None,
        encoder: SentenceEncoder | None = None,
        encoder_mean: npt.NDArray[np.float32] | None = None,
    ) -> None:
        if featurizer is None or vectors is None:
            from hashtags.models.text import text_classifier

            classifier = text_classifier()
            featurizer = featurizer or classifier.featurizer
            vectors = vectors or classifier.vectors
        self.library = library
        self.featurizer = featurizer
        self.vectors = vectors
        self.calibration = calibration or Calibration.load()
        self.encoder: SentenceEncoder | None = None
        self.encoder_mean: npt.NDArray[np.float32] | None = None
        if self.calibration.encoder_weight > 0 or self.calibration.terms_weight > 0:
            self.encoder = encoder or sentence_encoder()
            if self.calibration.encoder_center and self.calibration.encoder_weight > 0:
                self.encoder_mean = (
                    encoder_mean if encoder_mean is not None else load_encoder_mean()
                )
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
        n_replies = len(library.replies)
        y = np.asarray(owner, dtype=np.int64)
        x = self._all_features(texts)
        # Every reply weighs the same whatever its number of examples, and the background
        # (class n_replies) as ``background_weight`` replies.
        per_reply = np.bincount(y, minlength=n_replies).astype(np.float64)
        weight = 1.0 / per_reply[y]
        if background is None:
            check_background(self.calibration)
            background = load_background()
        if len(background) and _layout(background) != _layout(x):
            raise LibraryError(
                f"the background has {_layout(background)} features per message but the "
                f"calibration gives {_layout(x)}: the reply model's files do not match"
            )
        if len(background):
            # Same layout (checked above): both Rows or both dense.
            if isinstance(x, Rows) and isinstance(background, Rows):
                x = Rows.stack([x, background])
            elif isinstance(x, np.ndarray) and isinstance(background, np.ndarray):
                x = np.vstack((x, background))
            y = np.concatenate((y, np.full(len(background), n_replies, dtype=np.int64)))
            weight = np.concatenate(
                (
                    weight,
                    np.full(len(background), self.calibration.background_weight / len(background)),
                )
            )
        weight *= len(weight) / weight.sum()
        # Only the latent terms that some example or background message has can get a weight:
        # the head is fitted on those columns alone, and a message's other terms are dropped.
        self._terms_columns: npt.NDArray[np.int64] | None = None
        if isinstance(x, Rows):
            self._terms_columns = np.unique(x.sparse.indices).astype(np.int64)
            x = Rows(x.dense, x.sparse[:, self._terms_columns])
        cal = self.calibration
        self.head = fit_softmax(
            x,
            y,
            n_replies + 1,
            l2=1.0 / (cal.c * len(y)),
            sample_weight=weight,
            max_iter=cal.max_iter,
        )

    def features(self, texts: Sequence[str]) -> Matrix:
        """Each text as the head sees it: hashed view, the weighted word-vector view, then the
        weighted sentence encoder's view and its latent terms (when the calibration uses
        them; the terms restricted to the columns the head was fitted on)."""
        x = self._all_features(texts)
        if isinstance(x, Rows) and self._terms_columns is not None:
            return Rows(x.dense, x.sparse[:, self._terms_columns])
        return x

    def _all_features(self, texts: Sequence[str]) -> Matrix:
        return self.calibration.features(
            texts,
            self.featurizer,
            self.vectors,
            encoder=self.encoder,
            encoder_mean=self.encoder_mean,
        )

    def probabilities(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """``(n_texts, n_replies + 1)`` calibrated probabilities; the last column is *none*."""
        if not texts:
            return np.zeros((0, len(self.library.replies) + 1), dtype=np.float32)
        return self.head.probabilities(self.features(texts), self.calibration.temperature)

    def confidence(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """``(n_texts, n_replies)``: the confidence that each reply fits each text."""
        return self.probabilities(texts)[:, :-1]

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
        conf = self.confidence(texts)
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


def reply_features(
    texts: Sequence[str],
    featurizer: Featurizer,
    vectors: WordVectors,
    hash_dims: int,
    dense_weight: float,
    *,
    encoder: SentenceEncoder | None = None,
    encoder_weight: float = 0.0,
    encoder_mean: npt.NDArray[np.float32] | None = None,
    terms_weight: float = 0.0,
) -> Matrix:
    """``(n, hash_dims + vectors.dims [+ 384])``: the TF-IDF features folded into ``hash_dims``
    signed buckets (unit length), the word vector times ``dense_weight``, and with an
    ``encoder`` its sentence embedding (less ``encoder_mean`` and renormalised, when given)
    times ``encoder_weight`` (left out at weight 0). With ``terms_weight`` above 0, these as
    the dense block of :class:`~hashtags.models.linear.Rows` beside the encoder's latent terms
    (``log1p``, unit length, times ``terms_weight``)."""
    features, tokens = featurizer.transform_with_tokens(texts)
    n = len(texts)
    bucket = features.bucket
    # The top bit of the bucket gives the sign; the low bits (hash_dims is far smaller) the
    # folded bucket, so the two are independent.
    sign = np.where((bucket >> (featurizer.bits - 1)) & 1, 1.0, -1.0)
    folded = np.bincount(
        features.row * hash_dims + bucket % hash_dims,
        weights=features.value * sign,
        minlength=n * hash_dims,
    ).reshape(n, hash_dims)
    unit = _unit_rows(folded).astype(np.float32)
    blocks = [unit, vectors.embed(n, tokens) * np.float32(dense_weight)]
    if encoder is not None and encoder_weight > 0:
        sentence = encoder.encode(texts)
        if encoder_mean is not None:
            sentence = _unit_rows(sentence - encoder_mean).astype(np.float32)
        blocks.append(sentence * np.float32(encoder_weight))
    x = np.hstack(blocks)
    if encoder is None or terms_weight <= 0:
        return x
    return Rows(x, log1p_unit_terms(encoder.latent_terms(texts), terms_weight))


def log1p_unit_terms(terms: sp.csr_matrix, weight: float) -> sp.csr_matrix:
    """Latent terms as the head sees them: ``log1p`` of each activation, each row of unit
    length (empty rows stay empty), times ``weight``."""
    out = terms.astype(np.float32)
    out.data = np.log1p(out.data)
    norms = np.sqrt(np.asarray(out.multiply(out).sum(axis=1)).ravel())
    scale = np.float32(weight) / np.where(norms == 0, 1, norms).astype(np.float32)
    return sp.csr_matrix(sp.diags(scale) @ out, dtype=np.float32)


def _layout(x: Matrix) -> str:
    """``x``'s columns per row, as a message can say them: "2688" or "2688 dense + 16384
    latent-term". Two matrices can be stacked when their layouts are equal."""
    if isinstance(x, Rows):
        return f"{x.dense.shape[1]} dense + {x.sparse.shape[1]} latent-term"
    return str(x.shape[1])


def _unit_rows(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Each row scaled to unit length, in ``a``'s precision (zero rows stay zero)."""
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))
    out: npt.NDArray[Any] = a / np.where(norms == 0, 1, norms)[:, None]
    return out
