"""Where the trained artifacts live, and their model cards.

Artifacts are committed inside the package (``hashtags/models/artifacts``), versioned in their
file names (``text-v5.npz``): a new training that changes behaviour bumps the version, so a
stored review can say which model scored it. They are NumPy ``.npz`` and JSON files, never
pickles, so loading one runs no code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

TEXT_VERSION = "text-v5"
TEXT_ARTIFACT = f"{TEXT_VERSION}.npz"
TEXT_CARD = f"{TEXT_VERSION}.card.json"

REPLIES_VERSION = "replies-v6"
REPLIES_ARTIFACT = f"{REPLIES_VERSION}.json"
REPLIES_BACKGROUND = f"{REPLIES_VERSION}.npz"
REPLIES_CARD = f"{REPLIES_VERSION}.card.json"


class ModelMissing(RuntimeError):
    """An artifact is not where the package expects it."""


def artifact_path(name: str) -> Path:
    path = ARTIFACTS / name
    if not path.is_file():
        raise ModelMissing(
            f"model artifact {name} is missing from {ARTIFACTS}: reinstall the package, or "
            "train it with `hashtags train` from a source checkout"
        )
    return path


def model_card(name: str) -> dict[str, Any]:
    """The model card (JSON) of an artifact: data and licences, dev metrics, known limits."""
    card: dict[str, Any] = json.loads(artifact_path(name).read_text(encoding="utf-8"))
    return card


def artifact_sizes() -> dict[str, int]:
    """Bytes of every committed artifact file."""
    if not ARTIFACTS.is_dir():
        return {}
    return {p.name: p.stat().st_size for p in sorted(ARTIFACTS.iterdir()) if p.is_file()}
