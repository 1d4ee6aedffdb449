"""Building accounts and scheduled posts for the publishing tests."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime

from sqlalchemy.orm import Session

from hashtags.accounts.models import SocialAccount
from hashtags.connectors.credentials import set_credentials
from hashtags.people.models import User
from hashtags.posts.models import Post, PostStatus, PostTarget
from hashtags.publishing.service import enqueue_post
from hashtags.settings import Settings

SETTINGS = Settings(env="test", secret_key="test-secret-key-for-the-suite")
_numbers = itertools.count(1)


def author(db: Session) -> User:
    user = User(
        email=f"author-{uuid.uuid4().hex[:8]}@cafeterra.es",
        name="Autora",
        role="pr",
        password_hash="not-a-real-hash",
    )
    db.add(user)
    db.flush()
    return user


def account(
    db: Session,
    *,
    network: str = "sandbox",
    base_url: str | None = None,
    handle: str | None = None,
    credentials: dict[str, str] | None = None,
) -> SocialAccount:
    row = SocialAccount(
        kind="brand",
        network=network,
        handle=handle or f"cafeterra{next(_numbers)}-{uuid.uuid4().hex[:6]}",
        base_url=base_url,
        policy_id="brand",
    )
    if credentials:
        set_credentials(row, credentials, settings=SETTINGS)
    db.add(row)
    db.flush()
    return row


def scheduled_post(
    db: Session,
    *,
    accounts: list[SocialAccount],
    text: str = "Abrimos a las 8 ☕",
    at: datetime | None = None,
    user: User | None = None,
) -> Post:
    """A post scheduled the way the posts service does it: status, then the outbox."""
    post = Post(
        author_id=(user or author(db)).id,
        text=text,
        status=PostStatus.SCHEDULED.value,
        scheduled_at=at,
        targets=[PostTarget(account_id=a.id) for a in accounts],
    )
    db.add(post)
    db.flush()
    enqueue_post(db, post_id=post.id, actor="ana@cafeterra.es")
    db.flush()
    return post
