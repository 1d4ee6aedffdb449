"""Connector credentials, encrypted at rest with Fernet (``settings.fernet_key``)."""

from __future__ import annotations

import json
from collections.abc import Mapping

from cryptography.fernet import Fernet, InvalidToken

from hashtags.accounts.models import SocialAccount
from hashtags.connectors.base import ConnectorError
from hashtags.settings import Settings


def set_credentials(
    account: SocialAccount, values: Mapping[str, str], *, settings: Settings
) -> None:
    """Store ``values`` (access token, app password...) encrypted on the account."""
    payload = json.dumps(dict(values), sort_keys=True).encode()
    account.credentials = Fernet(settings.fernet_key).encrypt(payload).decode()


def get_credentials(account: SocialAccount, *, settings: Settings) -> dict[str, str]:
    """The account's decrypted credentials; empty when none are stored."""
    if not account.credentials:
        return {}
    try:
        raw = Fernet(settings.fernet_key).decrypt(account.credentials.encode())
    except InvalidToken:
        raise ConnectorError(
            "account %(account)s (%(network)s %(handle)s): its credentials cannot be "
            "decrypted with the current HASHTAGS_ENCRYPTION_KEY / SECRET_KEY; enter them again",
            permanent=True,
            account=account.id,
            network=account.network,
            handle=account.handle,
        ) from None
    values = json.loads(raw)
    return {str(k): str(v) for k, v in values.items()}
