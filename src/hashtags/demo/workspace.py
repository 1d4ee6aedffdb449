"""The demo workspace: Caféterra's people, brand accounts and posts, ready to click through.

``create_demo_workspace`` fills an empty (migrated) database with one person in every role,
the demo policy's brand accounts on the sandbox network, an employee's personal account, and
posts in every state whose stored reviews cover every finding category. Every row it writes
is recorded in the audit log, as any other change is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session

from hashtags.accounts.models import SocialAccount
from hashtags.audit.service import record
from hashtags.errors import Conflict
from hashtags.people.models import User
from hashtags.people.permissions import Role
from hashtags.people.service import create_user
from hashtags.policy.schema import Policy
from hashtags.posts.models import Post, PostStatus, PostTarget, TargetStatus
from hashtags.review.engine import Engine
from hashtags.review.types import Context
from hashtags.storage.db import utcnow

DEMO_ACTOR = "demo"
"""The audit log's actor for what the demo set-up writes."""


@dataclass(frozen=True, slots=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    team: str
    language: str = "es"


DEMO_PEOPLE = (
    DemoPerson("admin@cafeterra.es", "Ana Ruiz", Role.ADMIN, "Sistemas"),
    DemoPerson("compliance@cafeterra.es", "Jorge Navarro", Role.COMPLIANCE, "Legal"),
    DemoPerson("marta.gil@cafeterra.es", "Marta Gil", Role.CRISIS_RESPONSE, "Comunicación"),
    DemoPerson("soporte@cafeterra.es", "Sara Vidal", Role.CUSTOMER_SERVICE, "Atención al cliente"),
    DemoPerson("lucia.ortega@cafeterra.es", "Lucía Ortega", Role.PR, "Comunicación"),
    DemoPerson("social@cafeterra.es", "Pablo Sanz", Role.SOCIAL_ENGAGEMENT, "Comunicación", "en"),
    DemoPerson("empleado@cafeterra.es", "Diego Martín", Role.EMPLOYEE, "Tiendas"),
)
"""One person in every role; where the demo policy names someone for a role, it is them."""

PERSONAL_HANDLE = "@diego.martin"


@dataclass(frozen=True, slots=True)
class DemoPost:
    text_id: int | None
    """The line of ``demo/posts.jsonl`` whose text this post uses (None: ``text`` below)."""
    author: Role
    status: PostStatus
    accounts: tuple[str, ...]
    """Policy account ids (brand) or ``personal``."""
    text: str | None = None
    reason: str | None = None


_BRAND = ("cafeterra-mastodon", "cafeterra-bluesky")
DEMO_POSTS = (
    DemoPost(1, Role.SOCIAL_ENGAGEMENT, PostStatus.PUBLISHED, _BRAND),
    DemoPost(13, Role.CUSTOMER_SERVICE, PostStatus.PUBLISHED, ("cafeterra-mastodon",)),
    DemoPost(2, Role.SOCIAL_ENGAGEMENT, PostStatus.SCHEDULED, _BRAND),
    DemoPost(
        None,
        Role.PR,
        PostStatus.APPROVED,
        ("cafeterra-bluesky",),
        text="Las ofertas de Black Friday llegan el viernes a todas nuestras tiendas ☕",
        reason="Approved: the campaign starts on Friday as planned.",
    ),
    DemoPost(10, Role.SOCIAL_ENGAGEMENT, PostStatus.IN_REVIEW, ("cafeterra-bluesky",)),
    DemoPost(6, Role.EMPLOYEE, PostStatus.IN_REVIEW, ("personal",)),
    DemoPost(
        4,
        Role.CUSTOMER_SERVICE,
        PostStatus.CHANGES_REQUESTED,
        ("cafeterra-mastodon",),
        reason="Move the customer's phone and e-mail to a private message.",
    ),
    DemoPost(
        5,
        Role.SOCIAL_ENGAGEMENT,
        PostStatus.REJECTED,
        ("cafeterra-mastodon",),
        reason="We never speak about competitors like this.",
    ),
    DemoPost(
        14,
        Role.CUSTOMER_SERVICE,
        PostStatus.REJECTED,
        ("cafeterra-mastodon",),
        reason="Insults are never acceptable, even with trolls.",
    ),
    DemoPost(3, Role.PR, PostStatus.DRAFT, _BRAND),
    DemoPost(9, Role.SOCIAL_ENGAGEMENT, PostStatus.DRAFT, ("cafeterra-mastodon",)),
    DemoPost(8, Role.CUSTOMER_SERVICE, PostStatus.DRAFT, ("cafeterra-mastodon",)),
    DemoPost(12, Role.EMPLOYEE, PostStatus.DRAFT, ("personal",)),
    DemoPost(
        11,
        Role.EMPLOYEE,
        PostStatus.FAILED,
        ("personal",),
        reason="sandbox: the network did not answer (demo)",
    ),
    DemoPost(7, Role.EMPLOYEE, PostStatus.ARCHIVED, ("personal",)),
)
"""Every post state; together their reviews have findings in every category."""


@dataclass
class DemoWorkspace:
    """What was created: the sign-ins (without passwords) and the counts."""

    people: list[DemoPerson]
    accounts: list[str]
    posts: dict[str, int] = field(default_factory=dict)
    """Posts per status."""
    categories: list[str] = field(default_factory=list)
    """Finding categories present in the stored reviews."""


def demo_exists(session: Session) -> bool:
    """Whether the demo's first person is already in the database."""
    email = DEMO_PEOPLE[0].email
    return session.execute(select(User.id).where(User.email == email)).first() is not None


def _demo_texts() -> dict[int, str]:
    lines = (resources.files("hashtags.demo") / "posts.jsonl").read_text("utf-8").splitlines()
    return {int(item["id"]): str(item["text"]) for item in map(json.loads, lines)}


def create_demo_workspace(
    session: Session, *, password: str, policy: Policy, min_password_length: int = 12
) -> DemoWorkspace:
    """Fill ``session``'s database with the demo workspace (in the caller's transaction).

    Raises ``Conflict`` when the demo is already there, ``InvalidInput`` for a weak password.
    """
    if demo_exists(session):
        raise Conflict(
            f"the demo workspace is already in this database ({DEMO_PEOPLE[0].email} exists)"
        )
    users: dict[Role, User] = {}
    for person in DEMO_PEOPLE:
        users[person.role] = create_user(
            session,
            email=person.email,
            name=person.name,
            role=person.role,
            password=password,
            actor=DEMO_ACTOR,
            team=person.team,
            language=person.language,
            min_length=min_password_length,
        )

    accounts: dict[str, SocialAccount] = {}
    for policy_account in policy.accounts:
        # The demo publishes nowhere real: the policy's accounts live on the sandbox network.
        accounts[policy_account.id] = _account(
            session, policy_id=policy_account.id, kind="brand", handle=policy_account.handle
        )
    accounts["personal"] = _account(
        session,
        policy_id=None,
        kind="personal",
        handle=PERSONAL_HANDLE,
        owner_id=users[Role.EMPLOYEE].id,
    )

    engine = Engine(policy)
    texts = _demo_texts()
    workspace = DemoWorkspace(
        people=list(DEMO_PEOPLE), accounts=[a.handle for a in accounts.values()]
    )
    categories: set[str] = set()
    for spec in DEMO_POSTS:
        text = spec.text if spec.text is not None else texts[spec.text_id or 0]
        targets = [accounts[key] for key in spec.accounts if key in accounts]
        post = _post(
            session,
            spec=spec,
            text=text,
            author=users[spec.author],
            targets=targets,
            engine=engine,
            deciders=users,
        )
        workspace.posts[post.status] = workspace.posts.get(post.status, 0) + 1
        categories.update(f["category"] for f in post.review["findings"])
    workspace.categories = sorted(categories)
    return workspace


def _account(
    session: Session, *, policy_id: str | None, kind: str, handle: str, owner_id: int | None = None
) -> SocialAccount:
    account = SocialAccount(
        policy_id=policy_id, kind=kind, network="sandbox", handle=handle, owner_id=owner_id
    )
    session.add(account)
    session.flush()
    record(
        session,
        actor=DEMO_ACTOR,
        action="account.create",
        target_type="social_account",
        target_id=account.id,
        after={"policy_id": policy_id, "kind": kind, "network": "sandbox", "handle": handle},
    )
    return account


_DECIDER = {
    PostStatus.APPROVED: Role.PR,
    PostStatus.CHANGES_REQUESTED: Role.COMPLIANCE,
    PostStatus.REJECTED: Role.COMPLIANCE,
}


def _post(
    session: Session,
    *,
    spec: DemoPost,
    text: str,
    author: User,
    targets: list[SocialAccount],
    engine: Engine,
    deciders: dict[Role, User],
) -> Post:
    kind = "personal" if spec.accounts == ("personal",) else "brand"
    review = engine.review(text, Context(account=kind, author=author.role))  # type: ignore[arg-type]
    now = utcnow()
    post = Post(
        author_id=author.id,
        text=text,
        lang=review.language,
        status=PostStatus.DRAFT.value,
        verdict=str(review.verdict),
        review=review.to_dict(),
        policy_version=review.policy_version,
    )
    session.add(post)
    session.flush()
    record(
        session,
        actor=author.email,
        action="post.create",
        target_type="post",
        target_id=post.id,
        after={"status": post.status, "verdict": post.verdict, "accounts": [a.id for a in targets]},
    )
    target_status = TargetStatus.PENDING
    if spec.status is PostStatus.SCHEDULED:
        post.scheduled_at = now + timedelta(days=1)
        target_status = TargetStatus.QUEUED
    elif spec.status is PostStatus.PUBLISHED:
        target_status = TargetStatus.PUBLISHED
    elif spec.status is PostStatus.FAILED:
        target_status = TargetStatus.FAILED
    for account in targets:
        target = PostTarget(account_id=account.id, status=target_status.value)
        if target_status is TargetStatus.PUBLISHED:
            target.external_id = f"sandbox-{post.id}-{account.id}"
            target.external_url = f"sandbox://{account.handle.lstrip('@')}/{post.id}"
            target.published_at = now
        elif target_status is TargetStatus.FAILED:
            target.error = spec.reason
        post.targets.append(target)
    if spec.status is not PostStatus.DRAFT:
        decider_role = _DECIDER.get(spec.status)
        decider = deciders[decider_role] if decider_role is not None else author
        post.status = spec.status.value
        record(
            session,
            actor=decider.email,
            action=f"post.{spec.status.value}",
            target_type="post",
            target_id=post.id,
            before={"status": PostStatus.DRAFT.value},
            after={"status": post.status, "version": post.version},
            reason=spec.reason,
        )
    session.flush()
    return post
