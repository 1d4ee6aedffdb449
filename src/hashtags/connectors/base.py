"""What a connector can do, one protocol per capability, and how it reports failure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, Protocol

from hashtags.errors import Phrase, Translatable


class Published(NamedTuple):
    """Where a text was published: the network's id for it and its public address."""

    external_id: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Mention:
    """A post on the network that mentions or answers the account."""

    external_id: str
    author: str
    text: str
    url: str | None
    created_at: datetime | None
    in_reply_to: str | None = None
    cursor: str | None = None
    """Where this mention is in the network's feed: pass the last one's as ``since`` to read
    only what came after it (Mastodon: the notification id; the sandbox: the post id;
    Bluesky: the notification's indexing time). None: use ``external_id``."""

    @property
    def next_since(self) -> str:
        return self.cursor or self.external_id


class ConnectorError(Translatable):
    """The network refused or could not be reached.

    ``permanent`` failures (bad credentials, a 4xx answer) will fail the same way on retry;
    the others (timeouts, 5xx, rate limits) are worth retrying later. The message names the
    network and the status, never the text being published. Like the domain errors it is a
    message id with named values (shown in the reader's language); what the network itself
    said is one of the values, kept verbatim.
    """

    def __init__(self, message: str, /, *, permanent: bool = False, **params: object) -> None:
        super().__init__(message, **params)
        self.permanent = permanent


# What a connector was doing when it failed: ``while %(doing)s``.
PUBLISHING = Phrase("publishing the post")
DELETING = Phrase("deleting the post")
READING_MENTIONS = Phrase("reading mentions")


class Publisher(Protocol):
    """Publishes texts on one account.

    ``idempotency_key`` is stable across retries of the same publication: a connector passes
    it to the network (or derives the record key from it) so that a retry after a publish
    whose outcome was lost returns the first post instead of creating a second one.
    """

    def publish(self, text: str, *, idempotency_key: str) -> Published: ...

    def delete(self, external_id: str) -> None: ...


class MentionSource(Protocol):
    """Reads the posts that mention one account, newer than the cursor ``since`` (the last
    mention's ``next_since``; None: the most recent ones), oldest first."""

    def read_mentions(self, since: str | None) -> list[Mention]: ...
