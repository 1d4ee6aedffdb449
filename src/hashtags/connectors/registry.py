"""The connector for an account, by its network."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from hashtags.accounts.models import SocialAccount
from hashtags.connectors.base import ConnectorError, Publisher
from hashtags.connectors.credentials import get_credentials
from hashtags.connectors.sandbox import SandboxConnector
from hashtags.settings import Settings

NETWORKS = ("sandbox", "mastodon", "bluesky")


def _required(values: dict[str, str], name: str, account: SocialAccount) -> str:
    value = values.get(name)
    if not value:
        raise ConnectorError(
            "account %(account)s (%(network)s %(handle)s): credentials lack %(name)r; enter "
            "them in the account's settings",
            permanent=True,
            account=account.id,
            network=account.network,
            handle=account.handle,
            name=name,
        )
    return value


def publisher_for(
    account: SocialAccount,
    *,
    settings: Settings,
    sessions: sessionmaker[Session],
    sandbox_delay_seconds: float = 0.0,
) -> Publisher:
    """The Publisher for ``account``; a permanent ConnectorError if it cannot be built."""
    if account.network == "sandbox":
        return SandboxConnector(
            sessions=sessions,
            account_id=account.id,
            handle=account.handle,
            delay_seconds=sandbox_delay_seconds,
        )
    if account.network in ("mastodon", "bluesky") and not account.base_url:
        raise ConnectorError(
            "account %(account)s (%(network)s %(handle)s): base_url (the instance or PDS "
            "address) is not set",
            permanent=True,
            account=account.id,
            network=account.network,
            handle=account.handle,
        )
    # The network SDKs are imported when an account needs them: atproto alone takes seconds.
    if account.network == "mastodon":
        from hashtags.connectors.mastodon import MastodonConnector

        values = get_credentials(account, settings=settings)
        return MastodonConnector(
            base_url=str(account.base_url),
            access_token=_required(values, "access_token", account),
        )
    if account.network == "bluesky":
        from hashtags.connectors.bluesky import BlueskyConnector

        values = get_credentials(account, settings=settings)
        return BlueskyConnector(
            base_url=str(account.base_url),
            handle=account.handle,
            app_password=_required(values, "app_password", account),
        )
    raise ConnectorError(
        "account %(account)s: network %(network)r is not one of %(networks)s",
        permanent=True,
        account=account.id,
        network=account.network,
        networks=", ".join(NETWORKS),
    )
