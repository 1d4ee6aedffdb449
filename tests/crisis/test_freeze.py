"""Crisis freeze: everything or one account, resume, audited; publish-now refused meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hashtags.audit.service import verify
from hashtags.crisis import service as crisis
from hashtags.errors import Conflict, InvalidInput
from hashtags.people.permissions import Role
from hashtags.posts import service as posts
from hashtags.posts.models import PostStatus
from hashtags.storage.db import utcnow
from tests.posts.helpers import ALLOW, World

R = Role


def test_global_freeze_and_resume(world: World) -> None:
    responder = world.actors[R.CRISIS_RESPONSE]
    assert not crisis.is_frozen(world.db, account_id=world.mastodon.id)
    crisis.freeze(world.db, actor=responder, reason="Product recall: hold everything")
    assert crisis.is_frozen(world.db, account_id=world.mastodon.id)
    assert crisis.is_frozen(world.db, account_id=None)
    state = crisis.state(world.db)
    assert state.frozen and state.by == responder.email
    assert state.reason == "Product recall: hold everything"
    with pytest.raises(Conflict, match="all publishing is already frozen"):
        crisis.freeze(world.db, actor=world.actors[R.ADMIN])
    crisis.resume(world.db, actor=world.actors[R.COMPLIANCE], reason="Statement published")
    assert not crisis.is_frozen(world.db, account_id=world.mastodon.id)
    with pytest.raises(Conflict, match="publishing is not frozen"):
        crisis.resume(world.db, actor=responder)
    assert world.actions("publishing") == ["crisis.freeze", "crisis.resume"]
    assert verify(world.db).ok


def test_one_account_freeze(world: World) -> None:
    responder = world.actors[R.CRISIS_RESPONSE]
    crisis.freeze(world.db, actor=responder, account_id=world.bluesky.id, reason="hacked?")
    assert world.bluesky.frozen
    assert crisis.is_frozen(world.db, account_id=world.bluesky.id)
    assert not crisis.is_frozen(world.db, account_id=world.mastodon.id)
    assert not crisis.is_frozen(world.db, account_id=None)
    state = crisis.state(world.db)
    assert not state.frozen
    assert [(a.account_id, a.reason) for a in state.accounts] == [(world.bluesky.id, "hacked?")]
    crisis.resume(world.db, actor=responder, account_id=world.bluesky.id)
    assert not world.bluesky.frozen and crisis.state(world.db).accounts == []
    with pytest.raises(InvalidInput, match="account_id: account 987654 does not exist"):
        crisis.freeze(world.db, actor=responder, account_id=987654)


def test_publish_now_is_refused_while_frozen_but_scheduling_waits(world: World) -> None:
    pr = world.actors[R.PR]
    post = posts.create_post(
        world.db, actor=pr, engine=world.engine, text=ALLOW, account_ids=[world.mastodon.id]
    )
    posts.submit_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    crisis.freeze(world.db, actor=world.actors[R.CRISIS_RESPONSE], account_id=world.mastodon.id)
    with pytest.raises(Conflict, match=r"publishing is frozen for @cafeterra@mastodon\.social"):
        posts.schedule_post(world.db, actor=pr, engine=world.engine, post_id=post.id)
    posts.schedule_post(
        world.db,
        actor=pr,
        engine=world.engine,
        post_id=post.id,
        scheduled_at=utcnow() + timedelta(hours=2),
    )
    assert post.status == PostStatus.SCHEDULED
