"""Throughput of the toxicity and sentiment classifiers (``hashtags.models.text``), per core.

Run with ``make bench`` (or ``.venv/bin/python bench/models_bench.py``). The texts are those of
``hashtags eval``'s throughput row: TweetEval offensive's development split and the first 2,000
OffendES training rows (3,324 es/en texts, language detection on). For each artifact it prints
the first pass (which builds the es/en/xx weights) and the steady state (best of 5 passes after
it). ``--compare OLD.npz`` measures an earlier artifact too, alternating with the shipped one,
so that the two are compared in one run on the same machine (its ``OLD.card.json`` is read when
it is there; thresholds do not change the cost). Set ``OMP_NUM_THREADS=1`` for a per-core figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from hashtags.models.store import TEXT_ARTIFACT, TEXT_CARD, artifact_path, model_card
from hashtags.models.text import TextClassifier

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def texts(data: Path) -> list[str]:
    out: list[str] = []
    for file, limit in (("tweeteval_offensive/dev.jsonl", None), ("offendes/train.jsonl", 2000)):
        path = data / file
        if not path.is_file():
            raise SystemExit(f"missing data file: {path} (give --data DIR)")
        with path.open(encoding="utf-8") as handle:
            rows = [str(json.loads(line)["text"]) for line in handle if line.strip()]
        out += rows[:limit]
    return out


def classifier(artifact: Path, card: dict[str, Any]) -> TextClassifier:
    try:
        with np.load(artifact, allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (OSError, ValueError) as exc:
        raise SystemExit(f"{artifact}: not a text artifact ({exc})") from exc
    return TextClassifier(arrays, card)


def measure(clf: TextClassifier, batch: list[str], passes: int = 5) -> tuple[float, float]:
    """(first pass, best steady pass) in texts per second."""
    started = time.perf_counter()
    clf.classify(batch)
    first = len(batch) / (time.perf_counter() - started)
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        clf.classify(batch)
        best = min(best, time.perf_counter() - started)
    return first, len(batch) / best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--compare", type=Path, metavar="OLD.npz", help="an earlier artifact")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds (default 2)")
    args = parser.parse_args()
    if args.compare is not None and not args.compare.is_file():
        raise SystemExit(f"--compare: no such file: {args.compare}")
    batch = texts(args.data)
    shipped = model_card(TEXT_CARD)
    candidates: list[tuple[str, Path, dict[str, Any]]] = [
        (TEXT_ARTIFACT, artifact_path(TEXT_ARTIFACT), shipped)
    ]
    if args.compare is not None:
        card_path = args.compare.with_name(args.compare.stem + ".card.json")
        card = json.loads(card_path.read_text(encoding="utf-8")) if card_path.is_file() else shipped
        candidates.append((args.compare.name, args.compare, card))
    print(f"{len(batch):,} texts, texts/s per process")
    print(f"{'artifact':24} {'round':>5} {'first pass':>11} {'steady':>8}")
    for round_ in range(1, max(1, args.rounds) + 1):
        for name, path, card in candidates:
            # A fresh classifier each round: the first pass builds its weights again.
            first, steady = measure(classifier(path, card), batch)
            print(f"{name:24} {round_:>5} {first:>11,.0f} {steady:>8,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
