"""Loading the shared data sets (``../shared/data``, see its README) and seeded splits."""

from __future__ import annotations

import json
import os
import random
from collections import defaultdict
from pathlib import Path
from typing import Any

SEED = 20240611
"""Every random choice in training derives from this seed."""


def data_dir() -> Path:
    """``$HASHTAGS_DATA``, else ``shared/data`` beside the repository."""
    env = os.environ.get("HASHTAGS_DATA")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent.parent
    for candidate in (here.parent / "shared" / "data", here / "shared" / "data"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(
        "training data not found: set HASHTAGS_DATA to the folder with the data sets "
        "(shared/data beside the repository)"
    )


def load(name: str, split: str) -> list[dict[str, Any]]:
    """Rows of ``DATA/name/split.jsonl``. Test splits are never read here."""
    if split == "test":
        raise ValueError("test splits are held out: never train or tune on them")
    path = data_dir() / name / f"{split}.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def banking77_split() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """BANKING77 has only a training split here: a seeded, stratified 80/20 train/dev split."""
    return stratified_split(load("banking77", "train"), SEED)


def banking77_inner_split() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The train part of :func:`banking77_split` split 80/20 again (another seed): settings
    can be compared on its 20 % without touching the dev part."""
    return stratified_split(banking77_split()[0], SEED + 7)


def stratified_split(
    rows: list[dict[str, Any]], seed: int
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``rows`` as (80 %, 20 %) of each intent (at least one row in the 20 %), seeded."""
    by_intent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_intent[row["intent"]].append(row)
    rng = random.Random(seed)
    train, dev = [], []
    for intent in sorted(by_intent):
        part = by_intent[intent]
        rng.shuffle(part)
        cut = max(1, round(len(part) * 0.2))
        dev += part[:cut]
        train += part[cut:]
    return train, dev


def few_shot(
    rows: list[dict[str, Any]], per_intent: int, key: str = "intent"
) -> list[dict[str, Any]]:
    """The first ``per_intent`` rows of each intent after a seeded shuffle."""
    shuffled = list(rows)
    random.Random(SEED).shuffle(shuffled)
    taken: dict[str, int] = defaultdict(int)
    out = []
    for row in shuffled:
        if taken[row[key]] < per_intent:
            taken[row[key]] += 1
            out.append(row)
    return out


OFFENSIVE_ES = {
    "OFP": "offensive",
    "OFG": "offensive",
    "NO": "not-offensive",
    "NOE": "not-offensive",
}
"""OffendES labels as the data README says: OFP/OFG offensive, NO/NOE not."""
