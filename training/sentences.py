"""Sentence embeddings of the training texts by multilingual-e5-small (training time only).

The teacher for :func:`training.wordvectors.distil`: each training text's e5 ``query:``
embedding (384 floats), computed once on one thread and cached in
``$HASHTAGS_CACHE/e5-sentences/NAME-SPLIT.npz`` (arrays ``texts`` and ``vectors``), in chunks so
that an interrupted run resumes where it stopped. About 50-80 ms per text on one core here:
``python -m training sentences --jobs 2`` encodes every part of :data:`DISTIL_CORPUS` (53,127
texts: 26 and 38 minutes on two cores here, 2026-12-07); reruns read the cache.

The reply matcher's latent terms (:meth:`hashtags.models.encoder.SentenceEncoder.latent_terms`)
are cached the same way by :func:`encode_terms_part`, as ``NAME-SPLIT.terms.npz`` (``texts``
and a CSR matrix's ``data``, ``indices``, ``indptr``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from hashtags.models.encoder import CACHE_TEXTS, LATENT_DIMS, SentenceEncoder
from training.data import load

log = logging.getLogger(__name__)

DISTIL_CORPUS = (
    ("xlmt_sentiment_en", "train"),
    ("xlmt_sentiment_es", "train"),
    ("xlmt_sentiment_pt", "train"),
    ("xlmt_sentiment_fr", "train"),
    ("xlmt_sentiment_it", "train"),
    ("xlmt_sentiment_de", "train"),
    ("hateval_es", "train"),
    ("hateval_en", "train"),
    ("tweeteval_offensive", "train"),
    ("offendes", "train"),
)
"""The tweets the word vectors learn sentences from: training splits only, and no intent data
(BANKING77, CLINC150), so that the reply matcher's figures stay those of a library it has never
seen. ``tweeteval_hate`` is left out: its training texts are HatEval en's."""

CHUNK = 1024


def sentence_dir() -> Path:
    from training.wordvectors import cache_dir

    path = cache_dir() / "e5-sentences"
    path.mkdir(parents=True, exist_ok=True)
    return path


def part_texts(name: str, split: str) -> list[str]:
    """The part's distinct texts, in first-seen order."""
    return list(dict.fromkeys(row["text"] for row in load(name, split)))


def encode_part(name: str, split: str) -> Path:
    """Encode one part (resumable by chunk); the path of its ``.npz``."""

    def finish(final: Path, texts: list[str], chunk_paths: list[Path]) -> None:
        vectors = np.concatenate([np.load(p) for p in chunk_paths])
        if len(vectors) != len(texts):
            raise RuntimeError(f"{len(vectors)} vectors for {len(texts)} texts")
        np.savez(final, texts=np.asarray(texts), vectors=vectors)

    return _resumable(
        name,
        split,
        "",
        ".npy",
        lambda model, texts, path: np.save(path, model.encode(texts)),
        finish,
    )


def encode_terms_part(name: str, split: str) -> Path:
    """The latent terms of one part's texts (resumable by chunk); the path of its ``.npz``."""

    def finish(final: Path, texts: list[str], chunk_paths: list[Path]) -> None:
        terms = sp.vstack([sp.load_npz(p) for p in chunk_paths], format="csr")
        if terms.shape != (len(texts), LATENT_DIMS):
            raise RuntimeError(f"{terms.shape} terms for {len(texts)} texts")
        np.savez(
            final,
            texts=np.asarray(texts),
            data=terms.data.astype(np.float32),
            indices=terms.indices.astype(np.int32),
            indptr=terms.indptr.astype(np.int64),
        )

    return _resumable(
        name,
        split,
        ".terms",
        ".npz",
        lambda model, texts, path: sp.save_npz(path, model.latent_terms(texts)),
        finish,
    )


def _resumable(
    name: str,
    split: str,
    kind: str,
    chunk_suffix: str,
    compute: Callable[[SentenceEncoder, list[str], Path], None],
    finish: Callable[[Path, list[str], list[Path]], None],
) -> Path:
    """``NAME-SPLIT{kind}.npz`` in :func:`sentence_dir`, made once: ``compute`` writes each
    chunk of :data:`CHUNK` texts to its own file (so an interrupted run resumes at the first
    missing chunk), then ``finish`` joins them into a partial file that replaces the final one
    in one step, and the chunks are removed."""
    final = sentence_dir() / f"{name}-{split}{kind}.npz"
    if final.is_file():
        return final
    texts = part_texts(name, split)
    chunks = sentence_dir() / f"{name}-{split}{kind}.chunks"
    chunks.mkdir(exist_ok=True)
    model = None
    started = time.time()
    for index, start in enumerate(range(0, len(texts), CHUNK)):
        path = chunks / f"{index:04d}{chunk_suffix}"
        if path.is_file():
            continue
        if model is None:
            model = _encoder()
        # Written under another name first, so a run killed mid-write leaves no half chunk
        # that the next run would take for a whole one.
        partial_chunk = chunks / f"partial{chunk_suffix}"
        compute(model, texts[start : start + CHUNK], partial_chunk)
        partial_chunk.replace(path)
        log.info(
            "%s-%s%s: %d/%d texts (%.0f s)",
            name,
            split,
            kind,
            min(start + CHUNK, len(texts)),
            len(texts),
            time.time() - started,
        )
    chunk_paths = sorted(chunks.glob(f"[0-9][0-9][0-9][0-9]{chunk_suffix}"))
    partial = final.with_suffix(".partial.npz")
    try:
        finish(partial, texts, chunk_paths)
    except RuntimeError as exc:
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"{chunks}: {exc} (remove the folder to encode again)") from exc
    partial.replace(final)
    for p in [*chunk_paths, *chunks.glob("partial*")]:
        p.unlink()
    chunks.rmdir()
    return final


def _encoder() -> SentenceEncoder:
    """The run-time encoder on one thread (the figures are reproducible so), caching nothing:
    this module keeps its own cache on disk."""
    return SentenceEncoder(cache_texts=0, threads=1)


def encode_all(jobs: int = 1) -> None:
    """Encode every part of :data:`DISTIL_CORPUS`, ``jobs`` parts at a time."""
    if jobs <= 1:
        for name, split in DISTIL_CORPUS:
            encode_part(name, split)
        return
    # Largest parts first, so that the processes finish at about the same time.
    parts = sorted(DISTIL_CORPUS, key=lambda part: -len(part_texts(*part)))
    with ProcessPoolExecutor(jobs) as pool:
        for path in pool.map(encode_part, *zip(*parts, strict=True)):
            log.info("done: %s", path.name)


def corpus() -> tuple[list[str], npt.NDArray[np.float32]]:
    """Every distinct text of :data:`DISTIL_CORPUS` and its embedding (``(n, 384)``)."""
    texts: list[str] = []
    vectors: list[npt.NDArray[np.float32]] = []
    seen: set[str] = set()
    for name, split in DISTIL_CORPUS:
        with np.load(encode_part(name, split), allow_pickle=False) as npz:
            part_t, part_v = npz["texts"].tolist(), npz["vectors"]
        keep = [i for i, t in enumerate(part_t) if t not in seen]
        seen.update(part_t)
        texts += [part_t[i] for i in keep]
        vectors.append(part_v[keep])
    return texts, np.concatenate(vectors).astype(np.float32)


def cached_encoder(parts: list[tuple[str, str]], *, terms: bool = False) -> SentenceEncoder:
    """The run-time encoder (:mod:`hashtags.models.encoder`) with every text of ``parts``
    already encoded from this cache (:func:`encode_part`; with ``terms``, their latent terms
    too, :func:`encode_terms_part`), so training and evaluation do not encode the same texts
    again; other texts are encoded as at run time."""
    loaded = []
    for name, split in parts:
        with np.load(encode_part(name, split), allow_pickle=False) as npz:
            loaded.append((npz["texts"].tolist(), npz["vectors"]))
    encoder = SentenceEncoder(cache_texts=CACHE_TEXTS + sum(len(t) for t, _ in loaded))
    for texts, vectors in loaded:
        encoder.remember(texts, vectors)
    if terms:
        for name, split in parts:
            encoder.remember_terms(*load_terms_part(name, split))
    return encoder


def load_terms_part(name: str, split: str) -> tuple[list[str], sp.csr_matrix]:
    """One part's texts and their latent terms (encoded first if they are not cached)."""
    with np.load(encode_terms_part(name, split), allow_pickle=False) as npz:
        texts: list[str] = npz["texts"].tolist()
        matrix = sp.csr_matrix(
            (npz["data"], npz["indices"], npz["indptr"]), shape=(len(texts), LATENT_DIMS)
        )
    return texts, matrix
