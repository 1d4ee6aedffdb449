"""Bluesky, through the atproto SDK.

The network has no idempotency header, so the post's record key is derived from the
idempotency key: ``createRecord`` with a key that already exists cannot make a second post,
and the retry finds the first one with ``getRecord``.

Mentions are read from the account's notifications (``app.bsky.notification.listNotifications``,
newest first, paged with an opaque cursor): those whose reason is a mention, a reply or a
quote. The position a caller keeps between reads is the newest notification's ``indexedAt``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from atproto import Client, Session, SessionEvent, models
from atproto_client.exceptions import (
    NetworkError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_core.exceptions import AtProtocolError

from hashtags.connectors.base import (
    DELETING,
    PUBLISHING,
    READING_MENTIONS,
    ConnectorError,
    Mention,
    Published,
)
from hashtags.errors import Message, Phrase

COLLECTION = "app.bsky.feed.post"
_TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
_TID_EPOCH_US = 1_672_531_200_000_000
"""2023-01-01T00:00:00Z in microseconds: derived record keys carry timestamps after it."""
_TID_SPAN_US = 1 << 41
"""About 25 days: the derived timestamp is not meaningful (feeds sort by ``createdAt``), it
only has to make a well-formed TID, the record key type of ``app.bsky.feed.post``."""


def record_key(idempotency_key: str) -> str:
    """A TID (13 base32-sortable characters) that depends only on ``idempotency_key``."""
    digest = int.from_bytes(hashlib.sha256(idempotency_key.encode()).digest()[:8], "big")
    timestamp = _TID_EPOCH_US + (digest >> 10) % _TID_SPAN_US
    value = (timestamp << 10) | (digest & 0x3FF)  # below 2**63: the top bit stays 0
    chars = []
    for _ in range(13):
        chars.append(_TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


MENTION_REASONS = ("mention", "reply", "quote")
"""Notification reasons that are posts speaking to or about the account."""
PAGE_SIZE = 50
MAX_PAGES = 20
"""At most this many pages (1,000 notifications) per read; the rest waits for the next."""


def _when(value: str | None) -> datetime | None:
    """An AT Protocol datetime (ISO 8601, ``Z`` or an offset), as an aware datetime."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _field(value: Any, name: str) -> Any:
    """``name`` of a record the SDK may hand over as a model or as a plain dict."""
    if isinstance(value, dict):
        return value.get(name)
    return getattr(value, name, None)


def _status(exc: RequestErrorBase) -> int | None:
    return exc.response.status_code if exc.response is not None else None


def _error(exc: AtProtocolError, doing: Phrase | Message) -> ConnectorError:
    if isinstance(exc, UnauthorizedError):
        return ConnectorError(
            "bluesky: the handle or app password was refused (%(status)s) while %(doing)s",
            permanent=True,
            status=_status(exc),
            doing=doing,
        )
    if isinstance(exc, RequestErrorBase):
        status = _status(exc)
        if isinstance(exc, NetworkError) or status is None:
            return ConnectorError("bluesky: network error while %(doing)s", doing=doing)
        if 400 <= status < 500 and status not in (408, 429):
            return ConnectorError(  # the server's own words, verbatim
                "bluesky: refused with %(status)s while %(doing)s: %(detail)s",
                permanent=True,
                status=status,
                doing=doing,
                detail=str(exc)[:200],
            )
        return ConnectorError(
            "bluesky: error %(status)s while %(doing)s", status=status, doing=doing
        )
    return ConnectorError("bluesky: %(kind)s while %(doing)s", kind=type(exc).__name__, doing=doing)


class BlueskyConnector:
    """Publisher and MentionSource for one Bluesky account, signed in with an app password."""

    def __init__(self, *, base_url: str, handle: str, app_password: str) -> None:
        self._base_url = base_url
        self._handle = handle
        self._password = app_password
        self._client: Client | None = None
        self._did = ""

    def _session(self, doing: Phrase) -> Client:
        if self._client is None:
            client = Client(base_url=self._base_url)
            client.on_session_change(self._remember_did)
            try:
                client.login(self._handle, self._password, fetch_bsky_profile=False)
            except AtProtocolError as exc:
                raise _error(exc, Message("signing in before %(doing)s", doing=doing)) from None
            self._client = client
        return self._client

    def _remember_did(self, event: SessionEvent, session: Session) -> None:
        self._did = session.did

    def _url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self._handle}/post/{rkey}"

    def publish(self, text: str, *, idempotency_key: str) -> Published:
        client = self._session(PUBLISHING)
        rkey = record_key(idempotency_key)
        record = models.AppBskyFeedPost.Record(
            text=text, created_at=datetime.now(UTC).isoformat().replace("+00:00", "Z")
        )
        try:
            created = client.com.atproto.repo.create_record(
                models.ComAtprotoRepoCreateRecord.Data(
                    repo=self._did, collection=COLLECTION, rkey=rkey, record=record
                )
            )
            return Published(created.uri, self._url(rkey))
        except AtProtocolError as exc:
            failure = _error(exc, PUBLISHING)
            if isinstance(exc, UnauthorizedError):
                raise failure from None
        # The record key may already exist: this is a retry of a publish that went through.
        existing = self._existing(client, rkey)
        if existing is not None:
            return Published(existing, self._url(rkey))
        raise failure

    def _existing(self, client: Client, rkey: str) -> str | None:
        try:
            found = client.com.atproto.repo.get_record(
                models.ComAtprotoRepoGetRecord.Params(
                    repo=self._did, collection=COLLECTION, rkey=rkey
                )
            )
        except AtProtocolError:
            return None
        return str(found.uri)

    def delete(self, external_id: str) -> None:
        client = self._session(DELETING)
        rkey = external_id.rsplit("/", 1)[-1]
        try:
            client.com.atproto.repo.delete_record(
                models.ComAtprotoRepoDeleteRecord.Data(
                    repo=self._did, collection=COLLECTION, rkey=rkey
                )
            )
        except AtProtocolError as exc:
            raise _error(exc, DELETING) from None

    def read_mentions(self, since: str | None) -> list[Mention]:
        """Posts that mention, answer or quote the account, indexed after ``since`` (the last
        mention's ``cursor``: an ``indexedAt`` time), oldest first. Without ``since``, the
        most recent page only."""
        client = self._session(READING_MENTIONS)
        after = _when(since) if since else None
        if since and after is None:
            raise ConnectorError(
                "bluesky: since=%(since)r is not a notification time (indexedAt)",
                permanent=True,
                since=since[:40],
            )
        found: list[tuple[datetime, Mention]] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            try:
                page = client.app.bsky.notification.list_notifications(
                    models.AppBskyNotificationListNotifications.Params(
                        limit=PAGE_SIZE, cursor=cursor, reasons=list(MENTION_REASONS)
                    )
                )
            except AtProtocolError as exc:
                raise _error(exc, READING_MENTIONS) from None
            reached_since = False
            for note in page.notifications:
                indexed = _when(note.indexed_at)
                if indexed is None:
                    continue
                if after is not None and indexed <= after:
                    reached_since = True  # newest first: the rest was read before
                    break
                if note.reason in MENTION_REASONS:
                    found.append((indexed, self._mention(note)))
            if reached_since or after is None or not page.cursor or not page.notifications:
                break
            cursor = page.cursor
        found.sort(key=lambda item: item[0])
        return [mention for _, mention in found]

    def _mention(self, note: Any) -> Mention:
        record = note.record
        reply = _field(record, "reply")
        parent = _field(reply, "parent") if reply is not None else None
        rkey = str(note.uri).rsplit("/", 1)[-1]
        handle = str(note.author.handle)
        return Mention(
            external_id=str(note.uri),
            author=handle,
            text=str(_field(record, "text") or ""),
            url=f"https://bsky.app/profile/{handle}/post/{rkey}",
            created_at=_when(_field(record, "created_at") or _field(record, "createdAt"))
            or _when(note.indexed_at),
            in_reply_to=str(_field(parent, "uri")) if parent is not None else None,
            cursor=str(note.indexed_at),
        )
