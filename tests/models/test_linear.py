"""The NumPy logistic regression behind the reply head: it learns, it is deterministic."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from hashtags.models.linear import Rows, fit_softmax, softmax


def _blobs(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, 8)) * 3
    y = np.repeat(np.arange(4), 30)
    x = (centres[y] + rng.normal(size=(len(y), 8))).astype(np.float32)
    return x, y


def test_separable_classes_are_learnt() -> None:
    x, y = _blobs(0)
    head = fit_softmax(x, y, 4, l2=1e-3)
    assert np.mean(head.logits(x).argmax(axis=1) == y) == 1.0
    p = head.probabilities(x)
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)


def test_same_rows_same_weights() -> None:
    x, y = _blobs(1)
    a = fit_softmax(x, y, 4, l2=1e-2)
    b = fit_softmax(x, y, 4, l2=1e-2)
    assert np.array_equal(a.weights, b.weights) and np.array_equal(a.bias, b.bias)


def test_stronger_regularisation_gives_smaller_weights_and_softer_probabilities() -> None:
    x, y = _blobs(2)
    loose = fit_softmax(x, y, 4, l2=1e-3)
    tight = fit_softmax(x, y, 4, l2=1.0)
    assert np.linalg.norm(tight.weights) < np.linalg.norm(loose.weights)
    assert tight.probabilities(x).max(axis=1).mean() < loose.probabilities(x).max(axis=1).mean()


def test_sample_weights_shift_the_decision() -> None:
    # Two overlapping classes: weighting class 1 up moves the boundary towards class 0.
    rng = np.random.default_rng(3)
    x = np.concatenate((rng.normal(-0.5, 1, 200), rng.normal(0.5, 1, 200)))[:, None]
    y = np.repeat([0, 1], 200)
    plain = fit_softmax(x.astype(np.float32), y, 2, l2=1e-3)
    heavy = fit_softmax(
        x.astype(np.float32), y, 2, l2=1e-3, sample_weight=np.where(y == 1, 5.0, 1.0)
    )
    share = [
        float(np.mean(h.logits(x.astype(np.float32)).argmax(axis=1) == 1)) for h in (plain, heavy)
    ]
    assert share[1] > share[0]


def test_temperature_softens() -> None:
    z = np.asarray([[2.0, 0.0, -1.0]], dtype=np.float32)
    assert softmax(z / 3).max() < softmax(z).max()


def test_a_sparse_block_beside_the_dense_one_fits_as_the_wide_matrix_would() -> None:
    x, y = _blobs(3)
    rng = np.random.default_rng(3)
    wide = np.where(rng.random((len(y), 40)) < 0.1, rng.random((len(y), 40)), 0)
    wide[np.arange(len(y)), y] += 2.0  # the sparse block tells the classes apart as well
    rows = Rows(x[:, :3], sp.csr_matrix(np.hstack((x[:, 3:], wide)).astype(np.float32)))
    dense = np.hstack((x, wide)).astype(np.float32)
    assert rows.shape == dense.shape and len(rows) == len(y)
    a = fit_softmax(rows, y, 4, l2=1e-2)
    b = fit_softmax(dense, y, 4, l2=1e-2)
    assert np.allclose(a.weights, b.weights, atol=1e-3)  # the same fit, up to rounding
    assert np.allclose(a.logits(rows), b.logits(dense), atol=1e-2)
    stacked = Rows.stack([rows, rows])
    assert stacked.shape == (2 * len(y), dense.shape[1])
    assert np.allclose(stacked @ a.weights, np.vstack((dense, dense)) @ a.weights, atol=1e-4)


def test_rows_of_unequal_blocks_are_refused() -> None:
    with pytest.raises(ValueError, match="3 dense rows beside 2 sparse rows"):
        Rows(np.zeros((3, 2), np.float32), sp.csr_matrix((2, 5), dtype=np.float32))


def test_rows_keep_any_sparse_block_as_csr_and_compare_by_identity() -> None:
    dense = np.ones((2, 3), dtype=np.float32)
    block = sp.coo_matrix(np.asarray([[0, 2.0], [1.0, 0]], dtype=np.float32))
    rows = Rows(dense, block)
    assert isinstance(rows.sparse, sp.csr_matrix)
    w = np.arange(10, dtype=np.float32).reshape(5, 2)
    wide = np.hstack((dense, block.toarray()))
    assert np.allclose(rows @ w, wide @ w)
    same = Rows(dense, rows.sparse)
    assert rows == rows and rows != same  # arrays have no single truth value to compare by
