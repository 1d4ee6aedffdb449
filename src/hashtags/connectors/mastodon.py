"""Mastodon, through Mastodon.py. Publishing sends the ``Idempotency-Key`` header, which
Mastodon honours for an hour: a retry returns the status created the first time."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from mastodon import Mastodon
from mastodon.errors import (
    MastodonAPIError,
    MastodonError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

from hashtags.connectors.base import (
    DELETING,
    PUBLISHING,
    READING_MENTIONS,
    ConnectorError,
    Mention,
    Published,
)
from hashtags.errors import Phrase

_TAGS = re.compile(r"<[^>]+>")


def _error(exc: MastodonError, doing: Phrase) -> ConnectorError:
    """A ConnectorError that says what failed; 4xx answers other than 429 are permanent."""
    if isinstance(exc, MastodonRatelimitError):
        return ConnectorError("mastodon: rate limited while %(doing)s", doing=doing)
    if isinstance(exc, MastodonNetworkError):
        return ConnectorError("mastodon: network error while %(doing)s", doing=doing)
    if isinstance(exc, MastodonUnauthorizedError):
        return ConnectorError(
            "mastodon: the access token was refused (401) while %(doing)s",
            permanent=True,
            doing=doing,
        )
    if isinstance(exc, MastodonServerError):
        return ConnectorError("mastodon: server error while %(doing)s", doing=doing)
    if isinstance(exc, MastodonAPIError):
        status = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        detail = exc.args[3] if len(exc.args) > 3 and isinstance(exc.args[3], str) else ""
        if status is not None and 400 <= status < 500 and status not in (408, 429):
            if not detail.strip():
                return ConnectorError(
                    "mastodon: refused with %(status)s while %(doing)s",
                    permanent=True,
                    status=status,
                    doing=doing,
                )
            return ConnectorError(  # the server's own words, verbatim
                "mastodon: refused with %(status)s while %(doing)s: %(detail)s",
                permanent=True,
                status=status,
                doing=doing,
                detail=detail[:200],
            )
        return ConnectorError(
            "mastodon: error %(status)s while %(doing)s", status=status, doing=doing
        )
    return ConnectorError(
        "mastodon: %(kind)s while %(doing)s", kind=type(exc).__name__, doing=doing
    )


class MastodonConnector:
    """Publisher and MentionSource for one Mastodon account."""

    def __init__(self, *, base_url: str, access_token: str, timeout: float = 30.0) -> None:
        self._api = Mastodon(
            access_token=access_token,
            api_base_url=base_url,
            ratelimit_method="throw",
            request_timeout=timeout,
            version_check_mode="none",
        )

    def publish(self, text: str, *, idempotency_key: str) -> Published:
        try:
            status: Any = self._api.status_post(text, idempotency_key=idempotency_key)
        except MastodonError as exc:
            raise _error(exc, PUBLISHING) from None
        return Published(str(status["id"]), status.get("url") or status.get("uri"))

    def delete(self, external_id: str) -> None:
        try:
            self._api.status_delete(external_id)
        except MastodonNotFoundError:
            return  # already gone
        except MastodonError as exc:
            raise _error(exc, DELETING) from None

    def read_mentions(self, since: str | None) -> list[Mention]:
        """Mention notifications newer than the notification id ``since``, oldest first."""
        try:
            notes: Any = self._api.notifications(types=["mention"], since_id=since)
        except MastodonError as exc:
            raise _error(exc, READING_MENTIONS) from None
        out: list[Mention] = []
        for note in notes:
            status = note.get("status") or {}
            created = status.get("created_at")
            out.append(
                Mention(
                    external_id=str(note["id"]),
                    author=str(note["account"]["acct"]),
                    text=html.unescape(_TAGS.sub("", str(status.get("content", "")))).strip(),
                    url=status.get("url"),
                    created_at=created if isinstance(created, datetime) else None,
                    in_reply_to=(
                        str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None
                    ),
                    cursor=str(note["id"]),
                )
            )
        out.sort(key=lambda m: int(m.external_id) if m.external_id.isdigit() else 0)
        return out
