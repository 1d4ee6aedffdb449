"""``python -m training {text,replies,all}``: train and write the artifacts;
``python -m training valence-cv`` / ``dense-cv`` / ``c-cv`` / ``nb-cv``: the cross-validations
that set the valence view's and the word vectors' weights, the heads' regularisation and their
n-gram scaling;
``python -m training sentences [--jobs N]``: encode the distillation corpus's sentence embeddings
(see ``training/sentences.py``; ``text`` does it too when they are not cached).

``text`` distils the word-vector table on those sentence embeddings
(:func:`training.wordvectors.distil`), as the shipped artifact was; ``--no-distil`` ships the
token-level table as it is (text-v3). ``--base-vectors FILE`` takes the token-level table from
an ``.npz`` (an earlier text artifact) instead of building it."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

TASKS = ("text", "replies", "all", "valence-cv", "dense-cv", "c-cv", "nb-cv", "sentences")


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number of processes >= 1, not {value!r}")
    return jobs


def _factor(value: str) -> float:
    try:
        factor = float(value)
    except ValueError:
        factor = 0.0
    if not factor > 0 or factor == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a number above 0, not {value!r}")
    return factor


def parser() -> argparse.ArgumentParser:
    out = argparse.ArgumentParser(prog="python -m training", description=__doc__.split("\n")[0])
    out.add_argument("task", nargs="?", default="all", choices=TASKS)
    out.add_argument(
        "--base-vectors",
        type=Path,
        metavar="FILE",
        help="an .npz with the wv.* arrays (e.g. an earlier text artifact) instead of building",
    )
    out.add_argument(
        "--distil",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="distil the word vectors on sentence embeddings (default; --no-distil: do not)",
    )
    out.add_argument("--jobs", type=_jobs, default=1, help="processes for 'sentences'")
    out.add_argument(
        "--c-factor",
        type=_factor,
        default=1.0,
        metavar="F",
        help="the *-cv tasks: every head's C times F (e.g. 0.5 for nb-cv's half-C column)",
    )
    return out


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.base_vectors is not None:
        from training.wordvectors import read_table

        read_table(args.base_vectors)  # a bad file stops here, before minutes of training
    if args.task == "sentences":
        from training.sentences import encode_all

        encode_all(args.jobs)
        return 0
    if args.task.endswith("-cv"):
        import json

        from training.text_models import setting_cv

        setting = args.task.removesuffix("-cv")
        scores = setting_cv(
            setting, base_vectors=args.base_vectors, distil=args.distil, c_factor=args.c_factor
        )
        print(json.dumps(scores, indent=2))
        return 0
    if args.task in ("text", "all"):
        from training.text_models import train

        train(base_vectors=args.base_vectors, distil=args.distil)
    if args.task in ("replies", "all"):
        from training.replies import train as train_replies

        train_replies()
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
