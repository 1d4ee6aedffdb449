"""The simplest way in: ``review(text, context)`` with a policy, engines cached per policy."""

from __future__ import annotations

from functools import cache
from importlib import resources

from hashtags.policy.schema import Policy
from hashtags.review.engine import Engine
from hashtags.review.types import Context, Review


@cache
def demo_policy() -> Policy:
    """The demo company's policy (Caféterra), shipped with the package."""
    from hashtags.policy import parse_policy

    text = (resources.files("hashtags.demo") / "policy.yaml").read_text("utf-8")
    return parse_policy(text, source="demo/policy.yaml")


_engines: dict[int, Engine] = {}


def review(text: str, context: Context | None = None, *, policy: Policy | None = None) -> Review:
    """Review ``text`` against ``policy`` (the demo policy when none is given).

    Engines are compiled once per policy object and reused.
    """
    chosen = policy or demo_policy()
    engine = _engines.get(id(chosen))
    if engine is None or engine.policy is not chosen:
        engine = _engines[id(chosen)] = Engine(chosen)
    return engine.review(text, context)
