"""How well the word lists and link checks agree with labelled development data.

Run with ``make bench`` (or ``.venv/bin/python bench/lexicon_bench.py``). Prints precision and
recall of "a toxicity rule blocks the post" against offensive/hate labels, and how many benign
and phishing URLs the link checks flag. Development splits only: test splits are never read.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterator
from pathlib import Path

from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Category, Context, Review

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"

# data set -> (file, labels that count as positive, which findings count as "flagged")
Flag = Callable[[Review], bool]


def blocks_toxicity(review: Review) -> bool:
    return any(f.category is Category.TOXICITY and f.action == "block" for f in review.findings)


def hate_rule(review: Review) -> bool:
    return "toxicity.hate" in review.rules


SETS: list[tuple[str, str, set[str], Flag]] = [
    ("TweetEval offensive (dev)", "tweeteval_offensive/dev.jsonl", {"offensive"}, blocks_toxicity),
    ("OffendES (dev)", "offendes/dev.jsonl", {"OFP", "OFG"}, blocks_toxicity),
    ("HatEval es (dev), toxicity.hate", "hateval_es/dev.jsonl", {"hate"}, hate_rule),
    ("HatEval en (dev), toxicity.hate", "hateval_en/dev.jsonl", {"hate"}, hate_rule),
    ("TweetEval hate (dev), toxicity.hate", "tweeteval_hate/dev.jsonl", {"hate"}, hate_rule),
]


def rows(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    args = parser.parse_args()
    engine = Engine(demo_policy())
    personal = Context(account="personal")

    print(f"{'data set':40} {'rows':>6} {'precision':>9} {'recall':>7}")
    for name, file, positive, flagged in SETS:
        path = args.data / file
        if not path.is_file():
            print(f"{name:40} missing: {path}")
            continue
        tp = fp = fn = total = 0
        for row in rows(path):
            total += 1
            hit = flagged(engine.review(str(row["text"]), personal))
            gold = row["label"] in positive
            tp += hit and gold
            fp += hit and not gold
            fn += gold and not hit
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        print(f"{name:40} {total:>6,} {precision:>9.2f} {recall:>7.2f}")

    urls = args.data / "urls" / "dev.jsonl"
    if urls.is_file():
        flagged_by_label: dict[str, list[int]] = {}
        for row in rows(urls):
            review = engine.review(f"Más información: {row['url']}", Context(lang="es"))
            hit = any(f.category is Category.SECURITY for f in review.findings)
            counts = flagged_by_label.setdefault(str(row["label"]), [0, 0])
            counts[0] += hit
            counts[1] += 1
        print("\nURLs (urls/dev.jsonl) in a brand post, demo policy: flagged by a security rule")
        for label, (hits, total) in sorted(flagged_by_label.items()):
            print(f"  {label:10} {hits:>6,} of {total:>6,} ({hits / total:.1%})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
