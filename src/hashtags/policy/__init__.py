"""The policy file: schema, loading with line-numbered errors, rendering."""

from __future__ import annotations

from pathlib import Path

from hashtags.policy.loader import PolicyError, Problem, load_yaml_model, locate, read_source
from hashtags.policy.schema import Policy

__all__ = ["Policy", "PolicyError", "Problem", "load_policy", "parse_policy"]


def load_policy(path: str | Path) -> Policy:
    """Read and validate a policy file; raises :class:`PolicyError` naming file and line."""
    return parse_policy(read_source(path), source=str(path))


def parse_policy(text: str, *, source: str = "policy.yaml") -> Policy:
    """Validate policy YAML given as text; ``source`` names it in error messages."""
    policy = load_yaml_model(source, Policy, text=text)
    _check_rule_keys(policy, text, source)
    return policy


def _check_rule_keys(policy: Policy, text: str, source: str) -> None:
    """Every key under ``rules:`` must be a rule id or a category the engine knows."""
    if not policy.rules:
        return
    from hashtags.review.engine import Engine
    from hashtags.review.types import Category

    known = set(Engine(policy).catalog) | {str(c) for c in Category}
    unknown = [key for key in policy.rules if key not in known]
    if not unknown:
        return
    import yaml

    node = yaml.compose(text, Loader=yaml.SafeLoader)
    raise PolicyError(
        [
            Problem(
                source,
                locate(node, ["rules", key]),
                f"rules.{key}",
                "not a rule id or category; run 'hashtags policy rules' to list them",
            )
            for key in unknown
        ]
    )
