"""Probe: do more views of a text help a head? 3-fold cross-validation on its training rows.

    python -m training.view_probe offensive_en base c0.5 max+c0.5 apc+c0.5 apc0.3+c0.5
    python -m training.view_probe sentiment_en base max max0.5 max+min

Each variant adds views to the head's shipped view (:class:`training.text_models.View`; "+"
joins them, a number after a name is its weight, 1 by default):

- ``max`` / ``min``: the per-dimension maximum / minimum of the text's word vectors (SWEM's
  max pooling), scaled to a mean norm of 1 over the head's rows;
- ``apc``: the logit of alt-profanity-check's probability (its linear SVM over word TF-IDF,
  trained on Davidson and Wikipedia comments; the ``eval`` extra installs it);
- ``cF``: not a view, the head's C times F.

Folds, weights and the macro-F1 are :func:`training.text_models.cv_macro_f1`'s, and the head's
shipped C and n-gram scaling (:func:`training.text_models.head_c`, ``NB_SCALE``) are its base.
The recorded results (2026-12-07, text-v4's table, docs/benchmarks.md) were measured before
text-v5 scaled the n-grams, when offensive en's C was 4 (so ``c0.5`` was C 2); none of these
views was shipped.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from hashtags.models.features import WordVectors, token_hashes
from hashtags.models.store import ARTIFACTS, TEXT_ARTIFACT
from training import text_models as tm

VIEWS = ("max", "min", "apc", "c")


def pooled(vectors: WordVectors, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Per-dimension max and min of each text's known word vectors (zeros if none)."""
    high = np.zeros((len(texts), vectors.dims), np.float32)
    low = np.zeros_like(high)
    for start in range(0, len(texts), 4096):
        row, pos = vectors._known(token_hashes(texts[start : start + 4096]))
        if len(row) == 0:
            continue
        gathered = vectors.vectors[pos].astype(np.float32) * vectors.scales[pos, None]
        starts = np.flatnonzero(np.concatenate(([True], row[1:] != row[:-1])))
        high[start + row[starts]] = np.maximum.reduceat(gathered, starts, axis=0)
        low[start + row[starts]] = np.minimum.reduceat(gathered, starts, axis=0)
    for block in (high, low):
        block /= max(float(np.linalg.norm(block, axis=1).mean()), 1e-9)
    return high, low


def profanity_logit(texts: list[str]) -> np.ndarray:
    from profanity_check import predict_prob

    p = np.clip(predict_prob(texts), 1e-4, 1 - 1e-4)
    return np.asarray(np.log(p / (1 - p))[:, None], dtype=np.float32)


def parse(variant: str) -> list[tuple[str, float]]:
    out = []
    for part in variant.split("+"):
        if part == "base":
            continue
        name = next((v for v in VIEWS if part.startswith(v)), None)
        if name is None:
            raise ValueError(f"unknown view {part!r} in {variant!r}: use {', '.join(VIEWS)}")
        number = part.removeprefix(name)
        try:
            out.append((name, float(number) if number else 1.0))
        except ValueError:
            raise ValueError(f"{part!r}: a weight must be a number") from None
    return out


def main(argv: list[str] | None = None) -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    args.add_argument("head")
    args.add_argument("variants", nargs="+")
    args.add_argument("--base-vectors", type=Path, default=ARTIFACTS / TEXT_ARTIFACT)
    opts = args.parse_args(argv)
    try:
        variants = {v: parse(v) for v in opts.variants}
    except ValueError as error:
        args.error(str(error))
    cv = tm.CvData.load(opts.base_vectors, distil=False)
    head = opts.head
    if head not in cv.data:
        args.error(f"head must be one of {', '.join(cv.data)}, not {head!r}")
    texts, y, weight, own = cv.rows(head)
    dense_weight = 0.0 if head in tm.NO_WORD_VECTORS else tm.DENSE_WEIGHT
    base = cv.view(dense_weight, tm.VALENCE_WEIGHT.get(head, 0.0)).matrix(texts)
    high, low = pooled(cv.vectors, texts)
    blocks = {"max": high, "min": low}
    if any(name == "apc" for parts in variants.values() for name, _ in parts):
        blocks["apc"] = profanity_logit(texts)
    for variant, parts in variants.items():
        c = tm.head_c(head)
        columns = [base]
        for name, amount in parts:
            if name == "c":
                c *= amount
            else:
                columns.append(sp.csr_matrix(blocks[name].astype(np.float64) * amount))
        started = time.time()
        f1 = tm.cv_macro_f1(
            head,
            sp.hstack(columns).tocsr(),
            y,
            weight,
            own,
            c=c,
            beta=tm.NB_SCALE.get(head, 0.0),
        )
        print(f"{head} {variant}: {f1:.4f} ({time.time() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
