"""Social accounts: registering them, their encrypted credentials, and who may publish where.

Brand accounts belong to the company and are linked to the policy's ``accounts[].id``, whose
``publishers`` roles say who may publish there. Personal accounts belong to one employee, who
registers them (opt-in) and is the only one who may publish there.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hashtags.accounts.models import SocialAccount
from hashtags.audit.service import record
from hashtags.errors import Conflict, Forbidden, InvalidInput, NotFound
from hashtags.people.models import User
from hashtags.people.permissions import Permission
from hashtags.people.service import Actor
from hashtags.policy.schema import AccountPolicy, Policy
from hashtags.posts.models import PostTarget
from hashtags.settings import Settings

NETWORKS = ("sandbox", "mastodon", "bluesky")
KINDS = ("brand", "personal")
MAX_CREDENTIAL_CHARS = 4_000


# --- credentials ---------------------------------------------------------------------------


def encrypt_credentials(credentials: dict[str, str], *, settings: Settings) -> str:
    """Fernet-encrypted JSON of ``credentials`` (checked: names and values are short text)."""
    if not credentials:
        raise InvalidInput("credentials: give at least one value, or leave credentials out")
    for name, value in credentials.items():
        if not name.strip() or len(name) > 80:
            raise InvalidInput("credentials: each name must be 1 to 80 characters")
        if not value or len(value) > MAX_CREDENTIAL_CHARS:
            raise InvalidInput(
                "credentials.%(name)s: give a value of 1 to %(most)s characters",
                name=name,
                most=MAX_CREDENTIAL_CHARS,
            )
    payload = json.dumps(credentials, sort_keys=True).encode()
    return Fernet(settings.fernet_key).encrypt(payload).decode()


def account_credentials(account: SocialAccount, *, settings: Settings) -> dict[str, str]:
    """The account's decrypted credentials (for connectors only: never return them)."""
    if account.credentials is None:
        return {}
    try:
        data = Fernet(settings.fernet_key).decrypt(account.credentials.encode())
    except InvalidToken:
        raise Conflict(
            "account %(account)s: its credentials cannot be decrypted with the current key "
            "(HASHTAGS_ENCRYPTION_KEY changed?); enter them again",
            account=account.id,
        ) from None
    loaded: dict[str, str] = json.loads(data)
    return loaded


# --- reading -------------------------------------------------------------------------------


def get_account(
    session: Session, *, account_id: int, actor: Actor | None = None, mine: bool = False
) -> SocialAccount:
    """One account. With ``actor``: only one they may see (``mine``: their personal one);
    any other is "not found", as a missing one."""
    account = session.get(SocialAccount, account_id)
    if account is not None and actor is not None:
        own = account.kind == "personal" and account.owner_id == actor.user_id
        visible = (
            own if mine else own or account.kind == "brand" or actor.can(Permission.ACCOUNTS_MANAGE)
        )
        if not visible:
            account = None
    if account is None:
        raise NotFound("account %(account)s not found", account=account_id)
    return account


def list_accounts(session: Session, *, actor: Actor, mine: bool = False) -> list[SocialAccount]:
    """Brand accounts and the actor's own personal accounts; account managers see every one.

    ``mine``: only the actor's personal accounts.
    """
    query = select(SocialAccount).order_by(SocialAccount.id)
    if mine:
        query = query.where(SocialAccount.owner_id == actor.user_id)
    elif not actor.can(Permission.ACCOUNTS_MANAGE):
        query = query.where(
            (SocialAccount.kind == "brand") | (SocialAccount.owner_id == actor.user_id)
        )
    return list(session.execute(query).scalars())


def policy_account(policy: Policy, account: SocialAccount) -> AccountPolicy | None:
    """The policy's entry for a brand account (None for personal or unlinked accounts)."""
    if account.kind != "brand" or account.policy_id is None:
        return None
    return next((a for a in policy.accounts if a.id == account.policy_id), None)


def publish_refusal(policy: Policy, *, actor: Actor, account: SocialAccount) -> Forbidden | None:
    """Why ``actor`` may not publish on ``account`` (the error to raise), or None when they
    may."""
    if account.kind == "personal":
        if account.owner_id != actor.user_id:
            return Forbidden(
                "account %(account)s (%(handle)s) is someone else's personal account",
                account=account.id,
                handle=account.handle,
            )
        return None
    if not actor.can(Permission.POSTS_PUBLISH_BRAND):
        return Forbidden(
            "your role (%(role)s) may not publish on brand accounts such as %(handle)s: ask the "
            "communications team",
            role=actor.role.value,
            handle=account.handle,
        )
    entry = policy_account(policy, account)
    if entry is None:
        return Forbidden(
            "brand account %(handle)s is linked to no account of the policy (policy_id "
            "%(policy_id)r): an administrator must link it first",
            handle=account.handle,
            policy_id=account.policy_id,
        )
    if actor.role.value not in entry.publishers:
        return Forbidden(
            "the policy lets only %(publishers)s publish on %(handle)s "
            "(accounts.%(entry)s.publishers); your role is %(role)s",
            publishers=", ".join(entry.publishers),
            handle=account.handle,
            entry=entry.id,
            role=actor.role.value,
        )
    return None


def check_can_publish(policy: Policy, *, actor: Actor, account: SocialAccount) -> None:
    refusal = publish_refusal(policy, actor=actor, account=account)
    if refusal is not None:
        raise refusal


# --- changing ------------------------------------------------------------------------------


def _handle(handle: str) -> str:
    handle = handle.strip()
    if not handle or any(ch.isspace() for ch in handle):
        raise InvalidInput(
            "handle: %(handle)r is not a handle such as '@name@instance.social'", handle=handle
        )
    return handle if handle.startswith("@") else "@" + handle


def _base_url(network: str, base_url: str | None) -> str | None:
    if base_url is None or not base_url.strip():
        if network == "mastodon":
            raise InvalidInput("base_url: a Mastodon account needs its instance's address")
        return None
    url = base_url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or " " in url or len(url) < 10:
        raise InvalidInput(
            "base_url: %(url)r is not an address such as https://example.social", url=base_url
        )
    return url


def _policy_id(policy: Policy, *, kind: str, network: str, policy_id: str | None) -> str | None:
    if kind == "personal":
        if policy_id is not None:
            raise InvalidInput("policy_id: only brand accounts are linked to the policy")
        return None
    ids = [a.id for a in policy.accounts]
    if policy_id is None and not ids:
        raise InvalidInput(
            "policy_id: a brand account must name its entry in the policy's accounts (the "
            "policy lists none: add it there first)"
        )
    if policy_id is None:
        raise InvalidInput(
            "policy_id: a brand account must name its entry in the policy's accounts (%(ids)s)",
            ids=", ".join(ids),
        )
    entry = next((a for a in policy.accounts if a.id == policy_id), None)
    if entry is None and not ids:
        raise InvalidInput(
            "policy_id: %(policy_id)r is not in the policy's accounts (none)", policy_id=policy_id
        )
    if entry is None:
        raise InvalidInput(
            "policy_id: %(policy_id)r is not in the policy's accounts (%(ids)s)",
            policy_id=policy_id,
            ids=", ".join(ids),
        )
    # The sandbox is a rehearsal network: any of the policy's accounts may live there.
    if network not in (entry.network, "sandbox"):
        raise InvalidInput(
            "network: the policy's account %(policy_id)r is on %(network)s, not %(chosen)s",
            policy_id=policy_id,
            network=entry.network,
            chosen=network,
        )
    return policy_id


def _snapshot(account: SocialAccount) -> dict[str, Any]:
    return {
        "kind": account.kind,
        "network": account.network,
        "handle": account.handle,
        "base_url": account.base_url,
        "policy_id": account.policy_id,
        "owner_id": account.owner_id,
        "has_credentials": account.credentials is not None,
    }


def _check_unique(
    session: Session, *, network: str, handle: str, exclude: int | None = None
) -> None:
    query = select(SocialAccount.id).where(
        SocialAccount.network == network, func.lower(SocialAccount.handle) == handle.lower()
    )
    if exclude is not None:
        query = query.where(SocialAccount.id != exclude)
    if session.execute(query).first() is not None:
        raise Conflict(
            "handle: %(handle)s on %(network)s is already registered",
            handle=handle,
            network=network,
        )


def create_account(
    session: Session,
    *,
    actor: Actor,
    policy: Policy,
    settings: Settings,
    kind: str,
    network: str,
    handle: str,
    base_url: str | None = None,
    policy_id: str | None = None,
    owner_id: int | None = None,
    credentials: dict[str, str] | None = None,
) -> SocialAccount:
    """Register an account. Brand accounts and other people's accounts need
    ``accounts.manage``; anyone may register their own personal account."""
    if kind not in KINDS:
        raise InvalidInput(
            "kind: %(kind)r is not one of %(kinds)s", kind=kind, kinds=", ".join(KINDS)
        )
    if network not in NETWORKS:
        raise InvalidInput(
            "network: %(network)r is not one of %(networks)s",
            network=network,
            networks=", ".join(NETWORKS),
        )
    if kind == "brand":
        if not actor.can(Permission.ACCOUNTS_MANAGE):
            raise Forbidden("only account administrators register brand accounts")
        if owner_id is not None:
            raise InvalidInput("owner_id: brand accounts belong to the company, not a person")
    else:
        owner_id = actor.user_id if owner_id is None else owner_id
        if owner_id != actor.user_id and not actor.can(Permission.ACCOUNTS_MANAGE):
            raise Forbidden("you may register only your own personal accounts")
        if session.get(User, owner_id) is None:
            raise InvalidInput("owner_id: user %(user)s does not exist", user=owner_id)
    handle = _handle(handle)
    account = SocialAccount(
        kind=kind,
        network=network,
        handle=handle,
        base_url=_base_url(network, base_url),
        policy_id=_policy_id(policy, kind=kind, network=network, policy_id=policy_id),
        owner_id=owner_id,
        credentials=(
            encrypt_credentials(credentials, settings=settings) if credentials is not None else None
        ),
        frozen=False,
    )
    _check_unique(session, network=network, handle=handle)
    session.add(account)
    session.flush()
    record(
        session,
        actor=actor.email,
        action="account.create",
        target_type="social_account",
        target_id=account.id,
        after=_snapshot(account),
    )
    return account


def _check_can_change(actor: Actor, account: SocialAccount) -> None:
    if actor.can(Permission.ACCOUNTS_MANAGE):
        return
    if account.kind == "personal" and account.owner_id == actor.user_id:
        return
    raise Forbidden(
        "account %(account)s: only its owner or an account administrator may change it",
        account=account.id,
    )


def update_account(
    session: Session,
    *,
    actor: Actor,
    policy: Policy,
    settings: Settings,
    account_id: int,
    handle: str | None = None,
    base_url: str | None = None,
    policy_id: str | None = None,
    credentials: dict[str, str] | None = None,
    clear_credentials: bool = False,
) -> SocialAccount:
    """Change an account; ``None`` leaves a field as it is."""
    account = get_account(session, account_id=account_id)
    _check_can_change(actor, account)
    before = _snapshot(account)
    if handle is not None:
        new_handle = _handle(handle)
        _check_unique(session, network=account.network, handle=new_handle, exclude=account.id)
        account.handle = new_handle
    if base_url is not None:
        account.base_url = _base_url(account.network, base_url)
    if policy_id is not None:
        account.policy_id = _policy_id(
            policy, kind=account.kind, network=account.network, policy_id=policy_id
        )
    if credentials is not None and clear_credentials:
        raise InvalidInput("credentials: give new credentials or clear them, not both")
    if credentials is not None:
        account.credentials = encrypt_credentials(credentials, settings=settings)
    elif clear_credentials:
        account.credentials = None
    after = _snapshot(account)
    credentials_changed = credentials is not None or (
        clear_credentials and before["has_credentials"]
    )
    if after != before or credentials_changed:
        record(
            session,
            actor=actor.email,
            action="account.update",
            target_type="social_account",
            target_id=account.id,
            before=before,
            after={**after, "credentials_changed": credentials_changed},
        )
    return account


def delete_account(session: Session, *, actor: Actor, account_id: int) -> None:
    """Remove an account that no post targets (posts keep their history)."""
    account = get_account(session, account_id=account_id)
    _check_can_change(actor, account)
    used = session.execute(
        select(func.count()).select_from(PostTarget).where(PostTarget.account_id == account.id)
    ).scalar_one()
    if used:
        raise Conflict(
            "account %(account)s is a target of %(posts)s post(s): it stays for their history",
            account=account.id,
            posts=used,
        )
    before = _snapshot(account)
    session.delete(account)
    session.flush()
    record(
        session,
        actor=actor.email,
        action="account.delete",
        target_type="social_account",
        target_id=account_id,
        before=before,
    )
