"""Mastodon through Mastodon.py, against a local server that speaks its API."""

from __future__ import annotations

import pytest

from hashtags.connectors.base import ConnectorError
from hashtags.connectors.mastodon import MastodonConnector
from tests.support.fake_mastodon import TOKEN, FakeMastodon


def _connector(fake: FakeMastodon, token: str = TOKEN) -> MastodonConnector:
    return MastodonConnector(base_url=fake.url, access_token=token, timeout=5)


def test_publish_sends_the_idempotency_key_and_a_retry_returns_the_first_status(
    fake_mastodon: FakeMastodon,
) -> None:
    connector = _connector(fake_mastodon)
    first = connector.publish("Abrimos a las 8 ☕", idempotency_key="k-1")
    again = connector.publish("Abrimos a las 8 ☕", idempotency_key="k-1")
    other = connector.publish("We open at 8", idempotency_key="k-2")
    assert first == again and other.external_id != first.external_id
    assert first.url == f"{fake_mastodon.url}/@brand/{first.external_id}"
    assert len(fake_mastodon.live()) == 2
    posts = [h for method, path, h in fake_mastodon.requests if path == "/api/v1/statuses"]
    assert [h.get("Idempotency-Key") for h in posts] == ["k-1", "k-1", "k-2"]


def test_a_lost_response_is_retried_without_a_second_status(fake_mastodon: FakeMastodon) -> None:
    fake_mastodon.lose_next_response = 1
    connector = _connector(fake_mastodon)
    with pytest.raises(ConnectorError) as lost:
        connector.publish("Hola", idempotency_key="k-lost")
    assert not lost.value.permanent
    published = connector.publish("Hola", idempotency_key="k-lost")
    assert [s["id"] for s in fake_mastodon.live()] == [published.external_id]


@pytest.mark.parametrize(
    ("code", "permanent"),
    [(500, False), (502, False), (503, False), (429, False), (422, True), (403, True), (404, True)],
)
def test_failures_are_classified(fake_mastodon: FakeMastodon, code: int, permanent: bool) -> None:
    fake_mastodon.fail_next = [code]
    with pytest.raises(ConnectorError) as failure:
        _connector(fake_mastodon).publish("Hola", idempotency_key=f"k-{code}")
    assert failure.value.permanent is permanent
    assert "Hola" not in str(failure.value)  # never the text


def test_a_refused_token_is_a_permanent_failure(fake_mastodon: FakeMastodon) -> None:
    with pytest.raises(ConnectorError, match="access token was refused") as failure:
        _connector(fake_mastodon, token="revoked").publish("Hola", idempotency_key="k")
    assert failure.value.permanent


def test_an_unreachable_instance_is_worth_retrying() -> None:
    connector = MastodonConnector(base_url="http://127.0.0.1:9", access_token=TOKEN, timeout=2)
    with pytest.raises(ConnectorError, match="network error") as failure:
        connector.publish("Hola", idempotency_key="k")
    assert not failure.value.permanent


def test_delete_removes_the_status_and_tolerates_one_already_gone(
    fake_mastodon: FakeMastodon,
) -> None:
    connector = _connector(fake_mastodon)
    published = connector.publish("Hola", idempotency_key="k")
    connector.delete(published.external_id)
    connector.delete(published.external_id)
    assert fake_mastodon.live() == []


def test_mentions_are_read_oldest_first_after_the_cursor(fake_mastodon: FakeMastodon) -> None:
    first = fake_mastodon.add_mention("ana@social.example", "@brand mi pedido no llega &amp; ya")
    fake_mastodon.add_mention("bob@other.example", "@brand thanks!", in_reply_to_id="7")
    connector = _connector(fake_mastodon)
    mentions = connector.read_mentions(None)
    assert [(m.author, m.text) for m in mentions] == [
        ("ana@social.example", "@brand mi pedido no llega & ya"),
        ("bob@other.example", "@brand thanks!"),
    ]
    assert mentions[1].in_reply_to == "7"
    assert [m.author for m in connector.read_mentions(first)] == ["bob@other.example"]
