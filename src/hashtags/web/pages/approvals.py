"""Approvals: the queue of requests waiting for the person looking, oldest due first.

Deciding happens on the post's own page (``/posts/{id}``, :mod:`hashtags.web.pages.posts`),
where the approver reads the text, its review and its history before saying yes or no.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from hashtags.api.deps import DbSession
from hashtags.approvals import service as approvals
from hashtags.people.models import User
from hashtags.people.permissions import Permission
from hashtags.posts import service as posts
from hashtags.storage.db import utcnow
from hashtags.web.deps import NavItem, Viewer, page, render
from hashtags.web.i18n import N_
from hashtags.web.pages.posts import LABELS

router = APIRouter()
NAV = [NavItem(N_("Approvals"), "/approvals", Permission.APPROVALS_DECIDE, order=20)]
Approver = Annotated[Viewer, page(Permission.APPROVALS_DECIDE)]


@router.get("/approvals")
def queue(request: Request, db: DbSession, viewer: Approver) -> HTMLResponse:
    items = approvals.queue(db, actor=viewer.actor)
    authors = {u.id: u for u in (db.get(User, i) for i in {r.post.author_id for r in items}) if u}
    context = {
        "items": items,
        "authors": authors,
        "accounts": {r.id: posts.accounts_of(db, r.post) for r in items},
        "now": utcnow(),
        **LABELS,
    }
    return render(request, "approvals/queue.html", context, viewer=viewer)
