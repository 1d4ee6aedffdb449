"""Home: what needs me now, and the compliance picture.

"What needs me now" is read from the services: my drafts and the posts sent back to me, the
approvals waiting for me, the posts that failed to publish, and the crisis freeze. The
compliance picture counts the findings of the stored reviews of the posts the viewer may see
(approvers and administrators: every post) per week and per team, drawn with Plotly (its
script is served by the app from the ``plotly`` package) and given as tables as well, for
screen readers and for anyone who prefers numbers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from hashtags.api.deps import DbSession
from hashtags.approvals import service as approvals
from hashtags.crisis import service as crisis
from hashtags.people.permissions import Permission
from hashtags.posts import service as posts
from hashtags.posts.models import PostStatus, TargetStatus
from hashtags.review.types import Category
from hashtags.storage.db import utcnow
from hashtags.web.deps import NavItem, SignedIn, Viewer, render, t
from hashtags.web.i18n import N_
from hashtags.web.messages import stored
from hashtags.web.pages.posts import LABELS

router = APIRouter()
NAV = [NavItem(N_("Home"), "/", None, order=0)]

WEEKS = 12
"""How far back the compliance picture looks."""
LIST_LIMIT = 20

CATEGORY_LABELS = {
    Category.CONFIDENTIAL: N_("Confidential information"),
    Category.PII: N_("Personal data"),
    Category.SECRET: N_("Secrets and credentials"),
    Category.TOXICITY: N_("Toxic language"),
    Category.DISPARAGEMENT: N_("Disparagement"),
    Category.ILLEGAL: N_("Illegal content"),
    Category.REGULATORY: N_("Regulatory claims"),
    Category.DISCLOSURE: N_("Missing disclosure"),
    Category.DISCLAIMER: N_("Missing disclaimer"),
    Category.ATTRIBUTION: N_("Attribution and copyright"),
    Category.SECURITY: N_("Security (links, impersonation)"),
}
"""Each finding category's name for people (translated when shown)."""

CATEGORY_COLOURS: dict[str, str] = {
    Category.CONFIDENTIAL: "#991b1b",
    Category.PII: "#1d4ed8",
    Category.SECRET: "#6d28d9",
    Category.TOXICITY: "#c2410c",
    Category.DISPARAGEMENT: "#a16207",
    Category.ILLEGAL: "#be123c",
    Category.REGULATORY: "#0f766e",
    Category.DISCLOSURE: "#4d7c0f",
    Category.DISCLAIMER: "#0369a1",
    Category.ATTRIBUTION: "#7c2d12",
    Category.SECURITY: "#374151",
}


def category_label(viewer: Viewer, category: str) -> str:
    try:
        return t(viewer, CATEGORY_LABELS[Category(category)])
    except ValueError:
        return category


@dataclass(frozen=True, slots=True)
class Picture:
    """Findings counted per category: per week (Monday) and per team."""

    weeks: list[date]
    categories: list[str]
    teams: list[str]
    by_week: dict[str, list[int]]
    """category -> one count per week."""
    by_team: dict[str, list[int]]
    """category -> one count per team."""
    posts: int
    findings: int


def compliance_picture(db: Session, viewer: Viewer, *, now: datetime, weeks: int) -> Picture:
    """Count the findings of the stored reviews the viewer may see, over the last ``weeks``."""
    this_monday = (now - timedelta(days=now.weekday())).date()
    first = this_monday - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    reviewed = posts.reviewed_posts(db, actor=viewer.actor, since=since)
    week_list = [first + timedelta(weeks=i) for i in range(weeks)]
    per_week: Counter[tuple[str, date]] = Counter()
    per_team: Counter[tuple[str, str]] = Counter()
    no_team = t(viewer, "No team")
    for item in reviewed:
        created = item.created_at.date()
        monday = created - timedelta(days=created.weekday())
        for category in item.categories:
            per_week[(category, monday)] += 1
            per_team[(category, item.team or no_team)] += 1
    order = {str(c): i for i, c in enumerate(Category)}
    categories = sorted({c for c, _ in per_week}, key=lambda c: (order.get(c, 99), c))
    teams = sorted({team for _, team in per_team})
    return Picture(
        weeks=week_list,
        categories=categories,
        teams=teams,
        by_week={c: [per_week[(c, w)] for w in week_list] for c in categories},
        by_team={c: [per_team[(c, team)] for team in teams] for c in categories},
        posts=len(reviewed),
        findings=sum(per_week.values()),
    )


def _chart(viewer: Viewer, picture: Picture, *, by: str) -> str:
    """One stacked bar chart, as Plotly's JSON figure (its script is loaded by the page)."""
    import plotly.graph_objects as go

    if by == "week":
        x: list[str] = [w.isoformat() for w in picture.weeks]
        series = picture.by_week
        x_title = t(viewer, "Week (starting Monday)")
    else:
        x = picture.teams
        series = picture.by_team
        x_title = t(viewer, "Team")
    figure = go.Figure(
        [
            go.Bar(
                x=x,
                y=series[category],
                name=category_label(viewer, category),
                marker_color=CATEGORY_COLOURS.get(category, "#52606d"),
            )
            for category in picture.categories
        ]
    )
    figure.update_layout(
        barmode="stack",
        template="plotly_white",
        # Room for the legend below the bars (a line per category in a narrow card), so that
        # Plotly does not give it a scroll bar.
        height=320 + 22 * len(picture.categories),
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0},
        xaxis={"title": {"text": x_title}, "type": "category", "automargin": True},
        yaxis={"title": {"text": t(viewer, "Findings")}, "rangemode": "tozero"},
        font={"family": "system-ui, sans-serif", "color": "#1f2933"},
        separators=",." if viewer.lang == "es" else ".,",
    )
    # The page draws it once laid out (``data-figure``, escaped as any attribute): drawn while
    # the page is still being parsed, a chart takes the width of a grid not yet complete.
    return str(figure.to_json(validate=False))


@dataclass(frozen=True, slots=True)
class Failure:
    post_id: int
    text: str
    handle: str
    status: str
    error: str | None


def _failures(db: Session, viewer: Viewer) -> list[Failure]:
    page = posts.search_posts(db, actor=viewer.actor, failing=True, limit=LIST_LIMIT)
    out = []
    for post in page.posts:
        handles = {a.id: a.handle for a in posts.accounts_of(db, post)}
        for target in post.targets:
            if target.status == TargetStatus.FAILED.value or target.error:
                out.append(
                    Failure(
                        post_id=post.id,
                        text=post.text,
                        handle=handles.get(target.account_id, str(target.account_id)),
                        status=target.status,
                        error=stored(viewer.lang, target.error_said, target.error),
                    )
                )
    return out


def _context(db: Session, viewer: Viewer) -> dict[str, Any]:
    now = utcnow()
    mine = posts.search_posts(
        db,
        actor=viewer.actor,
        author_id=viewer.actor.user_id,
        statuses=[
            PostStatus.DRAFT.value,
            PostStatus.CHANGES_REQUESTED.value,
            PostStatus.REJECTED.value,
        ],
        limit=LIST_LIMIT,
    )
    waiting = posts.search_posts(
        db,
        actor=viewer.actor,
        author_id=viewer.actor.user_id,
        statuses=[PostStatus.IN_REVIEW.value],
        limit=LIST_LIMIT,
    )
    queue = (
        approvals.queue(db, actor=viewer.actor) if viewer.can(Permission.APPROVALS_DECIDE) else []
    )
    picture = compliance_picture(db, viewer, now=now, weeks=WEEKS)
    freeze = crisis.state(db)
    return {
        "mine": mine,
        "waiting": waiting,
        "queue": queue,
        "failures": _failures(db, viewer),
        "freeze": freeze,
        "picture": picture,
        "labels": {c: category_label(viewer, c) for c in picture.categories},
        "chart_week": _chart(viewer, picture, by="week") if picture.findings else None,
        "chart_team": _chart(viewer, picture, by="team") if picture.findings else None,
        "weeks": WEEKS,
        "now": now,
        "can_compose": viewer.can(Permission.POSTS_WRITE),
        "can_freeze": viewer.can(Permission.CRISIS_FREEZE),
        "sees_all": viewer.can(Permission.APPROVALS_DECIDE),
        **LABELS,
    }


@router.get("/")
def home(request: Request, db: DbSession, viewer: SignedIn) -> HTMLResponse:
    return render(request, "home/home.html", _context(db, viewer), viewer=viewer)
