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

Folds, weights and the macro-F1 are :func:`training.text_models.setting_cv`'s, and the head's
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
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold

from hashtags.models.features import WordVectors, token_hashes
from hashtags.models.store import ARTIFACTS, TEXT_ARTIFACT
from training import text_models as tm
from training.valence import build as build_valence
from training.valence import valence_from
from training.vocab import fit_featurizer
from training.wordvectors import vectors_from, word_table

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
    data, extras = tm.datasets(), tm.extra()
    if opts.head not in data:
        args.error(f"head must be one of {', '.join(data)}, not {opts.head!r}")
    every = sorted({t for train, _, _ in data.values() for t in train.texts})
    featurizer = fit_featurizer(every, tm.BITS)
    vectors = vectors_from(word_table(opts.base_vectors))
    valence = valence_from(build_valence()[0])
    head = opts.head
    train_split, _, sources = data[head]
    texts, labels, weight, _ = tm._head_rows(head, train_split, sources, extras, data)
    own = len(train_split.texts)
    dense_weight = 0.0 if head in tm.NO_WORD_VECTORS else tm.DENSE_WEIGHT
    view = tm.View(featurizer, vectors, valence, dense_weight, tm.VALENCE_WEIGHT.get(head, 0.0))
    base = view.matrix(texts)
    high, low = pooled(vectors, texts)
    wanted = {name for parts in variants.values() for name, _ in parts}
    blocks = {"max": high, "min": low}
    if "apc" in wanted:
        blocks["apc"] = profanity_logit(texts)
    y = np.asarray(labels)
    sentiment = head.startswith("sentiment")
    folds = list(
        StratifiedKFold(tm.CV_FOLDS, shuffle=True, random_state=tm.SEED).split(
            np.zeros(own), y[:own]
        )
    )
    rest = np.arange(own, len(y))
    for variant, parts in variants.items():
        c = tm.head_c(head)
        columns = [base]
        for name, amount in parts:
            if name == "c":
                c *= amount
            else:
                columns.append(sp.csr_matrix(blocks[name].astype(np.float64) * amount))
        a = sp.hstack(columns).tocsr()
        started = time.time()
        held: np.ndarray = np.empty(own, dtype=object) if sentiment else np.zeros(own)
        for fit_idx, held_idx in folds:
            fit_idx = np.concatenate((fit_idx, rest))
            model = tm.fit_head(
                a[fit_idx],
                y[fit_idx],
                c=c,
                balanced=sentiment,
                sample_weight=weight[fit_idx],
                beta=tm.NB_SCALE.get(head, 0.0),
            )
            held[held_idx] = model.predict(a[held_idx]) if sentiment else model.proba(a[held_idx])
        if sentiment:
            f1 = f1_score(y[:own], held.astype(str), average="macro")
        else:
            truth = y[:own] == "1"
            f1 = f1_score(truth, held >= tm._best_threshold(truth, held), average="macro")
        print(f"{head} {variant}: {f1:.4f} ({time.time() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
