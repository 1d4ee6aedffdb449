"""Would normalising the word and character n-gram blocks apart help the heads? (experiment)

    python -m training.featurizer_probe [HEAD ...]     # default: hate_es offensive_es sentiment_es

Our featurizer (``hashtags.models.features``) L2-normalises a text's n-grams as one block, so
its character n-grams (about seven per word) outweigh its words and word pairs. A TF-IDF
union as in ``hashtags eval``'s baseline normalises each block apart. This fits the same
balanced logistic regression (C 4) on each head's own training rows, n-gram view only, in
3-fold cross-validation (seeded), for: the shipped features; the two blocks normalised apart
(word block weight 1 or 2); the same with sublinear term frequency (1 + log count). It prints
macro-F1. Development and test splits are not read. Nothing is written to the package.
"""

from __future__ import annotations

import sys

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from hashtags.models.features import Featurizer, analyse
from hashtags.models.text import text_classifier
from training.data import SEED
from training.text_models import datasets
from training.vocab import matrix

HEADS = ("hate_es", "offensive_es", "sentiment_es")


def split_blocks(
    featurizer: Featurizer, texts: list[str], *, sublinear: bool
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(character block, word and word-pair block), each IDF-weighted and L2-normalised."""
    n, size = len(texts), 2**featurizer.bits
    row, bucket, token_row, _ = analyse(texts, featurizer.bits)
    pairs = int(np.count_nonzero(token_row[:-1] == token_row[1:]))
    chars = len(bucket) - len(token_row) - pairs  # analyse() lists characters first
    idf = sp.diags(featurizer.idf.astype(np.float64))
    out = []
    for part in (slice(0, chars), slice(chars, len(bucket))):
        counts = sp.csr_matrix(
            (np.ones(len(row[part])), (row[part], bucket[part])), shape=(n, size)
        )
        counts.sum_duplicates()
        if sublinear:
            counts.data = 1.0 + np.log(counts.data)
        weighted = (counts @ idf).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        out.append((sp.diags(1.0 / np.where(norms == 0, 1.0, norms)) @ weighted).tocsr())
    return out[0], out[1]


def main(heads: list[str]) -> None:
    featurizer = text_classifier().featurizer
    data = datasets()
    for head in heads:
        train = data[head][0]
        texts, y = list(train.texts), np.asarray(train.labels)
        views = {"shipped (one block)": matrix(featurizer, texts)}
        for sublinear in (False, True):
            chars, words = split_blocks(featurizer, texts, sublinear=sublinear)
            for weight in (1.0, 2.0):
                name = f"apart, words x{weight:g}{', sublinear' if sublinear else ''}"
                views[name] = sp.hstack((chars, weight * words)).tocsr()
        folds = list(StratifiedKFold(3, shuffle=True, random_state=SEED).split(texts, y))
        for name, x in views.items():
            scores = []
            for fit, held in folds:
                model = LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
                model.fit(x[fit], y[fit])
                scores.append(f1_score(y[held], model.predict(x[held]), average="macro"))
            print(f"{head:14} {name:32} macro-F1 {np.mean(scores):.4f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:] or list(HEADS))
