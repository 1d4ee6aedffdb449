"""The n-gram columns' naive-Bayes scaling (``training.vocab.nb_scale``)."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from training.vocab import fit_featurizer, matrix, nb_scale

TEXTS = ["zxq plm", "zxq kwv", "zxq zxq", "plm bjd", "kwv bjd", "bjd fyt"]
"""Made-up words share no character n-gram: "zxq" only in the first class, "plm" and "kwv"
once in each, "bjd" and "fyt" only in the second."""
LABELS = np.asarray(["1", "1", "1", "0", "0", "0"])


def test_a_column_one_class_uses_stands_out_and_shared_ones_are_damped() -> None:
    featurizer = fit_featurizer(TEXTS, 12)
    a = matrix(featurizer, TEXTS)
    scale = nb_scale(a, LABELS, np.ones(len(TEXTS)), 1.0)

    def of(word: str) -> list[int]:
        return sorted(set(matrix(featurizer, [word]).indices.tolist()))

    assert scale[of("zxq")].min() > 1.0 > scale[of("plm") + of("kwv")].max()
    assert scale[of("bjd")].min() > 1.0
    seen = np.asarray(a.sum(axis=0)).ravel() != 0
    assert scale[seen].mean() == pytest.approx(1.0)


def test_beta_interpolates_towards_leaving_the_columns_alone() -> None:
    a = matrix(fit_featurizer(TEXTS, 12), TEXTS)
    weight = np.ones(len(TEXTS))
    full = nb_scale(a, LABELS, weight, 1.0)
    assert np.array_equal(nb_scale(a, LABELS, weight, 0.0), np.ones(a.shape[1]))
    np.testing.assert_allclose(nb_scale(a, LABELS, weight, 0.25), 0.75 + 0.25 * full)


def test_row_weights_count_like_repeated_rows() -> None:
    a = matrix(fit_featurizer(TEXTS, 12), TEXTS)
    weight = np.asarray([2.0, 1, 1, 1, 1, 1])
    repeated = sp.vstack((a[:1], a)).tocsr()
    np.testing.assert_allclose(
        nb_scale(a, LABELS, weight, 1.0),
        nb_scale(repeated, np.concatenate((LABELS[:1], LABELS)), np.ones(7), 1.0),
    )


def test_three_classes_take_each_columns_most_telling_class() -> None:
    texts = ["good good", "fine good", "bad bad", "bad awful", "meh ok", "ok meh"]
    labels = np.asarray(["positive", "positive", "negative", "negative", "neutral", "neutral"])
    featurizer = fit_featurizer(texts, 12)
    a = matrix(featurizer, texts)
    scale = nb_scale(a, labels, np.ones(len(texts)), 1.0)
    for word in ("good", "bad", "meh"):
        own = sorted(set(matrix(featurizer, [word]).indices.tolist()))
        assert scale[own].min() > 1.0, word
