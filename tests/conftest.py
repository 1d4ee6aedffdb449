"""Shared fixtures: the demo policy's engine and a one-call review helper."""

from __future__ import annotations

import pytest

from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.review.types import Context, Review


@pytest.fixture(scope="session")
def engine() -> Engine:
    return Engine(demo_policy())


@pytest.fixture(scope="session")
def check(engine: Engine):  # type: ignore[no-untyped-def]
    """``check(text, account="brand", **context) -> Review`` with the demo policy."""

    def run(text: str, account: str = "brand", **kwargs: object) -> Review:
        return engine.review(text, Context(account=account, **kwargs))  # type: ignore[arg-type]

    return run


pytest_plugins = ["tests.support.db", "tests.support.api", "tests.support.web"]
