"""The hashed featurizer: deterministic, batch-independent, robust to any Unicode."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hashtags.models.features import Featurizer, code_points, hashed_features, normalize_joined

BITS = 16


def _features(text: str) -> list[int]:
    _, bucket = hashed_features([text], BITS)
    return sorted(bucket.tolist())


def test_same_text_same_features_alone_or_in_a_batch() -> None:
    texts = ["¡Qué servicio tan malo!", "", "Great coffee 😀 @cafeterra https://x.co/a", "ok"]
    row, bucket = hashed_features(texts, BITS)
    for i, text in enumerate(texts):
        assert sorted(bucket[row == i].tolist()) == _features(text)


def test_empty_text_has_no_features() -> None:
    row, _ = hashed_features(["", "   "], BITS)
    assert len(row) == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CANCIÓN", "cancion"),  # case and accents
        ("geniaaaaal", "geniaal"),  # long repeats
        ("llamé al 600123456", "llamé al 000000000"),  # digits
        ("mira @pepe", "mira @juan"),  # mentions
        ("see https://a.example/x", "see http://b.example/y?z=1"),  # links
    ],
)
def test_normalisation_folds_spelling_variants(a: str, b: str) -> None:
    assert _features(a) == _features(b)


def test_different_words_differ() -> None:
    assert _features("idiota") != _features("idea")


def test_normalize_joined_separates_texts_with_nul() -> None:
    assert normalize_joined(["A", "b\x00c"]) == "\x00a\x00b c\x00"
    assert code_points(["ab"]).tolist() == [0, ord("a"), ord("b"), 0]


def test_idf_weighted_rows_are_unit_length() -> None:
    featurizer = Featurizer(BITS, np.ones(2**BITS, dtype=np.float32))
    f = featurizer.transform(["hola mundo", "", "x"])
    norms = np.bincount(f.row, weights=f.value.astype(np.float64) ** 2, minlength=3)
    assert norms[0] == pytest.approx(1.0, abs=1e-5)
    assert norms[1] == 0.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=5))
def test_any_unicode_never_raises_and_rows_stay_in_range(texts: list[str]) -> None:
    row, bucket = hashed_features(texts, BITS)
    assert len(row) == len(bucket)
    if len(row):
        assert row.min() >= 0 and row.max() < len(texts)
        assert bucket.min() >= 0 and bucket.max() < 2**BITS
