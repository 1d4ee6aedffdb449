"""Does sentence-level distillation of the word vectors help? (experiment)

    python -m training.distil_probe [LAMBDA ...]          # default: 0 (shipped table), 1, 3

For each ridge strength, the shipped word-vector table is distilled towards e5 sentence
embeddings of the tweet corpus (:func:`training.wordvectors.distil`,
:data:`training.sentences.DISTIL_CORPUS`; ``python -m training sentences`` encodes it), then:

- the reply matcher on our BANKING77 80/20 split, with 10 examples per intent and with all
  training data (shipped calibration; the background recomputed with the new vectors), top-1
  accuracy on the 20% part: as ``hashtags eval`` measures it;
- the sentiment heads (en, es) and English offensive fitted on their full training rows as
  ``python -m training text`` fits them (word-vector weight 1 and 2), macro-F1 on the
  development split (offensive at the threshold picked on 3-fold out-of-fold predictions of the
  training rows, as training picks it).

``0`` is the shipped table, unchanged. Prints one line per figure; writes nothing.

Since text-v4 the shipped table is itself distilled (λ 1), so a rerun distils it a second time:
the figures in docs/benchmarks.md were measured on text-v3's table (commit 05e2f4c).
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace

import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from hashtags.models.features import WordVectors
from hashtags.models.replies import Calibration, ReplyMatcher, reply_features
from hashtags.models.text import text_classifier
from training.data import SEED, banking77_split, few_shot
from training.replies import (
    HASH_DIMS,
    background_texts,
    in_scope_accuracy_and_oos_recall,
    library_from,
)
from training.sentences import corpus
from training.text_models import (
    C_SENTIMENT,
    C_TOXICITY,
    VALENCE_WEIGHT,
    View,
    _best_threshold,
    _fit,
    _head_rows,
    datasets,
    extra,
)
from training.wordvectors import distil

HEADS = ("sentiment_en", "sentiment_es", "offensive_en")


def banking(vectors: WordVectors) -> dict[str, float]:
    classifier = text_classifier()
    cal = Calibration.load()
    background = reply_features(
        background_texts(), classifier.featurizer, vectors, HASH_DIMS, cal.dense_weight
    )
    train, dev = banking77_split()
    out = {}
    for name, rows in (("10-shot", few_shot(train, 10)), ("all", train)):
        matcher = ReplyMatcher(
            library_from(rows),
            featurizer=classifier.featurizer,
            vectors=vectors,
            calibration=replace(cal),
            background=background,
        )
        out[name] = in_scope_accuracy_and_oos_recall(matcher, dev, 0.0)[2]
    return out


def heads(vectors: WordVectors, dense_weights: tuple[float, ...] = (1.0, 2.0)) -> dict[str, float]:
    classifier = text_classifier()
    assert classifier.valence is not None
    data, extras = datasets(), extra()
    out = {}
    for head in HEADS:
        train_split, dev_split, sources = data[head]
        texts, labels, weight, _ = _head_rows(head, train_split, sources, extras, data)
        y, y_dev = np.asarray(labels), np.asarray(dev_split.labels)
        for dense_weight in dense_weights:
            view = View(
                classifier.featurizer,
                vectors,
                classifier.valence,
                dense_weight,
                VALENCE_WEIGHT.get(head, 0.0),
            )
            a, a_dev = view.matrix(texts), view.matrix(dev_split.texts)
            if head.startswith("sentiment"):
                model = _fit(a, y, c=C_SENTIMENT, balanced=True, sample_weight=weight)
                f1 = f1_score(y_dev, model.predict(a_dev), average="macro")
            else:
                own = len(train_split.texts)
                rest = np.arange(own, len(y))
                oof = np.zeros(own)
                folds = StratifiedKFold(3, shuffle=True, random_state=SEED)
                for fit_idx, held_idx in folds.split(np.zeros(own), y[:own]):
                    fit_idx = np.concatenate((fit_idx, rest))
                    fold = _fit(
                        a[fit_idx],
                        y[fit_idx],
                        c=C_TOXICITY,
                        balanced=False,
                        sample_weight=weight[fit_idx],
                    )
                    oof[held_idx] = fold.predict_proba(a[held_idx])[:, 1]
                threshold = _best_threshold(y[:own] == "1", oof)
                model = _fit(a, y, c=C_TOXICITY, balanced=False, sample_weight=weight)
                p_dev = model.predict_proba(a_dev)[:, 1]
                f1 = f1_score(y_dev == "1", p_dev >= threshold, average="macro")
            out[f"{head} (word vectors x{dense_weight:g})"] = float(f1)
    return out


def main(lams: list[float]) -> None:
    shipped = text_classifier().vectors
    texts, embeddings = corpus()
    print(f"distillation corpus: {len(texts)} texts", flush=True)
    for lam in lams:
        vectors = shipped if lam == 0 else distil(shipped, texts, embeddings, lam)
        label = "shipped" if lam == 0 else f"lambda {lam:g}"
        for name, value in banking(vectors).items():
            print(f"{label:12} BANKING77 {name:36} accuracy {value:.4f}", flush=True)
        for name, value in heads(vectors).items():
            print(f"{label:12} {name:46} macro-F1 {value:.4f}", flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    main([float(a) for a in sys.argv[1:]] or [0.0, 1.0, 3.0])
