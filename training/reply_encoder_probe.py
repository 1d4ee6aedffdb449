"""The reply matcher with the sentence encoder's view, on our BANKING77 split (experiment).

    python -m training.reply_encoder_probe [--weights 0,3,5] [--c 16,64] [--center none]
        [--terms 0,2] [--inner]

Unlike ``training.encoder_probe`` (scikit-learn), this runs the shipped matcher itself
(:class:`hashtags.models.replies.ReplyMatcher`, its NumPy head and background class) with
the shipped calibration except ``encoder_weight``, ``c``, ``terms_weight`` (``--terms``, the
encoder's latent terms) and ``encoder_center`` (off: ``--center`` does the centring here);
top-1 accuracy on our dev part (``--inner``: on 20 % of our training part instead, with
libraries from the other 80 %, so that settings can be chosen without the dev part),
10 examples per intent and all training data. ``--center`` subtracts a mean from every
embedding (and renormalises) first: ``background`` the background tweets' mean, ``library``
the mean of the library's own examples. BANKING77's embeddings are cached as
``training.encoder_probe`` caches them, and their latent terms as
:func:`training.sentences.load_terms_part` does (about 3 minutes on one core the first time).
Recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from hashtags.models.encoder import SentenceEncoder
from hashtags.models.linear import Matrix, Rows
from hashtags.models.replies import Calibration, ReplyMatcher, load_background, log1p_unit_terms
from training.data import banking77_inner_split, banking77_split, few_shot, load
from training.encoder_probe import _embeddings
from training.replies import background_texts, in_scope_accuracy_and_oos_recall, library_from
from training.sentences import load_terms_part


def _unit(v: np.ndarray) -> np.ndarray:
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default="0,3,5")
    parser.add_argument("--c", default="16,64")
    parser.add_argument("--center", choices=("none", "background", "library"), default="none")
    parser.add_argument("--terms", default="0")
    parser.add_argument(
        "--inner",
        action="store_true",
        help="measure on an inner 80/20 split of the training part, not on the dev part",
    )
    args = parser.parse_args()
    rows = load("banking77", "train")
    texts = [r["text"] for r in rows]
    raw = _embeddings(texts)
    index = {t: i for i, t in enumerate(texts)}
    terms_weights = [float(t) for t in args.terms.split(",")]
    terms = None
    if max(terms_weights) > 0:
        terms_texts, terms = load_terms_part("banking77", "train")
        background_terms = SentenceEncoder().latent_terms(background_texts())
    background_e5 = SentenceEncoder().encode(background_texts())
    shipped = Calibration.load()
    train, dev = banking77_inner_split() if args.inner else banking77_split()
    for name, part in (("10 per intent", few_shot(train, 10)), ("all training data", train)):
        library = library_from(part)
        if args.center == "background":
            mean = background_e5.mean(axis=0)
        elif args.center == "library":
            mean = raw[[index[r["text"]] for r in part]].mean(axis=0)
        weights = [float(w) for w in args.weights.split(",")]
        cs = [float(c) for c in args.c.split(",")]
        for weight, c, terms_weight in itertools.product(weights, cs, terms_weights):
            encoder = SentenceEncoder(cache_texts=len(texts))
            centred = args.center != "none"
            encoder.remember(texts, _unit(raw - mean) if centred else raw)
            if terms is not None:
                encoder.remember_terms(terms_texts, terms)
            own = _unit(background_e5 - mean) if centred else background_e5
            shipped_bg = load_background()
            dense_bg = shipped_bg.dense if isinstance(shipped_bg, Rows) else shipped_bg
            dense = dense_bg[:, : -own.shape[1]]
            if weight > 0:
                dense = np.hstack((dense, weight * own))
            background: Matrix = dense
            if terms_weight > 0:
                background = Rows(dense, log1p_unit_terms(background_terms, terms_weight))
            # The probe centres (or not) itself, so the calibration's own centring is off.
            cal = Calibration(
                **{
                    **shipped.__dict__,
                    "encoder_weight": weight,
                    "c": c,
                    "encoder_center": False,
                    "terms_weight": terms_weight,
                }
            )
            matcher = ReplyMatcher(library, calibration=cal, background=background, encoder=encoder)
            _, _, top1 = in_scope_accuracy_and_oos_recall(matcher, dev, 0.0)
            print(
                f"{name:18} center={args.center:10} weight={weight} C={c:<5} "
                f"terms={terms_weight} accuracy={top1:.4f}"
            )


if __name__ == "__main__":
    main()
