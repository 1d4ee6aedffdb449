"""The sandbox network and encrypted credentials, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hashtags.connectors.base import ConnectorError
from hashtags.connectors.credentials import get_credentials, set_credentials
from hashtags.connectors.models import SandboxPost
from hashtags.connectors.registry import publisher_for
from hashtags.connectors.sandbox import MAX_CHARS, SandboxConnector
from hashtags.settings import Settings
from tests.publishing.helpers import SETTINGS, account


def test_credentials_are_encrypted_at_rest(db: Session) -> None:
    row = account(db, network="mastodon", base_url="https://social.example")
    set_credentials(row, {"access_token": "s3cret-token-value"}, settings=SETTINGS)
    db.flush()
    stored = db.execute(select(type(row).credentials).where(type(row).id == row.id)).scalar_one()
    assert stored and "s3cret" not in stored
    assert get_credentials(row, settings=SETTINGS) == {"access_token": "s3cret-token-value"}
    other_key = Settings(env="test", secret_key="another-secret-entirely")
    with pytest.raises(ConnectorError, match="cannot be decrypted") as failure:
        get_credentials(row, settings=other_key)
    assert failure.value.permanent


def test_an_account_without_what_its_network_needs_cannot_publish(db: Session) -> None:
    no_url = account(db, network="mastodon", credentials={"access_token": "t"})
    no_token = account(db, network="bluesky", base_url="https://pds.example")
    for row, message in [(no_url, "base_url"), (no_token, "credentials lack 'app_password'")]:
        with pytest.raises(ConnectorError, match=message) as failure:
            publisher_for(row, settings=SETTINGS, sessions=sessionmaker())
        assert failure.value.permanent


def test_the_sandbox_publishes_once_per_key_deletes_and_reports_mentions(
    db: Session, factory: sessionmaker[Session]
) -> None:
    brand, customer = account(db), account(db)
    db.commit()
    ours = SandboxConnector(sessions=factory, account_id=brand.id, handle=brand.handle)
    theirs = SandboxConnector(sessions=factory, account_id=customer.id, handle=customer.handle)
    first = ours.publish("Abrimos a las 8", idempotency_key="k-1")
    assert ours.publish("Abrimos a las 8", idempotency_key="k-1") == first
    assert first.url == f"sandbox://{brand.handle}/{first.external_id}"
    question = theirs.publish(f"@{brand.handle} ¿y los domingos?", idempotency_key="c-1")
    theirs.publish("nothing for the brand here", idempotency_key="c-2")
    later = theirs.publish(f"gracias @{brand.handle}", idempotency_key="c-3")
    mentions = ours.read_mentions(None)
    assert [(m.external_id, m.author) for m in mentions] == [
        (question.external_id, customer.handle),
        (later.external_id, customer.handle),
    ]
    assert [m.external_id for m in ours.read_mentions(question.external_id)] == [later.external_id]
    ours.delete(first.external_id)
    db.expire_all()
    deleted = db.get(SandboxPost, int(first.external_id))
    assert deleted is not None and deleted.deleted_at is not None
    with pytest.raises(ConnectorError, match="no post"):
        ours.delete(question.external_id)  # not ours


def test_the_sandbox_reads_mentions_of_handles_written_with_an_at_sign(
    db: Session, factory: sessionmaker[Session]
) -> None:
    """Accounts are registered as ``@name``: a mention is written ``@name`` too, once."""
    brand = account(db, handle="@cafeterra.es")
    customer = account(db, handle="@ana.garcia")
    db.commit()
    ours = SandboxConnector(sessions=factory, account_id=brand.id, handle=brand.handle)
    theirs = SandboxConnector(sessions=factory, account_id=customer.id, handle=customer.handle)
    published = ours.publish("Abrimos a las 8", idempotency_key="at-1")
    assert published.url == f"sandbox://cafeterra.es/{published.external_id}"
    question = theirs.publish("@cafeterra.es ¿y los domingos?", idempotency_key="at-2")
    (mention,) = ours.read_mentions(None)
    assert (mention.external_id, mention.author) == (question.external_id, "@ana.garcia")
    assert mention.next_since == question.external_id
    assert ours.read_mentions(mention.next_since) == []


def test_the_sandbox_refuses_texts_over_its_length_limit_for_good(
    db: Session, factory: sessionmaker[Session]
) -> None:
    brand = account(db)
    db.commit()
    ours = SandboxConnector(sessions=factory, account_id=brand.id, handle=brand.handle)
    ours.publish("x" * MAX_CHARS, idempotency_key="long-1")
    # Links count 23 characters, as on the compose page (hashtags.posts.limits).
    linked = "x" * (MAX_CHARS - 24) + " https://cafeterra.es/" + "a" * 80
    ours.publish(linked, idempotency_key="link")
    with pytest.raises(ConnectorError, match=f"501 characters, more than the {MAX_CHARS}") as e:
        ours.publish("x" * (MAX_CHARS + 1), idempotency_key="long-2")
    assert e.value.permanent
    assert db.scalar(select(SandboxPost.id).where(SandboxPost.idempotency_key == "long-2")) is None
