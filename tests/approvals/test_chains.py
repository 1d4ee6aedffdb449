"""Approval chains: any-of and all-of steps, regulated two-step routes, nobody approves their
own post, decisions with comments, expiry and escalation."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import pytest

from hashtags.approvals import service as approvals
from hashtags.approvals.models import RequestStatus
from hashtags.approvals.service import ApprovalStep
from hashtags.audit.service import verify
from hashtags.errors import Conflict, Forbidden, InvalidInput
from hashtags.people.permissions import Role
from hashtags.posts import service as posts
from hashtags.posts.models import Post, PostStatus
from hashtags.review.engine import Engine
from hashtags.review.service import demo_policy
from hashtags.storage.db import utcnow
from tests.posts.helpers import ALLOW, REVIEW, World

R = Role


@pytest.fixture(scope="module")
def finance_engine() -> Engine:
    policy = demo_policy()
    regulated = policy.model_copy(
        update={"organization": policy.organization.model_copy(update={"industry": "finance"})}
    )
    return Engine(regulated)


def _submitted(world: World, text: str = REVIEW, engine: Engine | None = None) -> Post:
    pr = world.actors[R.PR]
    engine = engine or world.engine
    post = posts.create_post(
        world.db, actor=pr, engine=engine, text=text, account_ids=[world.mastodon.id]
    )
    posts.submit_post(world.db, actor=pr, engine=engine, post_id=post.id)
    return post


def _with_chain(world: World, post: Post, steps: Sequence[ApprovalStep]) -> None:
    """Replace the post's default chain with ``steps``."""
    approvals.supersede(world.db, post=post, actor="test", reason="test chain")
    approvals.open_chain(world.db, post=post, policy=world.engine.policy, actor="test", steps=steps)


def _pending(world: World, post: Post) -> int:
    (request,) = [
        r
        for r in approvals.requests_for(world.db, post_id=post.id)
        if r.status == RequestStatus.PENDING
    ]
    return request.id


def test_any_of_one_approval_is_enough(world: World) -> None:
    post = _submitted(world)
    request_id = _pending(world, post)
    assert [r.id for r in approvals.queue(world.db, actor=world.actors[R.COMPLIANCE])] == [
        request_id
    ]
    approvals.decide(
        world.db, actor=world.actors[R.COMPLIANCE], request_id=request_id, decision="approve"
    )
    assert post.status == PostStatus.APPROVED
    assert approvals.queue(world.db, actor=world.actors[R.COMPLIANCE]) == []


def test_nobody_approves_their_own_post(world: World) -> None:
    post = _submitted(world)  # written by pr, and pr is in the default chain
    request_id = _pending(world, post)
    assert approvals.queue(world.db, actor=world.actors[R.PR]) == []
    with pytest.raises(Forbidden, match="nobody approves their own post"):
        approvals.decide(
            world.db, actor=world.actors[R.PR], request_id=request_id, decision="approve"
        )
    assert post.status == PostStatus.IN_REVIEW


def test_only_the_named_roles_decide(world: World) -> None:
    post = _submitted(world)
    request_id = _pending(world, post)
    with pytest.raises(Forbidden, match="is for compliance, pr, not for you"):
        approvals.decide(
            world.db,
            actor=world.actors[R.CRISIS_RESPONSE],
            request_id=request_id,
            decision="approve",
        )


def test_all_of_needs_every_role_and_person(world: World) -> None:
    post = _submitted(world)
    lucia = world.person("lucia.ortega@cafeterra.es", R.PR)
    _with_chain(
        world,
        post,
        [
            ApprovalStep(mode="all", roles=["compliance", "crisis_response"]),
            ApprovalStep(mode="any", people=["Lucia.Ortega@cafeterra.es"]),
        ],
    )
    first = _pending(world, post)
    compliance, crisis = world.actors[R.COMPLIANCE], world.actors[R.CRISIS_RESPONSE]
    approvals.decide(world.db, actor=compliance, request_id=first, decision="approve")
    assert post.status == PostStatus.IN_REVIEW and _pending(world, post) == first
    with pytest.raises(Conflict, match="you already approved"):
        approvals.decide(world.db, actor=compliance, request_id=first, decision="approve")
    assert approvals.queue(world.db, actor=compliance) == []
    approvals.decide(world.db, actor=crisis, request_id=first, decision="approve")
    second = _pending(world, post)
    assert second != first
    # Step two names a person, not a role: another pr may not decide it.
    other_pr = world.person("otra.pr@cafeterra.es", R.PR)
    with pytest.raises(Forbidden, match="not for you"):
        approvals.decide(world.db, actor=other_pr, request_id=second, decision="approve")
    approvals.decide(world.db, actor=lucia, request_id=second, decision="approve")
    assert post.status == PostStatus.APPROVED
    assert verify(world.db).ok


def test_regulated_industries_always_need_compliance_then_pr(
    world: World, finance_engine: Engine
) -> None:
    social = world.actors[R.SOCIAL_ENGAGEMENT]
    post = posts.create_post(
        world.db,
        actor=social,
        engine=finance_engine,
        text=ALLOW,
        account_ids=[world.mastodon.id],
    )
    posts.submit_post(world.db, actor=social, engine=finance_engine, post_id=post.id)
    assert post.verdict == "allow" and post.status == PostStatus.IN_REVIEW
    first = _pending(world, post)
    with pytest.raises(Forbidden, match="is for compliance, not for you"):
        approvals.decide(world.db, actor=world.actors[R.PR], request_id=first, decision="approve")
    approvals.decide(
        world.db, actor=world.actors[R.COMPLIANCE], request_id=first, decision="approve"
    )
    second = _pending(world, post)
    approvals.decide(world.db, actor=world.actors[R.PR], request_id=second, decision="approve")
    assert post.status == PostStatus.APPROVED
    steps = [(r.step, r.roles) for r in approvals.requests_for(world.db, post_id=post.id)]
    assert steps == [(0, ["compliance"]), (1, ["pr"])]


def test_a_policy_chain_replaces_the_default(world: World) -> None:
    from hashtags.policy import PolicyError, parse_policy

    text = (
        "organization: {name: X}\n"
        "approvals:\n"
        "  chain:\n"
        "    - {mode: all, roles: [compliance, crisis_response]}\n"
        "    - {people: [Lucia.Ortega@cafeterra.es]}\n"
    )
    policy = parse_policy(text)
    assert approvals.chain_for(policy) == [
        ApprovalStep(mode="all", roles=["compliance", "crisis_response"]),
        ApprovalStep(mode="any", people=["Lucia.Ortega@cafeterra.es"]),
    ]
    assert approvals.chain_for(world.engine.policy) == list(approvals.DEFAULT_CHAIN)
    with pytest.raises(PolicyError, match=r"policy.yaml:4: approvals.chain.0.*needs 'roles'"):
        parse_policy(text.replace("{mode: all, roles: [compliance, crisis_response]}", "{}"))


def test_request_changes_and_reject_need_a_comment(world: World) -> None:
    pr, compliance = world.actors[R.PR], world.actors[R.COMPLIANCE]
    post = _submitted(world)
    request_id = _pending(world, post)
    with pytest.raises(InvalidInput, match="comment: say why"):
        approvals.decide(
            world.db, actor=compliance, request_id=request_id, decision="request_changes"
        )
    with pytest.raises(InvalidInput, match="decision: 'maybe'"):
        approvals.decide(world.db, actor=compliance, request_id=request_id, decision="maybe")
    approvals.decide(
        world.db,
        actor=compliance,
        request_id=request_id,
        decision="comment",
        comment="Is the date confirmed?",
    )
    assert post.status == PostStatus.IN_REVIEW
    approvals.decide(
        world.db,
        actor=compliance,
        request_id=request_id,
        decision="request_changes",
        comment="Do not announce Black Friday before the day.",
    )
    assert post.status == PostStatus.CHANGES_REQUESTED
    # The author edits and submits again: a new request for version 2.
    posts.update_post(
        world.db, actor=pr, engine=world.engine, post_id=post.id, text=REVIEW + " pronto"
    )
    assert post.status == PostStatus.DRAFT and post.version == 2
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    again = _pending(world, post)
    with pytest.raises(Conflict, match="version: you read version 1"):
        approvals.decide(
            world.db, actor=compliance, request_id=again, decision="approve", version=1
        )
    approvals.decide(
        world.db, actor=compliance, request_id=again, decision="reject", comment="Not this year."
    )
    assert post.status == PostStatus.REJECTED
    decisions = [
        d.decision for r in approvals.requests_for(world.db, post_id=post.id) for d in r.decisions
    ]
    assert decisions == ["comment", "request_changes", "reject"]


def test_expiry_escalates_then_expires(world: World) -> None:
    post = _submitted(world)
    request_id = _pending(world, post)
    request = approvals.get_request(world.db, request_id=request_id)
    hours = world.engine.policy.approvals.expire_after_hours
    assert request.escalate_to == world.engine.policy.approvals.escalate_to == "compliance"
    crisis = world.actors[R.CRISIS_RESPONSE]
    now = utcnow()

    report = approvals.expire_and_escalate(world.db, now=now + timedelta(hours=hours - 1))
    assert report.escalated == [] and report.expired == []

    _with_chain(world, post, [ApprovalStep(roles=["crisis_response"])])
    request_id = _pending(world, post)
    request = approvals.get_request(world.db, request_id=request_id)
    later = now + timedelta(hours=hours, minutes=1)
    assert [r.id for r in approvals.queue(world.db, actor=world.actors[R.COMPLIANCE])] == []
    report = approvals.expire_and_escalate(world.db, now=later)
    assert report.escalated == [request_id]
    assert request.escalated_at == later and request.due_at == later + timedelta(hours=hours)
    # Escalated: compliance may now decide alone, crisis response still may.
    assert [r.id for r in approvals.queue(world.db, actor=world.actors[R.COMPLIANCE])] == [
        request_id
    ]
    assert [r.id for r in approvals.queue(world.db, actor=crisis)] == [request_id]

    report = approvals.expire_and_escalate(world.db, now=later + timedelta(hours=hours))
    assert report.expired == [request_id]
    assert request.status == RequestStatus.EXPIRED and post.status == PostStatus.DRAFT
    actions = world.actions("approval_request")
    assert actions[-2:] == ["approval.escalate", "approval.expire"]
    assert verify(world.db).ok


def test_escalation_role_decides_an_escalated_all_of_step(world: World) -> None:
    post = _submitted(world)
    _with_chain(world, post, [ApprovalStep(mode="all", roles=["crisis_response", "pr"])])
    request_id = _pending(world, post)
    approvals.expire_and_escalate(world.db, now=utcnow() + timedelta(days=2))
    approvals.decide(
        world.db, actor=world.actors[R.COMPLIANCE], request_id=request_id, decision="approve"
    )
    assert post.status == PostStatus.APPROVED
