"""Bluesky through the atproto SDK, against a local PDS that speaks the XRPC methods."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hashtags.connectors.base import ConnectorError
from hashtags.connectors.bluesky import COLLECTION, BlueskyConnector, record_key
from tests.support.fake_bluesky import DID, HANDLE, PASSWORD, FakeBluesky

TID = re.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")


def _connector(fake: FakeBluesky, password: str = PASSWORD) -> BlueskyConnector:
    return BlueskyConnector(base_url=fake.url, handle=HANDLE, app_password=password)


@given(st.text(min_size=1, max_size=200))
def test_the_record_key_is_a_tid_that_depends_only_on_the_idempotency_key(key: str) -> None:
    rkey = record_key(key)
    assert TID.match(rkey) and record_key(key) == rkey
    assert record_key(key + "x") != rkey


def test_publish_uses_the_derived_record_key_and_a_retry_finds_the_first_post(
    fake_bluesky: FakeBluesky,
) -> None:
    connector = _connector(fake_bluesky)
    first = connector.publish("Abrimos a las 8 ☕", idempotency_key="k-1")
    assert first.external_id == f"at://{DID}/{COLLECTION}/{record_key('k-1')}"
    assert first.url == f"https://bsky.app/profile/{HANDLE}/post/{record_key('k-1')}"
    # A second worker, or this one after a crash: same key, same post, nothing new.
    again = _connector(fake_bluesky).publish("Abrimos a las 8 ☕", idempotency_key="k-1")
    assert again == first
    assert [p["text"] for p in fake_bluesky.posts()] == ["Abrimos a las 8 ☕"]
    connector.publish("We open at 8", idempotency_key="k-2")
    assert len(fake_bluesky.posts()) == 2


def test_a_lost_response_is_retried_without_a_second_post(fake_bluesky: FakeBluesky) -> None:
    fake_bluesky.lose_next_response = 1
    connector = _connector(fake_bluesky)
    first = connector.publish("Hola", idempotency_key="k-lost")  # 502, but getRecord finds it
    assert first.external_id.endswith(record_key("k-lost"))
    assert fake_bluesky.creates == 1 and len(fake_bluesky.posts()) == 1


def test_a_refused_app_password_is_a_permanent_failure(fake_bluesky: FakeBluesky) -> None:
    with pytest.raises(ConnectorError, match="app password was refused") as failure:
        _connector(fake_bluesky, password="wrong").publish("Hola", idempotency_key="k")
    assert failure.value.permanent


@pytest.mark.parametrize(("code", "permanent"), [(503, False), (429, False), (400, True)])
def test_failures_are_classified(fake_bluesky: FakeBluesky, code: int, permanent: bool) -> None:
    fake_bluesky.fail_next = [code]
    with pytest.raises(ConnectorError) as failure:
        _connector(fake_bluesky).publish("Hola", idempotency_key="k")
    assert failure.value.permanent is permanent and "Hola" not in str(failure.value)
    assert fake_bluesky.posts() == []


def test_delete_removes_the_record(fake_bluesky: FakeBluesky) -> None:
    connector = _connector(fake_bluesky)
    published = connector.publish("Hola", idempotency_key="k")
    connector.delete(published.external_id)
    connector.delete(published.external_id)
    assert fake_bluesky.posts() == []


def test_mentions_replies_and_quotes_are_read_oldest_first_and_nothing_else(
    fake_bluesky: FakeBluesky,
) -> None:
    ours = _connector(fake_bluesky).publish("Abrimos a las 8 ☕", idempotency_key="k")
    fake_bluesky.notify(author="ana.bsky.social", text="@brand.bsky.test ¿abrís el domingo?")
    fake_bluesky.notify(author="tom.bsky.social", text="👍", reason="like")
    fake_bluesky.notify(author="tom.bsky.social", text="", reason="follow")
    reply = fake_bluesky.notify(
        author="luis.bsky.social", text="¡Por fin!", reason="reply", reply_to=ours.external_id
    )
    fake_bluesky.notify(author="eva.bsky.social", text="Mirad esto", reason="quote")

    mentions = _connector(fake_bluesky).read_mentions(None)

    assert [(m.author, m.text) for m in mentions] == [
        ("ana.bsky.social", "@brand.bsky.test ¿abrís el domingo?"),
        ("luis.bsky.social", "¡Por fin!"),
        ("eva.bsky.social", "Mirad esto"),
    ]
    answer = mentions[1]
    rkey = reply["uri"].rsplit("/", 1)[-1]
    assert answer.external_id == reply["uri"]
    assert answer.url == f"https://bsky.app/profile/luis.bsky.social/post/{rkey}"
    assert answer.in_reply_to == ours.external_id and mentions[0].in_reply_to is None
    assert answer.created_at is not None and answer.created_at.tzinfo is not None
    assert answer.next_since == reply["indexedAt"]
    (query,) = fake_bluesky.notification_reads
    assert sorted(query["reasons"]) == ["mention", "quote", "reply"] and query["limit"] == ["50"]


def test_reading_from_a_cursor_returns_only_what_came_after_it_across_pages(
    fake_bluesky: FakeBluesky,
) -> None:
    connector = _connector(fake_bluesky)
    fake_bluesky.notify(author="ana.bsky.social", text="primera")
    (first,) = connector.read_mentions(None)
    assert connector.read_mentions(first.next_since) == []
    for n in range(120):  # more than two pages of 50
        fake_bluesky.notify(author="ana.bsky.social", text=f"mención {n}")
    fake_bluesky.notification_reads.clear()

    newer = connector.read_mentions(first.next_since)

    assert [m.text for m in newer] == [f"mención {n}" for n in range(120)]
    assert len(fake_bluesky.notification_reads) == 3
    assert "cursor" not in fake_bluesky.notification_reads[0]
    assert all("cursor" in q for q in fake_bluesky.notification_reads[1:])
    assert connector.read_mentions(newer[-1].next_since) == []
    # Without a cursor, only the newest page: what a first read of a busy account sees.
    assert len(connector.read_mentions(None)) == 50


def test_reading_mentions_fails_like_publishing(fake_bluesky: FakeBluesky) -> None:
    with pytest.raises(ConnectorError, match="app password was refused") as refused:
        _connector(fake_bluesky, password="wrong").read_mentions(None)
    assert refused.value.permanent
    fake_bluesky.fail_notifications = [503]
    with pytest.raises(ConnectorError, match="503 while reading mentions") as busy:
        _connector(fake_bluesky).read_mentions(None)
    assert not busy.value.permanent
    with pytest.raises(ConnectorError, match="not a notification time") as bad:
        _connector(fake_bluesky).read_mentions("yesterday")
    assert bad.value.permanent
