"""Who may do what. Roles come from the policy's conflict plan; every permission is checked on
the server by one dependency per rule (``hashtags.api.deps.require``)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COMPLIANCE = "compliance"
    CRISIS_RESPONSE = "crisis_response"
    CUSTOMER_SERVICE = "customer_service"
    PR = "pr"
    SOCIAL_ENGAGEMENT = "social_engagement"
    EMPLOYEE = "employee"


class Permission(StrEnum):
    REVIEW_TEXT = "review.text"
    """Run the policy review on a text (no storage)."""
    POSTS_READ = "posts.read"
    POSTS_WRITE = "posts.write"
    """Draft, edit and submit one's own posts."""
    POSTS_PUBLISH_BRAND = "posts.publish_brand"
    """Target the company's brand accounts (which ones: the policy's ``accounts.publishers``)."""
    POSTS_REPLY_COMPLAINTS = "posts.reply_complaints"
    POSTS_UNPUBLISH = "posts.unpublish"
    """Take published posts down from their networks: one's own personal posts, and brand
    posts on accounts one may publish on (or any, for those who may freeze publishing)."""
    APPROVALS_DECIDE = "approvals.decide"
    POSTS_OVERRIDE_BLOCK = "posts.override_block"
    CRISIS_FREEZE = "crisis.freeze"
    ACCOUNTS_READ = "accounts.read"
    ACCOUNTS_MANAGE = "accounts.manage"
    PEOPLE_READ = "people.read"
    PEOPLE_MANAGE = "people.manage"
    TOKENS_MANAGE = "tokens.manage"
    AUDIT_READ = "audit.read"
    POLICY_READ = "policy.read"
    POLICY_MANAGE = "policy.manage"


P = Permission
_EVERYONE = {
    P.REVIEW_TEXT,
    P.POSTS_READ,
    P.POSTS_WRITE,
    P.POSTS_UNPUBLISH,
    P.ACCOUNTS_READ,
    P.POLICY_READ,
}
_SPEAKERS = _EVERYONE | {P.POSTS_PUBLISH_BRAND}

GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.COMPLIANCE: frozenset(
        _EVERYONE
        | {P.APPROVALS_DECIDE, P.AUDIT_READ, P.POLICY_MANAGE, P.PEOPLE_READ, P.CRISIS_FREEZE}
    ),
    Role.CRISIS_RESPONSE: frozenset(
        _SPEAKERS | {P.APPROVALS_DECIDE, P.CRISIS_FREEZE, P.POSTS_REPLY_COMPLAINTS}
    ),
    Role.CUSTOMER_SERVICE: frozenset(_SPEAKERS | {P.POSTS_REPLY_COMPLAINTS}),
    Role.PR: frozenset(_SPEAKERS | {P.APPROVALS_DECIDE, P.POSTS_REPLY_COMPLAINTS}),
    Role.SOCIAL_ENGAGEMENT: frozenset(_SPEAKERS),
    Role.EMPLOYEE: frozenset(_EVERYONE),
}
"""Ordinary employees neither publish on brand accounts nor answer complaints to the company."""


def allowed(role: Role | str, permission: Permission) -> bool:
    return permission in GRANTS[Role(role)]
