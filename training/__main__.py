"""``python -m training {text,replies,all}``: train and write the artifacts."""

from __future__ import annotations

import logging
import sys


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    task = argv[0] if argv else "all"
    if task not in ("text", "replies", "all"):
        print("usage: python -m training {text,replies,all}", file=sys.stderr)
        return 2
    if task in ("text", "all"):
        from training.text_models import train

        train()
    if task in ("replies", "all"):
        from training.replies import train as train_replies

        train_replies()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
