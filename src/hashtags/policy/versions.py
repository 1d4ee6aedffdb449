"""Policy versions saved from the web app's editor: saving, history, diffs, the source in force.

Versions are only ever added. The newest one is the policy the service enforces (see
:mod:`hashtags.policy.active`); with none saved, the file at ``HASHTAGS_POLICY_PATH`` (or the
demo policy) is. A version is saved only if it loads (``parse_policy``) and compiles (``Engine``),
so the service never meets a policy it cannot enforce; each save is audited with the version
numbers and SHA-256 of the text before and after.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Literal

import yaml
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer

from hashtags.audit.service import record
from hashtags.errors import Conflict, Count, InvalidInput, Listing, NotFound, Translatable
from hashtags.policy import PolicyError, Problem, parse_policy
from hashtags.policy.loader import locate, read_source
from hashtags.policy.models import PolicyVersion
from hashtags.policy.schema import Policy
from hashtags.settings import Settings

if TYPE_CHECKING:
    from hashtags.accounts.models import SocialAccount
    from hashtags.people.service import Actor
    from hashtags.posts.models import Post
    from hashtags.review.engine import Engine
    from hashtags.review.types import Context

MAX_SOURCE_CHARS = 200_000
"""A policy is a few hundred lines; anything this long is a mistake (or an attack)."""
MAX_COMMENT_CHARS = 500
EDITOR_SOURCE = "policy.yaml"
"""How an edited text is named in error messages (``policy.yaml:12: ...``)."""


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the source in force -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PolicySource:
    """A policy's YAML text and where it comes from."""

    text: str
    number: int | None
    """The saved version's number; None for the file or the demo policy."""
    origin: str
    """``version`` (saved from the web app), ``file`` (``HASHTAGS_POLICY_PATH``) or ``demo``."""
    name: str
    """What error messages call it: ``policy version 3``, the file's path, ``demo/policy.yaml``."""
    sha256: str


def base_source(settings: Settings) -> PolicySource:
    """The policy enforced while no version has been saved: the configured file, or the demo."""
    if settings.policy_path is not None:
        text = read_source(settings.policy_path)
        return PolicySource(text, None, "file", str(settings.policy_path), sha256_of(text))
    text = (resources.files("hashtags.demo") / "policy.yaml").read_text("utf-8")
    return PolicySource(text, None, "demo", "demo/policy.yaml", sha256_of(text))


def version_source(version: PolicyVersion) -> PolicySource:
    return PolicySource(
        version.source,
        version.number,
        "version",
        f"policy version {version.number}",
        version.sha256,
    )


def newest_number(session: Session) -> int | None:
    """The number of the newest saved version (None when there is none): one indexed read."""
    number: int | None = session.execute(select(func.max(PolicyVersion.number))).scalar_one()
    return number


def newest_version(session: Session) -> PolicyVersion | None:
    return (
        session.execute(select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1))
        .scalars()
        .first()
    )


def current_source(session: Session, *, settings: Settings) -> PolicySource:
    """The source of the policy in force: the newest version, else the file, else the demo."""
    newest = newest_version(session)
    return version_source(newest) if newest is not None else base_source(settings)


# --- validating and saving -----------------------------------------------------------------


class InvalidPolicy(InvalidInput):
    """A policy text that cannot be saved, with every problem found (each at its line)."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__(
            "the policy cannot be used as it is:\n%(problems)s", problems=Listing(self.problems)
        )


@dataclass(frozen=True, slots=True)
class Checked:
    """A policy text that loads and compiles."""

    policy: Policy
    engine: Engine
    warnings: list[Problem] = field(default_factory=list)
    """Not errors, but worth a look before saving (e.g. ``version:`` left unchanged)."""


def check_source(text: str, *, in_force: Policy | None = None) -> Checked:
    """Load and compile ``text`` as a policy; :class:`InvalidPolicy` lists every problem.

    ``in_force``: the policy it would replace, for warnings about what a reader may miss.
    """
    from hashtags.review.engine import Engine

    if len(text) > MAX_SOURCE_CHARS:
        raise InvalidPolicy(
            [
                Problem(
                    EDITOR_SOURCE,
                    None,
                    "",
                    "the text is %(length)s characters long; a policy may have at most %(most)s",
                    {"length": Count(len(text)), "most": Count(MAX_SOURCE_CHARS)},
                )
            ]
        )
    try:
        policy = parse_policy(text, source=EDITOR_SOURCE)
        engine = Engine(policy)
    except PolicyError as exc:
        raise InvalidPolicy(exc.problems) from None
    except ValueError as exc:  # a rule that loads but does not compile
        said = (exc.message, exc.params) if isinstance(exc, Translatable) else (str(exc), {})
        raise InvalidPolicy([Problem(EDITOR_SOURCE, None, "", *said)]) from None
    warnings = []
    if in_force is not None and policy.version == in_force.version:
        warnings.append(
            Problem(
                EDITOR_SOURCE,
                _line_of(text, ["version"]),
                "version",
                "unchanged (%(version)r): reviews are stored with this version, so "
                "raise it to tell the reviews of the new text from the old",
                {"version": policy.version},
            )
        )
    return Checked(policy, engine, warnings)


def _line_of(text: str, key: list[str | int]) -> int | None:
    """The line of ``key`` in a text that is known to load."""
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    return locate(node, key) if node is not None and key[0] in _top_keys(node) else None


def _top_keys(node: yaml.Node) -> set[str]:
    if not isinstance(node, yaml.MappingNode):
        return set()
    return {str(key.value) for key, _ in node.value}


def save_version(
    session: Session,
    *,
    actor: Actor,
    source: str,
    comment: str,
    settings: Settings,
    base: int | None,
) -> PolicyVersion:
    """Save ``source`` as the next version, the one the service enforces from now on.

    ``base`` is the version the text was edited from (None: the file or demo policy, no version
    saved yet). If someone saved another version meanwhile, the save is refused rather than
    silently undoing their change. Audited as ``policy.save``.
    """
    comment = comment.strip()
    if not comment:
        raise InvalidInput("comment: say what changes and why (it is shown in the history)")
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput("comment: at most %(most)s characters", most=MAX_COMMENT_CHARS)
    check_source(source)
    newest = newest_version(session)
    newest_number_ = newest.number if newest is not None else None
    if newest_number_ != base:
        _refuse_stale(newest, base)
    before = version_source(newest) if newest is not None else base_source(settings)
    digest = sha256_of(source)
    if digest == before.sha256:
        raise InvalidInput("source: nothing changed; this text is the policy in force")
    version = PolicyVersion(
        number=(newest_number_ or 0) + 1,
        source=source,
        sha256=digest,
        author=actor.email,
        comment=comment,
    )
    try:
        with session.begin_nested():
            session.add(version)
            session.flush()
    except IntegrityError:
        raise Conflict(
            "another version was saved at the same moment: reload the editor and try again"
        ) from None
    record(
        session,
        actor=actor.email,
        action="policy.save",
        target_type="policy_version",
        target_id=version.number,
        before={"version": before.number, "origin": before.origin, "sha256": before.sha256},
        after={"version": version.number, "origin": "version", "sha256": digest},
        reason=comment,
    )
    return version


def _refuse_stale(newest: PolicyVersion | None, base: int | None) -> None:
    """Someone saved a version since the editor was opened (from ``base``)."""
    if newest is None:  # versions were removed meanwhile (by hand)
        raise Conflict(
            "versions changed while you were editing version %(base)s: reload the editor and "
            "make your change again on top of theirs",
            base=base,
        )
    if base is None:
        raise Conflict(
            "%(author)s saved version %(number)s while you were editing the file: reload the "
            "editor and make your change again on top of theirs",
            author=newest.author,
            number=newest.number,
        )
    raise Conflict(
        "%(author)s saved version %(number)s while you were editing version %(base)s: reload "
        "the editor and make your change again on top of theirs",
        author=newest.author,
        number=newest.number,
        base=base,
    )


# --- reading -------------------------------------------------------------------------------


def list_versions(session: Session, *, limit: int = 200) -> list[PolicyVersion]:
    """Saved versions, newest first (without their sources, which may be long)."""
    query = (
        select(PolicyVersion)
        .options(defer(PolicyVersion.source))
        .order_by(PolicyVersion.number.desc())
        .limit(limit)
    )
    return list(session.execute(query).scalars())


def get_version(session: Session, *, number: int) -> PolicyVersion:
    version = (
        session.execute(select(PolicyVersion).where(PolicyVersion.number == number))
        .scalars()
        .first()
    )
    if version is None:
        raise NotFound("policy version %(number)s not found", number=number)
    return version


def previous_source(session: Session, *, number: int, settings: Settings) -> PolicySource:
    """What version ``number`` replaced: the version before it, else the file or demo policy."""
    previous = (
        session.execute(
            select(PolicyVersion)
            .where(PolicyVersion.number < number)
            .order_by(PolicyVersion.number.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
    return version_source(previous) if previous is not None else base_source(settings)


# --- differences ---------------------------------------------------------------------------

LineKind = Literal["same", "removed", "added"]


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: LineKind
    old: int | None
    """Line number in the old text (None for an added line)."""
    new: int | None
    """Line number in the new text (None for a removed line)."""
    text: str


@dataclass(frozen=True, slots=True)
class Diff:
    old_name: str
    new_name: str
    hunks: list[list[DiffLine]]
    """Groups of changed lines with ``context`` unchanged lines around them."""
    added: int
    removed: int

    @property
    def unchanged(self) -> bool:
        return not self.hunks

    def unified(self) -> str:
        """The same difference as ``diff -u`` text."""
        lines = [f"--- {self.old_name}\n", f"+++ {self.new_name}\n"]
        sign = {"same": " ", "removed": "-", "added": "+"}
        for hunk in self.hunks:
            old = [line.old for line in hunk if line.old is not None]
            new = [line.new for line in hunk if line.new is not None]
            lines.append(
                f"@@ -{old[0] if old else 0},{len(old)} +{new[0] if new else 0},{len(new)} @@\n"
            )
            lines.extend(f"{sign[line.kind]}{line.text}\n" for line in hunk)
        return "".join(lines)


def diff(
    old: str, new: str, *, old_name: str = "old", new_name: str = "new", context: int = 3
) -> Diff:
    """Line by line difference of two policy texts (difflib), with line numbers on both sides."""
    a, b = old.splitlines(), new.splitlines()
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    hunks: list[list[DiffLine]] = []
    added = removed = 0
    for group in matcher.get_grouped_opcodes(context):
        hunk: list[DiffLine] = []
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunk += [
                    DiffLine("same", i + 1, j1 + k + 1, a[i]) for k, i in enumerate(range(i1, i2))
                ]
                continue
            if tag in ("replace", "delete"):
                hunk += [DiffLine("removed", i + 1, None, a[i]) for i in range(i1, i2)]
                removed += i2 - i1
            if tag in ("replace", "insert"):
                hunk += [DiffLine("added", None, j + 1, b[j]) for j in range(j1, j2)]
                added += j2 - j1
        hunks.append(hunk)
    return Diff(old_name, new_name, hunks, added, removed)


def diff_version(session: Session, *, number: int, settings: Settings) -> Diff:
    """What version ``number`` changed, against the policy it replaced."""
    version = get_version(session, number=number)
    before = previous_source(session, number=number, settings=settings)
    return diff(
        before.text, version.source, old_name=before.name, new_name=f"policy version {number}"
    )


def diff_versions(session: Session, *, old: int, new: int) -> Diff:
    """The difference between two saved versions."""
    a, b = get_version(session, number=old), get_version(session, number=new)
    return diff(
        a.source, b.source, old_name=f"policy version {old}", new_name=f"policy version {new}"
    )


# --- what a change would flag --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChangedPost:
    """A recent post the new policy judges differently."""

    post_id: int
    text: str
    old_verdict: str
    new_verdict: str
    old_rules: tuple[str, ...]
    new_rules: tuple[str, ...]

    @property
    def added_rules(self) -> tuple[str, ...]:
        return tuple(r for r in self.new_rules if r not in self.old_rules)

    @property
    def removed_rules(self) -> tuple[str, ...]:
        return tuple(r for r in self.old_rules if r not in self.new_rules)


@dataclass(frozen=True, slots=True)
class Preview:
    reviewed: int
    """How many recent posts were reviewed with both policies."""
    changed: list[ChangedPost]
    failed: int = 0
    """Posts the new policy refuses to review (e.g. a lower ``limits.max_chars``)."""


def preview_change(
    session: Session, *, actor: Actor, old: Engine, new: Engine, limit: int = 50
) -> Preview:
    """Review the ``limit`` most recent posts ``actor`` may see with both engines, and list the
    posts whose verdict or findings differ. Nothing is stored."""
    from hashtags.people.models import User
    from hashtags.people.permissions import Role
    from hashtags.people.service import Actor as PostAuthor
    from hashtags.posts import service as posts
    from hashtags.review.engine import InvalidText

    recent = posts.list_posts(session, actor=actor, limit=limit)
    author_ids = {p.author_id for p in recent}
    authors = {
        u.id: PostAuthor(u.id, u.email, Role(u.role), "session")
        for u in session.execute(select(User).where(User.id.in_(author_ids))).scalars()
    }
    changed: list[ChangedPost] = []
    failed = 0
    for post in recent:
        accounts = posts.accounts_of(session, post)
        author = authors.get(post.author_id)
        try:
            before = old.review(post.text, _context(old, post, accounts, author))
        except InvalidText:
            continue
        try:
            after = new.review(post.text, _context(new, post, accounts, author))
        except InvalidText:
            failed += 1
            continue
        old_rules = tuple(sorted(before.rules))
        new_rules = tuple(sorted(after.rules))
        if before.verdict != after.verdict or old_rules != new_rules:
            changed.append(
                ChangedPost(post.id, post.text, before.verdict, after.verdict, old_rules, new_rules)
            )
    return Preview(len(recent), changed, failed)


def _context(
    engine: Engine, post: Post, accounts: Sequence[SocialAccount], author: Actor | None
) -> Context:
    """The context the posts service reviews ``post`` in (see ``posts.service._review``)."""
    from hashtags.posts.service import author_for
    from hashtags.review.types import Context

    networks = {a.network for a in accounts}
    return Context(
        account="personal" if accounts and accounts[0].kind == "personal" else "brand",
        channel=next(iter(networks)) if len(networks) == 1 else None,
        author=author_for(engine.policy, author) if author else None,
        lang=post.lang if post.lang in engine.languages else None,
        reply_to=post.reply_to or None,
    )
