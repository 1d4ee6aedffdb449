"""Detector module under construction: declares no rules yet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from hashtags.policy.schema import Policy
from hashtags.review.detector import Hit, Rule
from hashtags.review.text import Document
from hashtags.review.types import Context


class _Pending:
    id = "links"

    def rules(self) -> Sequence[Rule]:
        return []

    def scan(self, doc: Document, ctx: Context) -> Iterable[Hit]:
        return []


def build(policy: Policy) -> _Pending:
    return _Pending()
