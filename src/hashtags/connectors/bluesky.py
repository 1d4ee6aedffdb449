"""Bluesky, through the atproto SDK.

The network has no idempotency header, so the post's record key is derived from the
idempotency key: ``createRecord`` with a key that already exists cannot make a second post,
and the retry finds the first one with ``getRecord``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from atproto import Client, Session, SessionEvent, models
from atproto_client.exceptions import (
    NetworkError,
    RequestErrorBase,
    UnauthorizedError,
)
from atproto_core.exceptions import AtProtocolError

from hashtags.connectors.base import ConnectorError, Published

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


def _status(exc: RequestErrorBase) -> int | None:
    return exc.response.status_code if exc.response is not None else None


def _error(exc: AtProtocolError, doing: str) -> ConnectorError:
    if isinstance(exc, UnauthorizedError):
        return ConnectorError(
            f"bluesky: the handle or app password was refused ({_status(exc)}) while {doing}",
            permanent=True,
        )
    if isinstance(exc, RequestErrorBase):
        status = _status(exc)
        if isinstance(exc, NetworkError) or status is None:
            return ConnectorError(f"bluesky: network error while {doing}")
        if 400 <= status < 500 and status not in (408, 429):
            return ConnectorError(
                f"bluesky: refused with {status} while {doing}: {str(exc)[:200]}", permanent=True
            )
        return ConnectorError(f"bluesky: error {status} while {doing}")
    return ConnectorError(f"bluesky: {type(exc).__name__} while {doing}")


class BlueskyConnector:
    """Publisher for one Bluesky account, signed in with an app password."""

    def __init__(self, *, base_url: str, handle: str, app_password: str) -> None:
        self._base_url = base_url
        self._handle = handle
        self._password = app_password
        self._client: Client | None = None
        self._did = ""

    def _session(self, doing: str) -> Client:
        if self._client is None:
            client = Client(base_url=self._base_url)
            client.on_session_change(self._remember_did)
            try:
                client.login(self._handle, self._password, fetch_bsky_profile=False)
            except AtProtocolError as exc:
                raise _error(exc, f"signing in before {doing}") from None
            self._client = client
        return self._client

    def _remember_did(self, event: SessionEvent, session: Session) -> None:
        self._did = session.did

    def _url(self, rkey: str) -> str:
        return f"https://bsky.app/profile/{self._handle}/post/{rkey}"

    def publish(self, text: str, *, idempotency_key: str) -> Published:
        client = self._session("publishing")
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
            failure = _error(exc, "publishing")
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
        client = self._session("deleting")
        rkey = external_id.rsplit("/", 1)[-1]
        try:
            client.com.atproto.repo.delete_record(
                models.ComAtprotoRepoDeleteRecord.Data(
                    repo=self._did, collection=COLLECTION, rkey=rkey
                )
            )
        except AtProtocolError as exc:
            raise _error(exc, "deleting") from None
