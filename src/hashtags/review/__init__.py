"""The review engine: every text is checked against the policy before it is published.

Entry points: ``hashtags.review.service.review(text, context, policy=...)`` and
``hashtags.review.engine.Engine(policy).review(text, context)``.
"""

from hashtags.review.types import Category, Context, Finding, Fix, Review, Severity, Verdict

__all__ = ["Category", "Context", "Finding", "Fix", "Review", "Severity", "Verdict"]
