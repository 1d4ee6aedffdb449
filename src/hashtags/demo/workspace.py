"""The demo workspace: Caféterra's people, brand accounts and posts, ready to click through.

``create_demo_workspace`` fills an empty (migrated) database with one person in every role,
the demo policy's brand accounts on the sandbox network, an employee's personal account, and
posts in every state, reached the way people reach them: each post is written, reviewed,
submitted, approved, sent back or rejected through the posts and approvals services, and the
posts due now go through the publishing outbox once, against the sandbox. So the in-review
posts wait in the approvers' queues, the published ones are on the sandbox network, the one
that failed says why, and every step is in the audit log. Together the stored reviews have
findings in every category.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from hashtags.accounts import service as accounts_service
from hashtags.accounts.models import SocialAccount
from hashtags.approvals import service as approvals
from hashtags.approvals.models import ApprovalRequest, RequestStatus
from hashtags.connectors.base import ConnectorError, Publisher
from hashtags.connectors.sandbox import SandboxConnector
from hashtags.errors import Conflict
from hashtags.people.models import User
from hashtags.people.permissions import Role
from hashtags.people.service import Actor, create_user
from hashtags.policy.schema import Policy
from hashtags.posts import service as posts
from hashtags.posts.models import Post
from hashtags.publishing import service as publishing
from hashtags.publishing.models import Job
from hashtags.review.engine import Engine
from hashtags.settings import Settings
from hashtags.storage.db import utcnow

DEMO_ACTOR = "demo"
"""The audit log's actor for what the demo set-up writes on nobody's behalf."""
DEMO_WORKER = "demo-setup"
"""The worker id under which the demo runs the outbox once."""


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


class DemoState(StrEnum):
    """Where a demo post is left, and so which steps it goes through."""

    DRAFT = "draft"
    """Written and reviewed, never submitted."""
    BLOCKED = "blocked"
    """A draft whose review blocks it: it cannot be submitted until the text is fixed."""
    IN_REVIEW = "in_review"
    """Submitted: an open approval request waits in the approvers' queues."""
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    APPROVED = "approved"
    """Approved, with no publication time chosen yet."""
    SCHEDULED = "scheduled"
    """Approved and queued in the outbox for tomorrow."""
    PUBLISHED = "published"
    """Published on the sandbox by the outbox, then archived with its review."""
    FAILED = "failed"
    """The sandbox refused it: the target and the job say why."""
    WITHDRAWN = "withdrawn"
    """Archived by its author before it was submitted."""


@dataclass(frozen=True, slots=True)
class DemoPost:
    text_id: int | None
    """The line of ``demo/posts.jsonl`` whose text this post uses (None: ``text`` below)."""
    author: Role
    state: DemoState
    accounts: tuple[str, ...]
    """Policy account ids (brand) or ``personal``."""
    text: str | None = None
    decider: Role | None = None
    """Who approves, requests changes or rejects it (for states past a decision)."""
    comment: str | None = None
    """The decider's comment."""


_BRAND = ("cafeterra-mastodon", "cafeterra-bluesky")
_MASTODON = ("cafeterra-mastodon",)
_BLUESKY = ("cafeterra-bluesky",)
_PERSONAL = ("personal",)
_ANNIVERSARY = (
    "Hoy se cumplen diez años desde que preparé mi primer espresso detrás de una barra. He "
    "aprendido que la paciencia es el ingrediente que más se nota: moler justo antes, pesar "
    "cada dosis, escuchar la máquina y mirar cómo cae el café. He tenido compañeros que me "
    "enseñaron a hacer corazones con la leche y clientes que vienen cada mañana desde hace "
    "años y ya son amigos. Gracias a todos los que me habéis acompañado en este camino, a los "
    "que madrugáis conmigo y a los que me habéis tenido paciencia los días de prisa. Prometo "
    "seguir aprendiendo otros diez años más."
)
"""561 characters: more than the sandbox (like a Mastodon instance) accepts."""

DEMO_POSTS = (
    DemoPost(
        1,
        Role.SOCIAL_ENGAGEMENT,
        DemoState.PUBLISHED,
        _BRAND,
        decider=Role.COMPLIANCE,
        comment="Clear to go: the launch was announced yesterday.",
    ),
    DemoPost(13, Role.CUSTOMER_SERVICE, DemoState.PUBLISHED, _MASTODON),
    DemoPost(
        2,
        Role.SOCIAL_ENGAGEMENT,
        DemoState.SCHEDULED,
        _BRAND,
        decider=Role.PR,
        comment="Good for tomorrow morning.",
    ),
    DemoPost(
        None,
        Role.PR,
        DemoState.APPROVED,
        _BLUESKY,
        text="Las ofertas de Black Friday llegan el viernes a todas nuestras tiendas ☕",
        decider=Role.COMPLIANCE,
        comment="Approved: the campaign starts on Friday as planned.",
    ),
    DemoPost(10, Role.SOCIAL_ENGAGEMENT, DemoState.IN_REVIEW, _BLUESKY),
    DemoPost(6, Role.EMPLOYEE, DemoState.IN_REVIEW, _PERSONAL),
    DemoPost(
        7,
        Role.EMPLOYEE,
        DemoState.CHANGES_REQUESTED,
        _PERSONAL,
        decider=Role.COMPLIANCE,
        comment="The closure is not announced yet, and this reads as the company's voice: "
        "wait for the announcement and say these are your own views.",
    ),
    DemoPost(
        None,
        Role.SOCIAL_ENGAGEMENT,
        DemoState.REJECTED,
        _BLUESKY,
        text="Nuestro café verde cura el insomnio y previene la diabetes. ¡Garantizado!",
        decider=Role.COMPLIANCE,
        comment="We never make health claims, whatever the wording.",
    ),
    DemoPost(
        None,
        Role.SOCIAL_ENGAGEMENT,
        DemoState.DRAFT,
        _MASTODON,
        text="Este sábado hay cata de cafés de origen en la tienda de Gran Vía, de 11 a 13 h. "
        "¡Te esperamos!",
    ),
    DemoPost(3, Role.PR, DemoState.BLOCKED, _BRAND),
    DemoPost(4, Role.CUSTOMER_SERVICE, DemoState.BLOCKED, _MASTODON),
    DemoPost(5, Role.SOCIAL_ENGAGEMENT, DemoState.BLOCKED, _MASTODON),
    DemoPost(8, Role.CUSTOMER_SERVICE, DemoState.BLOCKED, _MASTODON),
    DemoPost(9, Role.SOCIAL_ENGAGEMENT, DemoState.BLOCKED, _MASTODON),
    DemoPost(14, Role.CUSTOMER_SERVICE, DemoState.BLOCKED, _MASTODON),
    DemoPost(12, Role.EMPLOYEE, DemoState.BLOCKED, _PERSONAL),
    DemoPost(None, Role.EMPLOYEE, DemoState.FAILED, _PERSONAL, text=_ANNIVERSARY),
    DemoPost(11, Role.EMPLOYEE, DemoState.WITHDRAWN, _PERSONAL),
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
    pending_approvals: int = 0
    """Open approval requests (in the approvers' queues)."""
    published: int = 0
    """Publications on the sandbox network."""


def demo_exists(session: Session) -> bool:
    """Whether the demo's first person is already in the database."""
    email = DEMO_PEOPLE[0].email
    return session.execute(select(User.id).where(User.email == email)).first() is not None


def _demo_texts() -> dict[int, str]:
    lines = (resources.files("hashtags.demo") / "posts.jsonl").read_text("utf-8").splitlines()
    return {int(item["id"]): str(item["text"]) for item in map(json.loads, lines)}


def create_demo_workspace(
    session: Session,
    *,
    password: str,
    policy: Policy,
    min_password_length: int = 12,
    settings: Settings | None = None,
) -> DemoWorkspace:
    """Fill ``session``'s database with the demo workspace (in the caller's transaction).

    Raises ``Conflict`` when the demo is already there, ``InvalidInput`` for a weak password.
    ``settings`` (default: from the environment) only encrypt connector credentials, of which
    the demo has none.
    """
    if demo_exists(session):
        raise Conflict(
            "the demo workspace is already in this database (%(email)s exists)",
            email=DEMO_PEOPLE[0].email,
        )
    settings = settings or Settings()
    actors: dict[Role, Actor] = {}
    for person in DEMO_PEOPLE:
        user = create_user(
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
        actors[person.role] = Actor(user.id, user.email, person.role, "session")

    accounts: dict[str, SocialAccount] = {}
    for policy_account in policy.accounts:
        # The demo publishes nowhere real: the policy's accounts live on the sandbox network.
        accounts[policy_account.id] = accounts_service.create_account(
            session,
            actor=actors[Role.ADMIN],
            policy=policy,
            settings=settings,
            kind="brand",
            network="sandbox",
            handle=policy_account.handle,
            policy_id=policy_account.id,
        )
    accounts["personal"] = accounts_service.create_account(
        session,
        actor=actors[Role.EMPLOYEE],
        policy=policy,
        settings=settings,
        kind="personal",
        network="sandbox",
        handle=PERSONAL_HANDLE,
    )

    engine = Engine(policy)
    texts = _demo_texts()
    tomorrow = (utcnow() + timedelta(days=1)).replace(hour=8, minute=0, second=0, microsecond=0)
    written: list[tuple[Post, DemoState]] = []
    for spec in DEMO_POSTS:
        post = _post(
            session,
            spec=spec,
            text=spec.text if spec.text is not None else texts[spec.text_id or 0],
            engine=engine,
            actors=actors,
            account_ids=[accounts[key].id for key in spec.accounts],
            tomorrow=tomorrow,
        )
        written.append((post, spec.state))
    session.flush()
    _run_outbox_once(session)
    _spread_over_weeks(session, [post for post, state in written if state in SETTLED])

    workspace = DemoWorkspace(
        people=list(DEMO_PEOPLE), accounts=[a.handle for a in accounts.values()]
    )
    for post in session.execute(select(Post).order_by(Post.id)).scalars():
        workspace.posts[post.status] = workspace.posts.get(post.status, 0) + 1
        workspace.categories.extend(f["category"] for f in post.review["findings"])
        workspace.published += sum(1 for t in post.targets if t.external_id)
    workspace.categories = sorted(set(workspace.categories))
    workspace.pending_approvals = len(
        session.execute(
            select(ApprovalRequest.id).where(ApprovalRequest.status == RequestStatus.PENDING.value)
        ).all()
    )
    return workspace


def _post(
    session: Session,
    *,
    spec: DemoPost,
    text: str,
    engine: Engine,
    actors: dict[Role, Actor],
    account_ids: list[int],
    tomorrow: datetime,
) -> Post:
    """Write the post as its author would, then take it through the steps of its state."""
    author = actors[spec.author]
    post = posts.create_post(
        session, actor=author, engine=engine, text=text, account_ids=account_ids
    )
    state = spec.state
    if state in (DemoState.DRAFT, DemoState.BLOCKED):
        return post
    if state is DemoState.WITHDRAWN:
        return posts.archive_post(session, actor=author, post_id=post.id)
    posts.submit_post(
        session,
        actor=author,
        engine=engine,
        post_id=post.id,
        scheduled_at=tomorrow if state is DemoState.SCHEDULED else None,
    )
    if spec.decider is not None:
        request = approvals.requests_for(session, post_id=post.id)[-1]
        decision = {
            DemoState.CHANGES_REQUESTED: "request_changes",
            DemoState.REJECTED: "reject",
        }.get(state, "approve")
        approvals.decide(
            session,
            actor=actors[spec.decider],
            request_id=request.id,
            decision=decision,
            comment=spec.comment,
        )
    if state in (DemoState.PUBLISHED, DemoState.FAILED):
        # "Publish now": queued in the outbox, due at once; the outbox run below sends it.
        posts.schedule_post(session, actor=author, engine=engine, post_id=post.id)
    return post


SETTLED = frozenset(
    {DemoState.PUBLISHED, DemoState.REJECTED, DemoState.WITHDRAWN, DemoState.BLOCKED}
)
"""Posts whose story is over: dated over the last weeks so that the charts show a history."""
SPREAD_DAYS = 56


def _spread_over_weeks(session: Session, settled: list[Post]) -> None:
    """Move the settled posts back in time, spread over the last :data:`SPREAD_DAYS` days (the
    first written the oldest): their own times, their targets', approval requests' and
    decisions', and their outbox jobs', all by the same amount, so each post's story still
    reads in order. The posts waiting for someone stay at today. The audit log is left as
    it is: it records, truthfully, when the demo was created."""
    jobs = session.execute(select(Job)).scalars().all()
    for i, post in enumerate(settled):
        shift = timedelta(days=round(SPREAD_DAYS * (len(settled) - i) / len(settled)))
        post.created_at -= shift
        post.updated_at -= shift
        for target in post.targets:
            if target.published_at is not None:
                target.published_at -= shift
        for request in session.execute(
            select(ApprovalRequest).where(ApprovalRequest.post_id == post.id)
        ).scalars():
            request.created_at -= shift
            request.due_at -= shift
            for name in ("escalated_at", "decided_at"):
                if getattr(request, name) is not None:
                    setattr(request, name, getattr(request, name) - shift)
            for decision in request.decisions:
                decision.created_at -= shift
        for job in jobs:
            if job.payload.get("post_id") == post.id:
                job.created_at -= shift
                job.updated_at -= shift
                job.next_attempt_at -= shift
                if job.finished_at is not None:
                    job.finished_at -= shift
    session.flush()


def _run_outbox_once(session: Session) -> None:
    """Process the jobs due now, as ``hashtags worker`` would, inside the caller's transaction.

    The sessions the outbox opens (and the sandbox network's own) are savepoints on this
    session's connection, so the whole demo still commits or rolls back as one.
    """
    sessions = sessionmaker(
        bind=session.connection(),
        expire_on_commit=False,
        join_transaction_mode="create_savepoint",
    )

    def sandbox(account: SocialAccount) -> Publisher:
        if account.network != "sandbox":  # pragma: no cover - the demo's accounts are sandbox
            raise ConnectorError(
                "the demo publishes only on the sandbox, not %(network)s",
                network=account.network,
            )
        return SandboxConnector(sessions=sessions, account_id=account.id, handle=account.handle)

    with sessions() as claiming, claiming.begin():
        due = publishing.claim_jobs(claiming, worker_id=DEMO_WORKER, limit=100, lease_seconds=300.0)
    # One post fails on purpose; the demo's output says so, the log need not warn about it.
    outbox_log = logging.getLogger(publishing.__name__)
    level = outbox_log.level
    outbox_log.setLevel(logging.ERROR)
    try:
        for job_id in due:
            publishing.process_job(
                sessions, job_id=job_id, worker_id=DEMO_WORKER, publisher_for=sandbox
            )
    finally:
        outbox_log.setLevel(level)
    session.expire_all()  # the outbox changed posts, targets and the audit head meanwhile
