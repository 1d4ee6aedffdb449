"""The training-time caches of sentence embeddings and latent terms: made once, by chunk, and
resumed where an interrupted run stopped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from hashtags.models.encoder import DIMS, LATENT_DIMS, SentenceEncoder
from training import sentences

TEXTS = [
    "Where is my order?",
    "¿Dónde está mi pedido?",
    "I want my money back",
    "What time do you open?",
    "Quiero devolver el café",
]


@pytest.fixture
def part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A five-text part, cached in chunks of two under ``tmp_path``."""
    monkeypatch.setenv("HASHTAGS_CACHE", str(tmp_path))
    monkeypatch.setattr(sentences, "part_texts", lambda name, split: list(TEXTS))
    monkeypatch.setattr(sentences, "CHUNK", 2)
    return tmp_path / "e5-sentences"


def test_embeddings_are_cached_once_and_match_the_encoder(part: Path) -> None:
    path = sentences.encode_part("demo", "train")
    assert path == part / "demo-train.npz"
    assert sorted(p.name for p in part.iterdir()) == ["demo-train.npz"]  # chunks removed
    with np.load(path, allow_pickle=False) as npz:
        assert npz["texts"].tolist() == TEXTS
        vectors = npz["vectors"]
    assert vectors.shape == (len(TEXTS), DIMS)
    expected = SentenceEncoder(cache_texts=0, threads=1).encode(TEXTS)
    assert np.allclose(vectors, expected, atol=1e-5)
    # A second call reads the file instead of encoding again.
    stamp = path.stat().st_mtime_ns
    assert sentences.encode_part("demo", "train") == path
    assert path.stat().st_mtime_ns == stamp


def test_an_interrupted_run_resumes_at_the_first_missing_chunk(part: Path) -> None:
    chunks = part / "demo-train.chunks"
    chunks.mkdir(parents=True)
    done = np.full((2, DIMS), 0.5, dtype=np.float32)  # what the interrupted run had written
    np.save(chunks / "0000.npy", done)
    with np.load(sentences.encode_part("demo", "train"), allow_pickle=False) as npz:
        vectors = npz["vectors"]
    assert np.array_equal(vectors[:2], done)  # kept, not encoded again
    expected = SentenceEncoder(cache_texts=0, threads=1).encode(TEXTS[2:])
    assert np.allclose(vectors[2:], expected, atol=1e-5)
    assert not chunks.exists()


def test_a_leftover_partial_chunk_does_not_stop_the_last_step(part: Path) -> None:
    chunks = part / "demo-train.chunks"
    chunks.mkdir(parents=True)
    vectors = SentenceEncoder(cache_texts=0, threads=1).encode(TEXTS)
    for index, start in enumerate(range(0, len(TEXTS), 2)):
        np.save(chunks / f"{index:04d}.npy", vectors[start : start + 2])
    np.save(chunks / "partial.npy", vectors[:1])  # killed while writing a chunk again
    with np.load(sentences.encode_part("demo", "train"), allow_pickle=False) as npz:
        assert np.array_equal(npz["vectors"], vectors)
    assert not chunks.exists()


def test_chunks_that_do_not_add_up_leave_no_cache(part: Path) -> None:
    chunks = part / "demo-train.chunks"
    chunks.mkdir(parents=True)
    np.save(chunks / "0000.npy", np.zeros((1, DIMS), dtype=np.float32))  # one row, not two
    with pytest.raises(RuntimeError, match=r"demo-train\.chunks: 4 vectors for 5 texts"):
        sentences.encode_part("demo", "train")
    assert not (part / "demo-train.npz").exists()
    assert not (part / "demo-train.partial.npz").exists()


def test_a_chunk_cut_short_by_a_killed_run_is_not_taken(part: Path) -> None:
    # A chunk is written under another name and renamed when whole, so what a killed run
    # leaves is that other name, which the next run neither reads nor trips on.
    chunks = part / "demo-train.terms.chunks"
    chunks.mkdir(parents=True)
    (chunks / "partial.npz").write_bytes(b"PK\x03\x04 cut short")
    path = sentences.encode_terms_part("demo", "train")
    with np.load(path, allow_pickle=False) as npz:
        assert npz["texts"].tolist() == TEXTS
        assert npz["indptr"][-1] == len(npz["indices"]) > 0
    assert not chunks.exists()


def test_latent_terms_are_cached_as_csr(part: Path) -> None:
    path = sentences.encode_terms_part("demo", "train")
    assert path == part / "demo-train.terms.npz"
    assert sorted(p.name for p in part.iterdir()) == ["demo-train.terms.npz"]
    with np.load(path, allow_pickle=False) as npz:
        assert npz["texts"].tolist() == TEXTS
        terms = sp.csr_matrix(
            (npz["data"], npz["indices"], npz["indptr"]), shape=(len(TEXTS), LATENT_DIMS)
        )
    expected = SentenceEncoder(cache_texts=0, threads=1).latent_terms(TEXTS)
    assert np.array_equal(terms.indptr, expected.indptr)
    assert np.array_equal(terms.indices, expected.indices)
    assert np.allclose(terms.data, expected.data, atol=1e-5)
    texts, loaded = sentences.load_terms_part("demo", "train")
    assert texts == TEXTS and (loaded != terms).nnz == 0
