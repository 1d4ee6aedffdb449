"""``python -m training {text,replies,all}``: train and write the artifacts;
``python -m training valence-cv``: the cross-validation that sets the valence view's weight;
``python -m training sentences [--jobs N]``: encode the distillation corpus's sentence embeddings
(see ``training/sentences.py``; ``text`` does it too when they are not cached)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    task = argv[0] if argv else "all"
    if task not in ("text", "replies", "all", "valence-cv", "sentences"):
        print(
            "usage: python -m training {text,replies,all,valence-cv,sentences}"
            " [--base-vectors FILE] [--jobs N]",
            file=sys.stderr,
        )
        return 2
    base = None
    if "--base-vectors" in argv:
        where = argv.index("--base-vectors")
        if where + 1 >= len(argv):
            print("--base-vectors needs a file (an .npz with wv.* arrays)", file=sys.stderr)
            return 2
        base = Path(argv[where + 1])
    if task == "sentences":
        from training.sentences import encode_all

        jobs = int(argv[2]) if argv[1:2] == ["--jobs"] and len(argv) > 2 else 1
        encode_all(jobs)
        return 0
    if task == "valence-cv":
        import json

        from training.text_models import valence_cv

        print(json.dumps(valence_cv(base_vectors=base), indent=2))
        return 0
    if task in ("text", "all"):
        from training.text_models import train

        train(base_vectors=base)
    if task in ("replies", "all"):
        from training.replies import train as train_replies

        train_replies()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
