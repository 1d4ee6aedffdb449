"""IDF weights for the hashed features, and the sparse matrices scikit-learn trains on."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from hashtags.models.features import Featurizer, hashed_features

BATCH = 2048


def fit_featurizer(texts: Sequence[str], bits: int) -> Featurizer:
    """IDF per bucket over ``texts``: ``ln((1 + n) / (1 + df)) + 1``, as scikit-learn's."""
    df = np.zeros(2**bits, dtype=np.int64)
    for start in range(0, len(texts), BATCH):
        row, bucket = hashed_features(texts[start : start + BATCH], bits)
        pairs = np.unique(row * 2**bits + bucket)
        df += np.bincount(pairs % 2**bits, minlength=2**bits)
    n = len(texts)
    idf = np.log((1.0 + n) / (1.0 + df)) + 1.0
    return Featurizer(bits, idf.astype(np.float32))


def matrix(featurizer: Featurizer, texts: Sequence[str]) -> sp.csr_matrix:
    """The feature rows of ``texts`` (duplicate occurrences summed) as a CSR matrix."""
    blocks = []
    for start in range(0, len(texts), BATCH):
        chunk = texts[start : start + BATCH]
        f = featurizer.transform(chunk)
        blocks.append(
            sp.csr_matrix(
                (f.value.astype(np.float64), (f.row, f.bucket)),
                shape=(len(chunk), 2**featurizer.bits),
            )
        )
    if not blocks:
        return sp.csr_matrix((0, 2**featurizer.bits))
    out = sp.vstack(blocks).tocsr()
    out.sum_duplicates()
    return out


def nb_scale(ngrams: sp.csr_matrix, y: np.ndarray, weight: np.ndarray, beta: float) -> np.ndarray:
    """A factor per column of ``ngrams`` (rows: texts; columns: n-gram buckets) for NB-SVM-style
    scaling (Wang and Manning 2012): ``1 - beta + beta * r / mean(r)``.

    ``r`` is a column's naive-Bayes log-count ratio: the absolute log of its smoothed share
    (add-one) among one class's texts over its share among the other texts, each text counting
    once with its ``weight``; the largest over the classes (only one for two classes). The
    mean runs over the columns some row uses. Columns the classes use alike are damped, those
    one class uses more stand out, before a regularised fit; ``beta`` 0 leaves all at 1."""
    present = ngrams.tocsr(copy=True)
    present.data[:] = 1.0
    seen = np.asarray(present.sum(axis=0)).ravel() != 0
    classes = sorted(set(y.tolist()))
    ratio = np.zeros(ngrams.shape[1])
    for label in classes[1:] if len(classes) == 2 else classes:
        inside = y == label
        p = np.asarray(present[inside].T @ weight[inside]).ravel() + 1.0
        q = np.asarray(present[~inside].T @ weight[~inside]).ravel() + 1.0
        np.maximum(ratio, np.abs(np.log((p / p.sum()) / (q / q.sum()))), out=ratio)
    mean = float(ratio[seen].mean()) if seen.any() else 1.0
    return np.asarray(1.0 - beta + beta * ratio / (mean or 1.0))


__all__ = ["fit_featurizer", "matrix", "nb_scale"]
