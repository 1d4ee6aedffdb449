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


__all__ = ["fit_featurizer", "matrix"]
