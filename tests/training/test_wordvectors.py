"""Sentence-level distillation of the word vectors (``training.wordvectors.distil``)."""

from __future__ import annotations

import numpy as np
import pytest
from training.wordvectors import distil, pooling_matrix, quantise

from hashtags.models.features import WordVectors, token_hashes

# Letters only: the tokeniser folds digits, so "w1" and "w2" would be one token.
WORDS = [f"zq{chr(97 + i // 26)}{chr(97 + i % 26)}" for i in range(40)]


def table(dims: int = 8, seed: int = 0) -> WordVectors:
    hashes = np.asarray(token_hashes(WORDS)[1], dtype=np.uint64)
    order = np.argsort(hashes)
    rng = np.random.default_rng(seed)
    return quantise(hashes[order], rng.normal(size=(len(WORDS), dims)))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def corpus(rng: np.random.Generator) -> tuple[list[str], np.ndarray]:
    """Texts over the first 30 words in three topics of ten words; each topic's texts share one
    embedding direction (plus noise). the last ten words appear in no text."""
    topics = rng.normal(size=(3, 32))
    texts, embeddings = [], []
    for _ in range(300):
        topic = int(rng.integers(3))
        words = rng.choice(10, size=4, replace=False) + 10 * topic
        texts.append(" ".join(WORDS[w] for w in words))
        embeddings.append(topics[topic] + 0.1 * rng.normal(size=32))
    return texts, np.asarray(embeddings, dtype=np.float32)


def topic_mean(vectors: WordVectors, topic: int) -> np.ndarray:
    words = " ".join(WORDS[10 * topic : 10 * topic + 10])
    mean: np.ndarray = vectors.transform([words], pooling="mean")[0]
    return mean


def test_pooling_matrix_is_the_mean_pooling() -> None:
    vectors = table()
    texts = [f"{WORDS[1]} {WORDS[2]} {WORDS[2]}", f"{WORDS[3]} unknown", "nothing known", WORDS[39]]
    a = pooling_matrix(vectors, texts)
    dense = vectors.vectors.astype(np.float64) * vectors.scales[:, None]
    np.testing.assert_allclose(a @ dense, vectors.transform(texts, pooling="mean"), atol=1e-5)


def test_distillation_pulls_texts_of_one_meaning_together() -> None:
    rng = np.random.default_rng(1)
    texts, embeddings = corpus(rng)
    old = table()
    new = distil(old, texts, embeddings, lam=0.01)
    assert new.vectors.dtype == np.int8 and new.vectors.shape == old.vectors.shape
    np.testing.assert_array_equal(new.hashes, old.hashes)
    # Before: random token vectors, the topics' mean vectors point anywhere. After: the two
    # halves of one topic agree, and different topics stay apart.
    for vectors, tight in ((old, False), (new, True)):
        halves = [
            vectors.transform(
                [" ".join(WORDS[10 * t + h * 5 : 10 * t + h * 5 + 5])], pooling="mean"
            )[0]
            for t in range(3)
            for h in (0, 1)
        ]
        same = min(cosine(halves[2 * t], halves[2 * t + 1]) for t in range(3))
        other = max(
            cosine(topic_mean(vectors, s), topic_mean(vectors, t))
            for s, t in ((0, 1), (0, 2), (1, 2))
        )
        if tight:
            assert same > 0.95
            assert other < 0.6
        else:
            assert same < 0.9


def test_a_strong_ridge_only_maps_the_old_table() -> None:
    """With a huge lambda every vector stays at the old table times one linear map, and tokens
    no text uses are mapped like the others."""
    rng = np.random.default_rng(2)
    texts, embeddings = corpus(rng)
    old = table()
    new = distil(old, texts, embeddings, lam=1e9)
    before = old.vectors * old.scales[:, None]
    after = new.vectors * new.scales[:, None]
    mapping, *_ = np.linalg.lstsq(before, after, rcond=None)
    residual = np.linalg.norm(before @ mapping - after) / np.linalg.norm(after)
    assert residual < 0.02  # int8 rounding only


def test_distillation_is_deterministic() -> None:
    rng = np.random.default_rng(3)
    texts, embeddings = corpus(rng)
    a = distil(table(), texts, embeddings, lam=0.1)
    b = distil(table(), texts, embeddings, lam=0.1)
    np.testing.assert_array_equal(a.vectors, b.vectors)
    np.testing.assert_array_equal(a.scales, b.scales)


def test_texts_and_embeddings_must_pair_up() -> None:
    with pytest.raises(ValueError, match="3 texts but 2 embeddings"):
        distil(table(), WORDS[:3], np.zeros((2, 32), dtype=np.float32))
