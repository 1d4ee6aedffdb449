"""The reply matcher with the sentence encoder's view, on our BANKING77 split (experiment).

    python -m training.reply_encoder_probe [--weights 0,3,5] [--c 16,64] [--center none]

Unlike ``training.encoder_probe`` (scikit-learn), this runs the shipped matcher itself
(:class:`hashtags.models.replies.ReplyMatcher`, its NumPy head and background class) with
the shipped calibration except ``encoder_weight``, ``c`` and ``encoder_center`` (off:
``--center`` does the centring here); top-1 accuracy on our dev part,
10 examples per intent and all training data. ``--center`` subtracts a mean from every
embedding (and renormalises) first: ``background`` the background tweets' mean, ``library``
the mean of the library's own examples. BANKING77's embeddings are cached as
``training.encoder_probe`` caches them. Recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np

from hashtags.models.encoder import SentenceEncoder
from hashtags.models.replies import Calibration, ReplyMatcher, load_background
from training.data import banking77_split, few_shot, load
from training.encoder_probe import _embeddings
from training.replies import background_texts, in_scope_accuracy_and_oos_recall, library_from


def _unit(v: np.ndarray) -> np.ndarray:
    out: np.ndarray = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", default="0,3,5")
    parser.add_argument("--c", default="16,64")
    parser.add_argument("--center", choices=("none", "background", "library"), default="none")
    args = parser.parse_args()
    rows = load("banking77", "train")
    texts = [r["text"] for r in rows]
    raw = _embeddings(texts)
    index = {t: i for i, t in enumerate(texts)}
    background_e5 = SentenceEncoder().encode(background_texts())
    shipped = Calibration.load()
    train, dev = banking77_split()
    for name, part in (("10 per intent", few_shot(train, 10)), ("all training data", train)):
        library = library_from(part)
        if args.center == "background":
            mean = background_e5.mean(axis=0)
        elif args.center == "library":
            mean = raw[[index[r["text"]] for r in part]].mean(axis=0)
        weights = [float(w) for w in args.weights.split(",")]
        for weight, c in itertools.product(weights, [float(c) for c in args.c.split(",")]):
            encoder = SentenceEncoder(cache_texts=len(texts))
            centred = args.center != "none"
            encoder.remember(texts, _unit(raw - mean) if centred else raw)
            own = _unit(background_e5 - mean) if centred else background_e5
            background = load_background()[:, : -own.shape[1]]
            if weight > 0:
                background = np.hstack((background, weight * own))
            # The probe centres (or not) itself, so the calibration's own centring is off.
            cal = Calibration(
                **{**shipped.__dict__, "encoder_weight": weight, "c": c, "encoder_center": False}
            )
            matcher = ReplyMatcher(library, calibration=cal, background=background, encoder=encoder)
            _, _, top1 = in_scope_accuracy_and_oos_recall(matcher, dev, 0.0)
            print(f"{name:18} center={args.center:10} weight={weight} C={c:<5} accuracy={top1:.4f}")


if __name__ == "__main__":
    main()
