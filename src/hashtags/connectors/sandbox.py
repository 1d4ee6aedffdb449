"""The built-in sandbox network: posts live in our own database (``sandbox_posts``).

It behaves like a remote network for the worker: it commits in its own transaction, so a
publish can succeed "remotely" while the worker's own commit is lost, and it honours
idempotency keys, so the retry returns the first post. Like a real network it refuses texts
over its length limit (that of a default Mastodon instance), for good.
"""

from __future__ import annotations

import time

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from hashtags.connectors.base import ConnectorError, Mention, Published
from hashtags.connectors.models import SandboxPost
from hashtags.errors import Count
from hashtags.posts.limits import LIMITS, length
from hashtags.storage.db import transaction, utcnow

URL_PREFIX = "sandbox://"
MAX_CHARS = LIMITS["sandbox"].max_chars
"""The longest text the sandbox accepts, counted as the compose page counts it (links as 23
characters, as a default Mastodon instance): ``hashtags.posts.limits``."""


class SandboxConnector:
    """Publisher and MentionSource for one sandbox account."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        account_id: int,
        handle: str,
        delay_seconds: float = 0.0,
    ) -> None:
        self._sessions = sessions
        self._account_id = account_id
        self._handle = handle
        self._name = handle.lstrip("@")
        """The handle as it is written in a mention and an address (``@`` added or not)."""
        self._delay = delay_seconds
        """Slows every publish down; tests use it to kill a worker in mid-publication."""

    def _url(self, post_id: int) -> str:
        return f"{URL_PREFIX}{self._name}/{post_id}"

    def publish(self, text: str, *, idempotency_key: str) -> Published:
        size = length(text, "sandbox")
        if size > MAX_CHARS:
            raise ConnectorError(
                "sandbox: refused with 422: the text has %(size)s characters, more than the "
                "%(most)s this network accepts: shorten it and submit it again",
                permanent=True,
                size=Count(size),
                most=Count(MAX_CHARS),
            )
        # Half the delay before storing the post and half after: a worker killed during
        # the second half has published "remotely" without recording it.
        if self._delay:
            time.sleep(self._delay / 2)
        published = self._store(text, idempotency_key)
        if self._delay:
            time.sleep(self._delay / 2)
        return published

    def _store(self, text: str, idempotency_key: str) -> Published:
        existing = self._find(idempotency_key)
        if existing is not None:
            return Published(str(existing), self._url(existing))
        try:
            with transaction(self._sessions) as session:
                post = SandboxPost(
                    account_id=self._account_id,
                    author=self._handle,
                    text=text,
                    idempotency_key=idempotency_key,
                )
                session.add(post)
                session.flush()
                post_id = post.id
        except IntegrityError:
            # Another publisher won the race with the same key: theirs is the post.
            post_id_or_none = self._find(idempotency_key)
            if post_id_or_none is None:
                raise ConnectorError("sandbox: could not store the post") from None
            post_id = post_id_or_none
        return Published(str(post_id), self._url(post_id))

    def _find(self, idempotency_key: str) -> int | None:
        with transaction(self._sessions) as session:
            return session.execute(
                select(SandboxPost.id).where(SandboxPost.idempotency_key == idempotency_key)
            ).scalar_one_or_none()

    def delete(self, external_id: str) -> None:
        with transaction(self._sessions) as session:
            post = session.get(SandboxPost, int(external_id))
            if post is None or post.account_id != self._account_id:
                raise ConnectorError(
                    "sandbox: no post %(post)s on this account", permanent=True, post=external_id
                )
            if post.deleted_at is None:
                post.deleted_at = utcnow()

    def read_mentions(self, since: str | None) -> list[Mention]:
        """Posts by anyone else that contain ``@handle``, oldest first, after id ``since``."""
        with transaction(self._sessions) as session:
            query = (
                select(SandboxPost)
                .where(
                    SandboxPost.author != self._handle,
                    SandboxPost.text.contains(f"@{self._name}"),
                    SandboxPost.deleted_at.is_(None),
                )
                .order_by(SandboxPost.id)
            )
            if since:
                query = query.where(SandboxPost.id > int(since))
            return [
                Mention(
                    external_id=str(post.id),
                    author=post.author,
                    text=post.text,
                    url=self._url(post.id),
                    created_at=post.created_at,
                    in_reply_to=str(post.in_reply_to) if post.in_reply_to else None,
                    cursor=str(post.id),
                )
                for post in session.execute(query).scalars()
            ]
