"""Cost of the reply matcher (``hashtags.models.replies``): loading a library and matching.

Run with ``make bench`` (or ``.venv/bin/python bench/replies_bench.py``). The library is the
first ``--intents`` intents of CLINC150's training split with ``--examples`` examples each (one
reply per intent); the messages are 256 other training messages of those intents. Printed for
the shipped calibration (with the sentence encoder's views) and for the same calibration
without them (``encoder_weight`` and ``terms_weight`` 0, the views of replies-v4): seconds to
load the library (encoding its examples, fresh encoder, and training the head), µs per message
in a batch of 256 and for one message alone. Set ``OMP_NUM_THREADS=1`` for a per-core figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from dataclasses import replace
from pathlib import Path

from hashtags.models.encoder import DIMS, SentenceEncoder
from hashtags.models.linear import Rows
from hashtags.models.replies import (
    Calibration,
    ReplyLibrary,
    ReplyMatcher,
    ReplyTemplate,
    load_background,
)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"


def library_and_messages(data: Path, intents: int, examples: int) -> tuple[ReplyLibrary, list[str]]:
    path = data / "clinc150" / "train.jsonl"
    if not path.is_file():
        raise SystemExit(f"missing data file: {path} (give --data DIR)")
    by_intent: dict[str, list[str]] = defaultdict(list)
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                row = json.loads(line)
                if row["intent"] != "oos":
                    by_intent[row["intent"]].append(str(row["text"]))
    chosen = sorted(by_intent)[:intents]
    replies = [
        ReplyTemplate(id=i, intent=i, examples={"en": by_intent[i][:examples]}, text={"en": i})
        for i in chosen
    ]
    messages = [t for i in chosen for t in by_intent[i][examples:]][:256]
    return ReplyLibrary(languages=["en"], replies=replies), messages


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--intents", type=int, default=50)
    parser.add_argument("--examples", type=int, default=10)
    args = parser.parse_args()
    library, messages = library_and_messages(args.data, args.intents, args.examples)
    shipped = Calibration.load()
    background = load_background()
    dense = background.dense if isinstance(background, Rows) else background
    plain = replace(shipped, encoder_weight=0.0, terms_weight=0.0)
    print(f"{len(library.replies)} replies x {args.examples} examples, {len(messages)} messages")
    print(f"{'views':22} {'load s':>7} {'µs/message (batch)':>19} {'µs (one)':>9}")
    for name, cal, bg in (
        ("with the encoder", shipped, background),
        ("without (replies-v4)", plain, dense[:, :-DIMS]),
    ):
        started = time.perf_counter()
        matcher = ReplyMatcher(library, calibration=cal, background=bg, encoder=SentenceEncoder())
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        matcher.suggest(messages, ["en"] * len(messages))
        batch_us = (time.perf_counter() - started) / len(messages) * 1e6
        one = "a message nobody has sent before, to skip the cache"
        started = time.perf_counter()
        matcher.suggest([one], ["en"])
        one_us = (time.perf_counter() - started) * 1e6
        print(f"{name:22} {load_s:>7.1f} {batch_us:>19,.0f} {one_us:>9,.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
