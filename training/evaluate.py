"""``hashtags eval``: every task's development split, our models next to the peers that run here.

Peers: alt-profanity-check (toxicity), VADER (sentiment; its neutral band is the usual
-0.05..0.05 of the compound score), and a plain TF-IDF (word 1-2 + char_wb 2-5 grams) +
logistic regression baseline trained here on the same training split. Times are microseconds
per text for a batch over the whole split, on one process (model loading not counted; for the
intent tasks, training the library's head is shown apart, in seconds).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import f1_score

from hashtags.models.encoder import SentenceEncoder
from hashtags.models.replies import ReplyMatcher
from hashtags.models.text import text_classifier
from training.data import OFFENSIVE_ES, banking77_split, few_shot, load
from training.replies import in_scope_accuracy_and_oos_recall, library_from
from training.text_models import SENTIMENT_LANGS, _rows, binary

Row = dict[str, Any]


def _timed(fn: Callable[[list[str]], Sequence[Any]], texts: list[str]) -> tuple[list[Any], float]:
    started = time.perf_counter()
    out = list(fn(texts))
    return out, (time.perf_counter() - started) / max(1, len(texts)) * 1e6


def _baseline(train_texts: list[str], train_labels: list[str]) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    vectorizer = make_union(
        TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2), min_df=2),
        TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=(2, 5), min_df=2),
    )
    model = make_pipeline(
        vectorizer, LogisticRegression(C=4.0, max_iter=3000, class_weight="balanced")
    )
    return model.fit(train_texts, train_labels)


def _toxicity_tasks() -> list[tuple[str, str, str, str, Any, Any]]:
    """(task, head kind, lang, data set, train split, dev split)."""
    return [
        (
            "offensive EN (TweetEval offensive)",
            "offensive",
            "en",
            "tweeteval_offensive",
            binary(_rows("tweeteval_offensive", "train"), "offensive"),
            binary(_rows("tweeteval_offensive", "dev"), "offensive"),
        ),
        (
            "hate ES (HatEval es)",
            "hate",
            "es",
            "hateval_es",
            binary(_rows("hateval_es", "train"), "hate"),
            binary(_rows("hateval_es", "dev"), "hate"),
        ),
        (
            "offensive ES (OffendES, OFP/OFG)",
            "offensive",
            "es",
            "offendes",
            binary(_rows("offendes", "train", OFFENSIVE_ES), "offensive"),
            binary(_rows("offendes", "dev", OFFENSIVE_ES), "offensive"),
        ),
        (
            "hate EN (HatEval en)",
            "hate",
            "en",
            "hateval_en",
            binary(_rows("hateval_en", "train"), "hate"),
            binary(_rows("hateval_en", "dev"), "hate"),
        ),
    ]


def run_all(*, peers: bool = True, only: str | None = None) -> list[Row]:
    """Every task's rows; ``only`` ``"text"`` or ``"intents"`` runs those tasks alone."""
    if only not in (None, "text", "intents"):
        raise ValueError(f"only must be 'text' or 'intents', not {only!r}")
    if only == "intents":
        return _intent_results(peers)
    results: list[Row] = []
    clf = text_classifier()
    clf.classify(["warm up"], ["en"])
    for task, kind, lang, _, train, dev in _toxicity_tasks():
        gold = np.asarray(dev.labels) == "1"
        signals, us = _timed(lambda t, lang=lang: clf.classify(t, [lang] * len(t)), dev.texts)  # type: ignore[misc]
        pred = np.asarray([getattr(s, kind) for s in signals])
        results.append(_row(task, "ours", "macro-F1", f1_score(gold, pred, average="macro"), us))
        if peers:
            try:
                from profanity_check import predict as profane

                out, us = _timed(lambda t: profane(t), dev.texts)
                results.append(
                    _row(
                        task,
                        "alt-profanity-check",
                        "macro-F1",
                        f1_score(gold, np.asarray(out) == 1, average="macro"),
                        us,
                    )
                )
            except ImportError:
                pass
            base = _baseline(train.texts, train.labels)
            out, us = _timed(base.predict, dev.texts)
            results.append(
                _row(
                    task,
                    "tfidf+LR",
                    "macro-F1",
                    f1_score(gold, np.asarray(out) == "1", average="macro"),
                    us,
                )
            )
    vader = None
    if peers:
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

            vader = SentimentIntensityAnalyzer()
        except ImportError:
            vader = None
    for lang in SENTIMENT_LANGS:
        task = f"sentiment {lang.upper()} (XLM-T {lang})"
        train = _rows(f"xlmt_sentiment_{lang}", "train")
        dev = _rows(f"xlmt_sentiment_{lang}", "dev")
        signals, us = _timed(lambda t, lang=lang: clf.classify(t, [lang] * len(t)), dev.texts)  # type: ignore[misc]
        results.append(
            _row(
                task,
                "ours",
                "macro-F1",
                f1_score(dev.labels, [s.sentiment for s in signals], average="macro"),
                us,
            )
        )
        if peers:
            if vader is not None:
                out, us = _timed(lambda t: [_vader_label(vader, x) for x in t], dev.texts)
                results.append(
                    _row(task, "VADER", "macro-F1", f1_score(dev.labels, out, average="macro"), us)
                )
            base = _baseline(train.texts, train.labels)
            out, us = _timed(base.predict, dev.texts)
            results.append(
                _row(task, "tfidf+LR", "macro-F1", f1_score(dev.labels, out, average="macro"), us)
            )
    # Both text tasks together, as the engine would call them (language detection included).
    mixed = [r["text"] for r in load("tweeteval_offensive", "dev")] + [
        r["text"] for r in load("offendes", "train")[:2000]
    ]
    _, us = _timed(lambda t: clf.classify(t), mixed)
    results.append(
        _row(
            "toxicity + sentiment together (es/en tweets, detection on)",
            "ours",
            "texts/s",
            1e6 / us,
            us,
        )
    )
    if only is None:
        results += _intent_results(peers)
    return results


def _vader_label(vader: Any, text: str) -> str:
    compound = vader.polarity_scores(text)["compound"]
    return "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"


def _intent_results(peers: bool) -> list[Row]:
    results: list[Row] = []
    train, dev = banking77_split()
    for name, rows in (
        ("BANKING77, all training data (our 80/20 split)", train),
        ("BANKING77, 10 examples per intent", few_shot(train, 10)),
    ):
        started = time.perf_counter()
        # A fresh encoder each time: its cache would hide the cost of encoding.
        matcher = ReplyMatcher(library_from(rows), encoder=SentenceEncoder())
        fit_s = time.perf_counter() - started
        started = time.perf_counter()
        _, _, top1 = in_scope_accuracy_and_oos_recall(matcher, dev, 0.0)
        us = (time.perf_counter() - started) / len(dev) * 1e6
        results.append(_row(name, "ours", "accuracy", top1, us, fit_s=fit_s))
        if peers:
            base = _baseline([r["text"] for r in rows], [r["intent"] for r in rows])
            out, us = _timed(base.predict, [r["text"] for r in dev])
            results.append(
                _row(
                    name,
                    "tfidf+LR",
                    "accuracy",
                    float(np.mean(np.asarray(out) == np.asarray([r["intent"] for r in dev]))),
                    us,
                )
            )
    clinc_train = load("clinc150", "train")
    clinc_dev = load("clinc150", "dev")
    started = time.perf_counter()
    matcher = ReplyMatcher(library_from(clinc_train), encoder=SentenceEncoder())
    fit_s = time.perf_counter() - started
    started = time.perf_counter()
    in_acc, oos_rec, _ = in_scope_accuracy_and_oos_recall(
        matcher, clinc_dev, matcher.calibration.min_score
    )
    us = (time.perf_counter() - started) / len(clinc_dev) * 1e6
    task = "CLINC150 (all training data)"
    results.append(
        _row(task, "ours", "in-scope acc / oos recall", in_acc, us, oos_rec, fit_s=fit_s)
    )
    if peers:
        base = _baseline([r["text"] for r in clinc_train], [r["intent"] for r in clinc_train])
        texts = [r["text"] for r in clinc_dev]
        started = time.perf_counter()
        proba = base.predict_proba(texts)
        us = (time.perf_counter() - started) / len(texts) * 1e6
        classes = base.classes_
        pred = classes[proba.argmax(axis=1)]
        pred = np.where(proba.max(axis=1) < 0.5, "oos", pred)  # LR with an oos class + threshold
        gold = np.asarray([r["intent"] for r in clinc_dev])
        oos = gold == "oos"
        results.append(
            _row(
                task,
                "tfidf+LR",
                "in-scope acc / oos recall",
                float(np.mean(pred[~oos] == gold[~oos])),
                us,
                float(np.mean(pred[oos] == "oos")),
            )
        )
    return results


def _row(
    task: str,
    model: str,
    metric: str,
    value: float,
    us: float,
    second: float | None = None,
    *,
    fit_s: float | None = None,
) -> Row:
    row: Row = {
        "task": task,
        "model": model,
        "metric": metric,
        "value": round(float(value), 4),
        "us_per_text": round(us, 1),
    }
    if second is not None:
        row["value2"] = round(float(second), 4)
    if fit_s is not None:
        row["fit_s"] = round(fit_s, 2)
    return row


def print_table(results: list[Row]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Development splits (test splits are held out)")
    for column in ("task", "model", "metric", "value", "µs/text", "fit s"):
        table.add_column(column)
    for r in results:
        value = (
            f"{r['value']:.4f}" if "value2" not in r else f"{r['value']:.4f} / {r['value2']:.4f}"
        )
        if r["metric"] == "texts/s":
            value = f"{r['value']:.0f}"
        fit = f"{r['fit_s']:.1f}" if "fit_s" in r else ""
        table.add_row(r["task"], r["model"], r["metric"], value, f"{r['us_per_text']:.0f}", fit)
    Console().print(table)
