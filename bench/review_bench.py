"""Review throughput and latency on the public data sets, next to Presidio's pattern recognizers.

Run with ``make bench`` (or ``.venv/bin/python bench/review_bench.py``). Prints figures only:
posts/s on one core in batch, p50/p99 of single reviews, and in the same run Presidio's
``AnalyzerEngine`` with pattern recognizers only on the same texts, as a ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import sys
import time
from pathlib import Path

from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Context

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def load_texts(data: Path, limit: int | None = None) -> list[str]:
    """Every text of every training/development file (test splits are never read).

    With ``limit``, the files are interleaved so that a smaller sample still holds each set.
    """
    per_file: list[list[str]] = []
    for path in sorted(data.glob("*/*.jsonl")):
        if path.stem == "test":  # held out: never read
            continue
        texts = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                text = json.loads(line).get("text")
                if isinstance(text, str) and text.strip():
                    texts.append(text)
        per_file.append(texts)
    if limit is None:
        return [text for texts in per_file for text in texts]
    out: list[str] = []
    index = 0
    while len(out) < limit and any(index < len(t) for t in per_file):
        for texts in per_file:
            if index < len(texts):
                out.append(texts[index])
        index += 1
    return out[:limit]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--limit", type=int, default=None, help="texts to review (default all)")
    parser.add_argument("--presidio-limit", type=int, default=3_000)
    args = parser.parse_args()
    if not args.data.is_dir():
        print(f"error: {args.data}: no such folder (the shared data sets)", file=sys.stderr)
        return 2

    texts = load_texts(args.data, args.limit)
    mean_len = statistics.mean(len(t) for t in texts)
    print(f"texts: {len(texts):,} from {args.data} (mean {mean_len:.0f} characters)")

    engine = Engine(demo_policy())
    for text in texts[:200]:  # warm caches and lazy imports
        engine.review(text)
    context = Context()

    gc.collect()
    started = time.perf_counter()
    verdicts: dict[str, int] = {}
    for text in texts:
        verdict = engine.review(text, context).verdict
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
    batch_seconds = time.perf_counter() - started
    per_second = len(texts) / batch_seconds
    print(f"batch, one core: {per_second:,.0f} posts/s  ({batch_seconds:.2f} s)")
    print("verdicts: " + ", ".join(f"{k} {v:,}" for k, v in sorted(verdicts.items())))

    latencies = []
    clock = time.perf_counter_ns
    for text in texts:
        begin = clock()
        engine.review(text, context)
        latencies.append((clock() - begin) / 1e6)
    print(
        f"single review, all texts: p50 {percentile(latencies, 0.50):.3f} ms, "
        f"p99 {percentile(latencies, 0.99):.3f} ms, max {max(latencies):.2f} ms"
    )
    for low, high in ((0, 280), (281, 1000), (1001, 10**9)):
        bucket = [ms for text, ms in zip(texts, latencies, strict=True) if low <= len(text) <= high]
        if bucket:
            label = f"{low}-{high}" if high < 10**9 else f">{low - 1}"
            print(
                f"  {label:>9} characters: {len(bucket):>7,} texts, "
                f"p50 {percentile(bucket, 0.50):.3f} ms, p99 {percentile(bucket, 0.99):.3f} ms"
            )

    from pii_bench import presidio_analyzer, presidio_entities

    analyzer = presidio_analyzer()
    entities = presidio_entities()
    step = max(1, len(texts) // args.presidio_limit)
    sample = texts[::step][: args.presidio_limit]
    for text in sample[:20]:
        analyzer.analyze(text, language="en", entities=entities)
    started = time.perf_counter()
    for text in sample:
        analyzer.analyze(text, language="en", entities=entities)
    presidio_per_second = len(sample) / (time.perf_counter() - started)
    started = time.perf_counter()
    for text in sample:
        engine.review(text, context)
    ours_per_second = len(sample) / (time.perf_counter() - started)
    print(
        f"same {len(sample):,} texts (every {step}th): HASHTAGS review {ours_per_second:,.0f} "
        f"texts/s; Presidio AnalyzerEngine, pattern recognizers only, {presidio_per_second:,.0f} "
        f"texts/s"
    )
    print(
        f"ratio: a whole HASHTAGS review (every category) is "
        f"{ours_per_second / presidio_per_second:.1f}x faster than Presidio's patterns alone"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
