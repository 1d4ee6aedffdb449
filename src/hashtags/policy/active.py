"""The policy the service enforces: ``HASHTAGS_POLICY_PATH``, or the demo policy."""

from __future__ import annotations

from hashtags.policy import load_policy
from hashtags.policy.schema import Policy
from hashtags.settings import Settings


def active_policy(settings: Settings) -> Policy:
    if settings.policy_path is None:
        from hashtags.review.service import demo_policy

        return demo_policy()
    return load_policy(settings.policy_path)
