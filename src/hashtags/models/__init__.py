"""Trained text classifiers: toxicity, sentiment and reply suggestions (see docs/models.md).

Nothing is loaded on import: the artifacts are read on first use, once per process.
"""

from __future__ import annotations

from hashtags.models.replies import (
    LibraryError,
    ReplyLibrary,
    ReplyMatcher,
    ReplyTemplate,
    Suggestion,
    load_library,
)
from hashtags.models.text import TextClassifier, TextSignals, text_classifier, text_signals

__all__ = [
    "LibraryError",
    "ReplyLibrary",
    "ReplyMatcher",
    "ReplyTemplate",
    "Suggestion",
    "TextClassifier",
    "TextSignals",
    "load_library",
    "text_classifier",
    "text_signals",
]
