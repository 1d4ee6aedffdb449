"""``python -m training {text,replies,all}``: train and write the artifacts;
``python -m training valence-cv``: the cross-validation that sets the valence view's weight."""

from __future__ import annotations

import logging
import sys


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    task = argv[0] if argv else "all"
    if task not in ("text", "replies", "all", "valence-cv"):
        print("usage: python -m training {text,replies,all,valence-cv}", file=sys.stderr)
        return 2
    if task == "valence-cv":
        import json

        from training.text_models import valence_cv

        print(json.dumps(valence_cv(), indent=2))
        return 0
    if task in ("text", "all"):
        from training.text_models import train

        train()
    if task in ("replies", "all"):
        from training.replies import train as train_replies

        train_replies()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
