"""Does sentence-level distillation of the word vectors help? (experiment)

    python -m training.distil_probe [LAMBDA ...]          # default: 0 (the table as is), 1, 3
    python -m training.distil_probe --base-vectors text-v3.npz --calibration replies-v2.json 0 1

For each ridge strength, the word-vector table (the shipped one, or ``--base-vectors``: the
``wv.*`` arrays of an earlier text artifact) is distilled towards e5 sentence
embeddings of the tweet corpus (:func:`training.wordvectors.distil`,
:data:`training.sentences.DISTIL_CORPUS`; ``python -m training sentences`` encodes it), then:

- the reply matcher on our BANKING77 80/20 split, with 10 examples per intent and with all
  training data (shipped calibration, its sentence-encoder views included, which encodes
  BANKING77 once: minutes; the background recomputed with the new vectors), top-1
  accuracy on the 20% part: as ``hashtags eval`` measures it (``--calibration``: the settings
  of an earlier ``replies-vN.json`` instead of the shipped ones);
- the sentiment heads (en, es) and English offensive fitted on their full training rows as
  ``python -m training text`` fitted them up to text-v4 (C 0.5 / 4, n-grams unscaled, so the
  recorded figures reproduce; word-vector weight 1 and 2), macro-F1 on the development split
  (offensive at the threshold picked on 3-fold out-of-fold predictions of the training rows,
  as training picks it).

``0`` is the table unchanged. Prints one line per figure; writes nothing.

Since text-v4 the shipped table is itself distilled (λ 1), so a rerun without options distils
it a second time. The figures in docs/benchmarks.md were measured on text-v3's table with
replies-v2's settings: both files are in git (``git show 05e2f4c:src/hashtags/models/
artifacts/text-v3.npz``, and ``replies-v2.json`` from the same commit), and the second command
above reproduces them.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

from hashtags.models.encoder import sentence_encoder
from hashtags.models.features import WordVectors
from hashtags.models.replies import Calibration, ReplyMatcher, load_encoder_mean
from hashtags.models.text import text_classifier
from training.data import banking77_split, few_shot
from training.replies import (
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
    out_of_fold,
)
from training.wordvectors import distil, read_table, vectors_from

HEADS = ("sentiment_en", "sentiment_es", "offensive_en")


def banking(vectors: WordVectors, cal: Calibration | None = None) -> dict[str, float]:
    classifier = text_classifier()
    cal = cal or Calibration.load()
    # The shipped calibration (replies-v5 on) also has the sentence encoder's views: the
    # background needs them too, or the matcher refuses it.
    encoder = sentence_encoder() if cal.encoder_weight > 0 or cal.terms_weight > 0 else None
    mean = load_encoder_mean() if encoder is not None and cal.encoder_center else None
    background = cal.features(
        background_texts(), classifier.featurizer, vectors, encoder=encoder, encoder_mean=mean
    )
    train, dev = banking77_split()
    out = {}
    for name, rows in (("10-shot", few_shot(train, 10)), ("all", train)):
        matcher = ReplyMatcher(
            library_from(rows),
            featurizer=classifier.featurizer,
            vectors=vectors,
            calibration=cal,
            background=background,
            encoder=encoder,
            encoder_mean=mean,
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
                oof = out_of_fold(head, a, y, weight, own, folds=3, c=C_TOXICITY, beta=0.0)
                threshold = _best_threshold(y[:own] == "1", oof)
                model = _fit(a, y, c=C_TOXICITY, balanced=False, sample_weight=weight)
                p_dev = model.predict_proba(a_dev)[:, 1]
                f1 = f1_score(y_dev == "1", p_dev >= threshold, average="macro")
            out[f"{head} (word vectors x{dense_weight:g})"] = float(f1)
    return out


def read_calibration(path: Path) -> Calibration:
    """The reply settings of a ``replies-vN.json`` (an earlier one, from git)."""
    try:
        return Calibration.load(path)
    except (OSError, ValueError, TypeError) as exc:
        raise SystemExit(f"{path}: not a reply calibration ({exc})") from exc


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(prog="python -m training.distil_probe")
    out.add_argument("lams", nargs="*", type=float, default=[0.0, 1.0, 3.0], metavar="LAMBDA")
    out.add_argument("--base-vectors", type=Path, metavar="FILE", help="an .npz with wv.* arrays")
    out.add_argument("--calibration", type=Path, metavar="FILE", help="a replies-vN.json")
    return out


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    if any(lam < 0 for lam in args.lams):
        raise SystemExit("LAMBDA must be >= 0 (0: the table unchanged)")
    cal = read_calibration(args.calibration) if args.calibration is not None else None
    base = (
        vectors_from(read_table(args.base_vectors))
        if args.base_vectors is not None
        else text_classifier().vectors
    )
    if any(args.lams):  # λ 0 alone needs no sentence embeddings
        texts, embeddings = corpus()
        print(f"distillation corpus: {len(texts)} texts", flush=True)
    for lam in args.lams:
        vectors = base if lam == 0 else distil(base, texts, embeddings, lam)
        label = "as is" if lam == 0 else f"lambda {lam:g}"
        for name, value in banking(vectors, cal).items():
            print(f"{label:12} BANKING77 {name:36} accuracy {value:.4f}", flush=True)
        for name, value in heads(vectors).items():
            print(f"{label:12} {name:46} macro-F1 {value:.4f}", flush=True)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    main()
