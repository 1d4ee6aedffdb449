"""Calibrate the reply matcher on CLINC150 and write ``replies-v1.json`` and its card.

    python -m training replies       # about 2 minutes on 2 cores

Only CLINC150's *training* split is used: a 10-example-per-intent library is drawn from it
(seeded), and the rest of the split (in-scope messages and its 100 out-of-scope ones) are the
queries. From them: the weight of the centroid against the best example, then a logistic
regression of "the top reply is right" on (best score, margin), then the default threshold.
Development splits (CLINC150 dev, our BANKING77 dev) are only measured: ``hashtags eval``.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from hashtags.models.replies import Calibration, ReplyLibrary, ReplyMatcher, ReplyTemplate
from hashtags.models.store import ARTIFACTS, REPLIES_ARTIFACT, REPLIES_CARD
from hashtags.models.text import text_classifier
from training.data import SEED, few_shot, load

log = logging.getLogger(__name__)

SHOTS = 10
QUERIES_PER_INTENT = 20


def library_from(rows: list[dict[str, Any]]) -> ReplyLibrary:
    """One reply per intent, its examples the rows' texts (out-of-scope rows left out)."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        if row["intent"] != "oos":
            by_intent[row["intent"]].append(row["text"])
    return ReplyLibrary(
        languages=["en"],
        replies=[
            ReplyTemplate(id=intent, intent=intent, examples={"en": texts}, text={"en": intent})
            for intent, texts in sorted(by_intent.items())
        ],
    )


def _queries(rows: list[dict[str, Any]], taken: set[str]) -> list[dict[str, Any]]:
    rng = random.Random(SEED)
    rest = [r for r in rows if r["id"] not in taken]
    rng.shuffle(rest)
    count: dict[str, int] = defaultdict(int)
    out = []
    for row in rest:
        if row["intent"] == "oos" or count[row["intent"]] < QUERIES_PER_INTENT:
            count[row["intent"]] += 1
            out.append(row)
    return out


def in_scope_accuracy_and_oos_recall(
    matcher: ReplyMatcher, rows: list[dict[str, Any]], min_score: float
) -> tuple[float, float, float]:
    """(in-scope accuracy, out-of-scope recall, top-1 accuracy ignoring the threshold)."""
    scores = matcher.raw_scores([r["text"] for r in rows])
    conf = matcher.confidence(scores)
    best = conf.argmax(axis=1)
    names = [reply.intent for reply in matcher.library.replies]
    accepted = conf[np.arange(len(rows)), best] >= min_score
    gold = np.asarray([r["intent"] for r in rows])
    pred = np.asarray([names[b] for b in best])
    oos = gold == "oos"
    in_acc = float(np.mean((pred == gold)[~oos] & accepted[~oos])) if (~oos).any() else float("nan")
    oos_rec = float(np.mean(~accepted[oos])) if oos.any() else float("nan")
    top1 = float(np.mean((pred == gold)[~oos]))
    return in_acc, oos_rec, top1


def train(out_dir: Path = ARTIFACTS) -> dict[str, Any]:
    started = time.time()
    featurizer = text_classifier().featurizer
    rows = load("clinc150", "train")
    library_rows = few_shot([r for r in rows if r["intent"] != "oos"], SHOTS)
    queries = _queries(rows, {r["id"] for r in library_rows})
    library = library_from(library_rows)
    gold = np.asarray([r["intent"] for r in queries])
    names = np.asarray([reply.intent for reply in library.replies])

    best_weight, best_top1, raw = 0.0, -1.0, None
    for weight in (0.0, 0.25, 0.5, 0.75, 1.0):
        cal = Calibration(a=1.0, b=0.0, c=0.0, centroid_weight=weight, min_score=0.0)
        matcher = ReplyMatcher(library, featurizer=featurizer, calibration=cal)
        scores = matcher.raw_scores([r["text"] for r in queries])
        top1 = float(np.mean(names[scores.argmax(axis=1)][gold != "oos"] == gold[gold != "oos"]))
        log.info("centroid weight %.2f: top-1 %.4f", weight, top1)
        if top1 > best_top1:
            best_weight, best_top1, raw = weight, top1, scores
    assert raw is not None
    top2 = -np.partition(-raw, 1, axis=1)[:, :2]
    x = np.column_stack([top2[:, 0], top2[:, 0] - top2[:, 1]])
    y = names[raw.argmax(axis=1)] == gold
    logistic = LogisticRegression(C=100.0, random_state=SEED).fit(x, y)
    a, b = (float(v) for v in logistic.coef_[0])
    c = float(logistic.intercept_[0])
    conf = logistic.predict_proba(x)[:, 1]
    # Default threshold: the best balance of in-scope accuracy and out-of-scope recall on
    # the calibration queries (both count equally).
    oos = gold == "oos"
    best_t, best_bal = 0.5, -1.0
    for t in np.arange(0.05, 0.95, 0.01):
        accepted = conf >= t
        bal = np.mean((y & accepted)[~oos]) + np.mean(~accepted[oos])
        if bal > best_bal:
            best_t, best_bal = round(float(t), 2), float(bal)
    calibration = {
        "a": round(a, 4),
        "b": round(b, 4),
        "c": round(c, 4),
        "centroid_weight": best_weight,
        "min_score": best_t,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / REPLIES_ARTIFACT).write_text(
        json.dumps(calibration, indent=2) + "\n", encoding="utf-8"
    )
    matcher = ReplyMatcher(library, featurizer=featurizer, calibration=Calibration(**calibration))
    in_acc, oos_rec, top1 = in_scope_accuracy_and_oos_recall(matcher, queries, best_t)
    card = {
        "name": "hashtags reply matcher (intent matching for reply libraries)",
        "artifact": REPLIES_ARTIFACT,
        "model": (
            "no trained weights: cosine similarity over the text classifiers' hashed TF-IDF "
            "features to each example and to each reply's centroid, then a logistic "
            "calibration of (best score, margin) into a confidence"
        ),
        "calibration": calibration,
        "data": (
            "CLINC150 train split only (CC BY 3.0): a seeded 10-example-per-intent library, "
            f"{QUERIES_PER_INTENT} other messages per intent and the 100 out-of-scope "
            "messages as queries"
        ),
        "calibration_queries": {
            "rows": len(queries),
            "in_scope_accuracy": round(in_acc, 4),
            "out_of_scope_recall": round(oos_rec, 4),
            "top1_accuracy": round(top1, 4),
        },
        "dev_metrics": "see docs/models.md (hashtags eval)",
        "training": {
            "command": "python -m training replies",
            "seed": SEED,
            "seconds": round(time.time() - started),
        },
        "known_limits": [
            "Lexical: a message matches examples that share words or word pieces with it; "
            "paraphrases with other words are missed. Give 5-10 varied examples per reply.",
            "A Spanish message matches Spanish examples: give examples in every language "
            "you answer in.",
            "The confidence was calibrated with 10 examples per reply on CLINC150 (English); "
            "with many more examples per reply scores run higher and confidence is optimistic.",
        ],
    }
    (out_dir / REPLIES_CARD).write_text(
        json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    log.info("replies: %s", card["calibration_queries"])
    return card
