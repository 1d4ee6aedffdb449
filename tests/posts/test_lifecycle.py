"""A post's life through the services: review stored, routing, who may speak, edits, blocks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hashtags.approvals import service as approvals
from hashtags.approvals.models import RequestStatus
from hashtags.audit.models import AuditEvent
from hashtags.audit.service import verify
from hashtags.errors import Conflict, Forbidden, InvalidInput, NotFound
from hashtags.people.permissions import Role
from hashtags.posts import service as posts
from hashtags.posts.models import PostStatus, TargetStatus
from hashtags.storage.db import utcnow
from tests.posts.helpers import ALLOW, APOLOGY, BLOCK, COMPLAINT, REVIEW, World

R = Role


def test_draft_stores_the_review(world: World) -> None:
    post = posts.create_post(
        world.db,
        actor=world.actors[R.PR],
        engine=world.engine,
        text=REVIEW,
        account_ids=[world.mastodon.id],
    )
    assert post.status == PostStatus.DRAFT and post.version == 1
    assert post.verdict == "review" and post.policy_version == world.engine.policy.version
    assert [f["rule"] for f in post.review["findings"]] == ["custom.black-friday"]
    assert [t.account_id for t in post.targets] == [world.mastodon.id]
    assert world.actions("post") == ["post.create"]


def test_allowed_post_on_a_when_flagged_account_needs_no_approval(world: World) -> None:
    pr = world.actors[R.PR]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=ALLOW, account_ids=[world.mastodon.id]
    )
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    assert post.status == PostStatus.APPROVED
    assert approvals.requests_for(world.db, post_id=post.id) == []
    later = utcnow() + timedelta(hours=3)
    posts.schedule_post(
        world.db, actor=pr, engine=world.engine, post_id=post.id, scheduled_at=later
    )
    assert post.status == PostStatus.SCHEDULED and post.scheduled_at == later
    assert world.enqueued == [post.id]
    posts.unschedule_post(world.db, actor=pr, post_id=post.id)
    assert post.status == PostStatus.APPROVED and post.scheduled_at is None
    assert world.actions("post") == [
        "post.create",
        "post.submit",
        "post.schedule",
        "post.unschedule",
    ]
    assert verify(world.db).ok


def test_review_verdict_and_always_accounts_need_approval(world: World) -> None:
    pr = world.actors[R.PR]
    flagged = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=REVIEW, account_ids=[world.mastodon.id]
    )
    always = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=ALLOW, account_ids=[world.bluesky.id]
    )
    for post in (flagged, always):
        posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
        assert post.status == PostStatus.IN_REVIEW
        (request,) = approvals.requests_for(world.db, post_id=post.id)
        assert (request.mode, request.roles, request.post_version) == (
            "any",
            ["compliance", "pr"],
            1,
        )


def test_schedule_at_submission_happens_on_approval(world: World) -> None:
    pr, compliance = world.actors[R.PR], world.actors[R.COMPLIANCE]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=REVIEW, account_ids=[world.mastodon.id]
    )
    when = utcnow() + timedelta(days=1)
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id, scheduled_at=when)
    assert post.status == PostStatus.IN_REVIEW and world.enqueued == []
    (request,) = approvals.requests_for(world.db, post_id=post.id)
    approvals.decide(world.db, actor=compliance, request_id=request.id, decision="approve")
    assert post.status == PostStatus.SCHEDULED and post.scheduled_at == when
    assert world.enqueued == [post.id]


def test_employee_cannot_target_a_brand_account(world: World) -> None:
    employee = world.actors[R.EMPLOYEE]
    with pytest.raises(Forbidden, match="may not publish on brand accounts"):
        posts.create_post(
            world.db,
            actor=employee,
            engine=world.engine,
            text=ALLOW,
            account_ids=[world.mastodon.id],
        )


def test_brand_publishers_come_from_the_policy(world: World) -> None:
    # Customer service publishes on Mastodon but is not among Bluesky's publishers.
    service = world.actors[R.CUSTOMER_SERVICE]
    posts.create_post(
        world.db, actor=service, engine=world.engine, text=ALLOW, account_ids=[world.mastodon.id]
    )
    with pytest.raises(Forbidden, match=r"accounts\.cafeterra-bluesky\.publishers"):
        posts.create_post(
            world.db,
            actor=service,
            engine=world.engine,
            text=ALLOW,
            account_ids=[world.bluesky.id],
        )


def test_personal_accounts_are_their_owners_only(world: World) -> None:
    with pytest.raises(Forbidden, match="someone else's personal account"):
        posts.create_post(
            world.db,
            actor=world.actors[R.PR],
            engine=world.engine,
            text=ALLOW,
            account_ids=[world.personal.id],
        )
    employee = world.actors[R.EMPLOYEE]
    post = posts.create_post(
        world.db,
        actor=employee,
        engine=world.engine,
        text="Hoy he ido al parque con mis hijos, qué buen tiempo",
        account_ids=[world.personal.id],
    )
    posts.submit_post(world.db, actor=employee, engine=world.engine, post_id=post.id)
    assert post.status == PostStatus.APPROVED


def test_brand_and_personal_accounts_do_not_mix(world: World) -> None:
    with pytest.raises(InvalidInput, match="account_ids: a post goes either"):
        posts.create_post(
            world.db,
            actor=world.actors[R.ADMIN],
            engine=world.engine,
            text=ALLOW,
            account_ids=[world.mastodon.id, world.personal.id],
        )


@pytest.mark.parametrize(
    ("account_ids", "message"),
    [
        ([], "account_ids: choose at least one"),
        ([987654], "account_ids: account 987654 does not exist"),
    ],
)
def test_bad_targets_name_the_field(world: World, account_ids: list[int], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        posts.create_post(
            world.db,
            actor=world.actors[R.PR],
            engine=world.engine,
            text=ALLOW,
            account_ids=account_ids,
        )


def test_bad_text_names_the_field(world: World) -> None:
    for text, message in (("   ", "text: write"), ("x" * 25_000, "text: text is 25,000")):
        with pytest.raises(InvalidInput, match=message):
            posts.create_post(
                world.db,
                actor=world.actors[R.PR],
                engine=world.engine,
                text=text,
                account_ids=[world.mastodon.id],
            )


def test_employee_cannot_reply_to_a_complaint(world: World) -> None:
    employee = world.actors[R.EMPLOYEE]
    with pytest.raises(Forbidden, match="reply_to: this answers a complaint"):
        posts.create_post(
            world.db,
            actor=employee,
            engine=world.engine,
            text=APOLOGY,
            reply_to=COMPLAINT,
            account_ids=[world.personal.id],
        )
    # Replying to something that is not a complaint is fine.
    post = posts.create_post(
        world.db,
        actor=employee,
        engine=world.engine,
        text=APOLOGY,
        reply_to="Qué día más bonito hace hoy en Madrid",
        account_ids=[world.personal.id],
    )
    # Nor may an edit turn it into one.
    with pytest.raises(Forbidden, match="reply_to"):
        posts.update_post(
            world.db, actor=employee, engine=world.engine, post_id=post.id, reply_to=COMPLAINT
        )


def test_spokespeople_without_the_permission_cannot_reply_to_complaints(world: World) -> None:
    # Social engagement speaks for the brand (so its own review does not flag the reply) but
    # complaints belong to customer service: the server still refuses.
    social = world.actors[R.SOCIAL_ENGAGEMENT]
    with pytest.raises(Forbidden, match="may not reply to them"):
        posts.create_post(
            world.db,
            actor=social,
            engine=world.engine,
            text=APOLOGY,
            reply_to=COMPLAINT,
            account_ids=[world.mastodon.id],
        )
    service = world.actors[R.CUSTOMER_SERVICE]
    post = posts.create_post(
        world.db,
        actor=service,
        engine=world.engine,
        text=APOLOGY,
        reply_to=COMPLAINT,
        account_ids=[world.mastodon.id],
    )
    assert post.verdict == "allow" and post.reply_to == COMPLAINT


def test_block_cannot_be_submitted_or_scheduled_until_overridden(world: World) -> None:
    pr, admin, compliance = world.actors[R.PR], world.actors[R.ADMIN], world.actors[R.COMPLIANCE]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=BLOCK, account_ids=[world.mastodon.id]
    )
    assert post.verdict == "block"
    with pytest.raises(Conflict, match=r"review blocks it \(confidential.policy-term\)"):
        posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    with pytest.raises(Conflict, match="cannot be scheduled"):
        posts.schedule_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    with pytest.raises(Forbidden, match="may not override"):
        posts.override_block(world.db, actor=compliance, post_id=post.id, reason="x" * 40)
    with pytest.raises(InvalidInput, match="reason: explain in at least 20 characters"):
        posts.override_block(world.db, actor=admin, post_id=post.id, reason="   because  ")
    reason = "The launch was announced by the CEO this morning; legal cleared the name."
    posts.override_block(world.db, actor=admin, post_id=post.id, reason=reason)
    assert post.override_reason == reason
    # Overridden, it is handled as a review verdict: it still needs approval.
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    assert post.status == PostStatus.IN_REVIEW
    (request,) = approvals.requests_for(world.db, post_id=post.id)
    approvals.decide(world.db, actor=compliance, request_id=request.id, decision="approve")
    posts.schedule_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    assert post.status == PostStatus.SCHEDULED
    event = world.db.execute(
        select(AuditEvent).where(AuditEvent.action == "post.override")
    ).scalar_one()
    assert event.actor == admin.email and event.reason == reason


def test_authors_cannot_override_their_own_block(world: World) -> None:
    admin = world.actors[R.ADMIN]
    post = posts.create_post(
        world.db, actor=admin, engine=world.engine, text=BLOCK, account_ids=[world.mastodon.id]
    )
    with pytest.raises(Forbidden, match="someone other than the post's author"):
        posts.override_block(world.db, actor=admin, post_id=post.id, reason="y" * 30)


def test_edit_after_approval_goes_back_to_review(world: World) -> None:
    pr, compliance = world.actors[R.PR], world.actors[R.COMPLIANCE]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=REVIEW, account_ids=[world.mastodon.id]
    )
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    (first,) = approvals.requests_for(world.db, post_id=post.id)
    approvals.decide(world.db, actor=compliance, request_id=first.id, decision="approve")
    posts.schedule_post(
        world.db,
        actor=pr,
        engine=world.engine,
        post_id=post.id,
        scheduled_at=utcnow() + timedelta(hours=1),
    )
    assert post.status == PostStatus.SCHEDULED
    with pytest.raises(Conflict, match="version: you edited version 7"):
        posts.update_post(
            world.db, actor=pr, engine=world.engine, post_id=post.id, text="x", version=7
        )
    edited = REVIEW + " (y online)"
    posts.update_post(
        world.db, actor=pr, engine=world.engine, post_id=post.id, text=edited, version=1
    )
    assert post.version == 2 and post.text == edited
    assert post.status == PostStatus.IN_REVIEW
    assert all(t.status == TargetStatus.PENDING for t in post.targets)
    first_again, second = approvals.requests_for(world.db, post_id=post.id)
    assert first_again.status == RequestStatus.APPROVED and first_again.post_version == 1
    assert second.status == RequestStatus.PENDING and second.post_version == 2
    # Approving the new version schedules it again for the time its author chose.
    approvals.decide(world.db, actor=compliance, request_id=second.id, decision="approve")
    assert post.status == PostStatus.SCHEDULED


def test_edit_supersedes_pending_approvals(world: World) -> None:
    pr, compliance = world.actors[R.PR], world.actors[R.COMPLIANCE]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=REVIEW, account_ids=[world.mastodon.id]
    )
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    (old,) = approvals.requests_for(world.db, post_id=post.id)
    # The edit removes the flagged words: an allowed text on a when_flagged account.
    posts.update_post(world.db, actor=pr, engine=world.engine, post_id=post.id, text=ALLOW)
    assert old.status == RequestStatus.SUPERSEDED
    assert post.status == PostStatus.APPROVED and post.verdict == "allow"
    with pytest.raises(Conflict, match="superseded"):
        approvals.decide(world.db, actor=compliance, request_id=old.id, decision="approve")


def test_an_edit_that_blocks_stays_a_draft(world: World) -> None:
    pr = world.actors[R.PR]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=ALLOW, account_ids=[world.mastodon.id]
    )
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    posts.update_post(world.db, actor=pr, engine=world.engine, post_id=post.id, text=BLOCK)
    assert post.status == PostStatus.DRAFT and post.verdict == "block"


def test_only_the_author_edits_and_others_may_not_even_see(world: World) -> None:
    employee = world.actors[R.EMPLOYEE]
    post = posts.create_post(
        world.db, actor=employee, engine=world.engine, text=ALLOW, account_ids=[world.personal.id]
    )
    with pytest.raises(NotFound):
        posts.get_post(world.db, actor=world.actors[R.SOCIAL_ENGAGEMENT], post_id=post.id)
    # Approvers see every post, but edit none of them.
    with pytest.raises(Forbidden, match="only the author"):
        posts.update_post(
            world.db,
            actor=world.actors[R.COMPLIANCE],
            engine=world.engine,
            post_id=post.id,
            text="x",
        )
    assert [p.id for p in posts.list_posts(world.db, actor=employee)] == [post.id]


def test_publish_now_hands_the_post_to_publishing(world: World) -> None:
    pr = world.actors[R.PR]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=ALLOW, account_ids=[world.mastodon.id]
    )
    with pytest.raises(Conflict, match="only approved posts can be scheduled"):
        posts.schedule_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    with pytest.raises(InvalidInput, match="scheduled_at: that time is in the past"):
        posts.schedule_post(
            world.db,
            actor=pr,
            engine=world.engine,
            post_id=post.id,
            scheduled_at=utcnow() - timedelta(hours=2),
        )
    with pytest.raises(InvalidInput, match="scheduled_at: give a time zone"):
        posts.schedule_post(
            world.db,
            actor=pr,
            engine=world.engine,
            post_id=post.id,
            scheduled_at=utcnow().replace(tzinfo=None) + timedelta(hours=2),
        )
    posts.schedule_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    assert post.status == PostStatus.SCHEDULED and world.enqueued == [post.id]


def test_archive_withdraws_and_closes_approvals(world: World) -> None:
    pr = world.actors[R.PR]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=REVIEW, account_ids=[world.mastodon.id]
    )
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    posts.archive_post(world.db, actor=pr, post_id=post.id)
    assert post.status == PostStatus.ARCHIVED
    (request,) = approvals.requests_for(world.db, post_id=post.id)
    assert request.status == RequestStatus.SUPERSEDED
    with pytest.raises(Conflict, match="can no longer be edited"):
        posts.update_post(world.db, actor=pr, engine=world.engine, post_id=post.id, text="x")
