"""Compose: write a post with the policy's review live as you type, then save or submit it.

The live review runs in the browser against ``POST /api/v1/review`` (the same engine, policy
and context the post will be reviewed with when it is saved: accounts' kind and network, the
author as the policy knows them, the message replied to). Without JavaScript the page still
works: saving shows the stored review.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from hashtags.accounts.models import SocialAccount
from hashtags.accounts.service import list_accounts, publish_refusal
from hashtags.api.deps import DbSession, IdPath
from hashtags.crisis.service import is_frozen
from hashtags.errors import DomainError, Forbidden
from hashtags.people.permissions import Permission
from hashtags.posts import service as posts
from hashtags.posts.limits import LIMITS, over_limit
from hashtags.posts.models import Post, PostStatus
from hashtags.review.api import policy_engine
from hashtags.review.engine import Engine
from hashtags.review.types import Review
from hashtags.web.deps import (
    Form,
    NavItem,
    Viewer,
    check_csrf,
    error_text,
    field_ints,
    field_text,
    page,
    redirect,
    render,
    t,
)
from hashtags.web.i18n import N_
from hashtags.web.pages.posts import scheduled_time

router = APIRouter()
NAV = [NavItem(N_("Compose"), "/compose", Permission.POSTS_WRITE, order=10)]
Writer = Annotated[Viewer, page(Permission.POSTS_WRITE)]

JS_TEXTS = {
    "allow": N_("Ready: nothing in the policy stops this post."),
    "warn": N_("Allowed, with warnings: read them before you post."),
    "review": N_("Needs approval: the people the policy names will check it."),
    "block": N_("Blocked: this cannot be published as it is."),
    "empty": N_("Start writing: the policy review appears here as you type."),
    "checking": N_("Checking…"),
    "failed": N_("The review could not run just now; it runs again when you save."),
    "apply": N_("Apply the fix"),
    "rule": N_("Rule"),
    "nofindings": N_("No findings."),
    "over": N_("Too long for this network"),
    "act_block": N_("blocks"),
    "act_review": N_("needs approval"),
    "act_warn": N_("warning"),
    "act_allow": N_("note"),
    "v_allow": N_("Allow"),
    "v_warn": N_("Warn"),
    "v_review": N_("Needs approval"),
    "v_block": N_("Block"),
}
"""What the page's script shows, translated on the server (the script holds no texts)."""


def _allowed_accounts(db: Session, viewer: Viewer, engine: Engine) -> list[SocialAccount]:
    """The accounts this person may publish on, brand and their own personal ones."""
    return [
        account
        for account in list_accounts(db, actor=viewer.actor)
        if publish_refusal(engine.policy, actor=viewer.actor, account=account) is None
    ]


def _context(
    request: Request,
    db: Session,
    viewer: Viewer,
    *,
    post: Post | None,
    text: str,
    account_ids: list[int],
    reply_to: str,
    scheduled_at: str = "",
    error: str | None = None,
    review: Review | None = None,
) -> dict[str, Any]:
    engine = policy_engine(request)
    accounts = _allowed_accounts(db, viewer, engine)
    if post is not None:  # an account no longer allowed still shows, so the author sees why
        known = {a.id for a in accounts}
        accounts += [a for a in posts.accounts_of(db, post) if a.id not in known]
    chosen = [a for a in accounts if a.id in account_ids]
    if review is None and text.strip() and chosen:
        try:
            review = posts.preview_review(
                engine, actor=viewer.actor, text=text, accounts=chosen, reply_to=reply_to or None
            )
        except DomainError:
            review = None
    networks = sorted({a.network for a in accounts})
    return {
        "post": post,
        "text": text,
        "accounts": accounts,
        "account_ids": account_ids,
        "reply_to": reply_to,
        "scheduled_at": scheduled_at,
        "error": error,
        "review": review.to_dict() if review else None,
        "author": posts.author_for(engine.policy, viewer.actor),
        "limits": {
            n: {"max": LIMITS[n].max_chars, "counting": LIMITS[n].counting}
            for n in networks
            if n in LIMITS
        },
        "frozen": is_frozen(db, account_id=None),
        "frozen_accounts": {a.id for a in accounts if a.frozen},
        "js_texts": {key: t(viewer, text_) for key, text_ in JS_TEXTS.items()},
        "can_brand": viewer.can(Permission.POSTS_PUBLISH_BRAND),
        "organization": engine.policy.organization.name,
    }


@router.get("/compose")
def compose_page(request: Request, db: DbSession, viewer: Writer) -> HTMLResponse:
    reply_to = request.query_params.get("reply_to", "")[:5000]
    context = _context(request, db, viewer, post=None, text="", account_ids=[], reply_to=reply_to)
    if len(context["accounts"]) == 1:
        context["account_ids"] = [context["accounts"][0].id]
    return render(request, "compose/compose.html", context, viewer=viewer)


def _too_long(viewer: Viewer, db: Session, text: str, account_ids: list[int]) -> str | None:
    networks = {a.network for a in (db.get(SocialAccount, i) for i in account_ids) if a}
    problems = over_limit(text, networks)
    if not problems:
        return None
    return "; ".join(
        t(
            viewer,
            "Too long for %(network)s: %(count)s of %(limit)s characters.",
            network=network,
            count=count,
            limit=limit,
        )
        for network, (count, limit) in problems.items()
    )


def _submit(request: Request, db: Session, viewer: Viewer, post: Post, form: FormData) -> Response:
    """Submit a saved draft; if it cannot go, it stays a draft and the author is told why."""
    engine = policy_engine(request)
    problem = _too_long(viewer, db, post.text, [t_.account_id for t_ in post.targets])
    if problem is None:
        try:
            posts.submit_post(
                db,
                actor=viewer.actor,
                engine=engine,
                post_id=post.id,
                scheduled_at=scheduled_time(form),
            )
        except DomainError as exc:
            problem = error_text(viewer, exc)
    if problem is not None:
        return redirect(
            f"/posts/{post.id}/edit",
            notice=N_("Saved as a draft, but not submitted: %(reason)s"),
            reason=problem,
        )
    if post.status == PostStatus.IN_REVIEW.value:
        return redirect(f"/posts/{post.id}", notice=N_("Submitted: it now waits for approval."))
    if post.status == PostStatus.SCHEDULED.value:
        return redirect(f"/posts/{post.id}", notice=N_("Approved by the policy and scheduled."))
    return redirect(f"/posts/{post.id}", notice=N_("Approved by the policy: schedule it."))


@router.post("/compose", response_model=None)
def compose(request: Request, form: Form, db: DbSession, viewer: Writer) -> Response:
    check_csrf(viewer, form)
    text = field_text(form, "text")
    account_ids = field_ints(form, "account")
    reply_to = field_text(form, "reply_to").strip()
    try:
        post = posts.create_post(
            db,
            actor=viewer.actor,
            engine=policy_engine(request),
            text=text,
            account_ids=account_ids,
            reply_to=reply_to or None,
        )
    except DomainError as exc:
        context = _context(
            request,
            db,
            viewer,
            post=None,
            text=text,
            account_ids=account_ids,
            reply_to=reply_to,
            scheduled_at=field_text(form, "scheduled_at"),
            error=error_text(viewer, exc),
        )
        return render(request, "compose/compose.html", context, viewer=viewer, status_code=422)
    if field_text(form, "action") == "submit":
        return _submit(request, db, viewer, post, form)
    return redirect(f"/posts/{post.id}/edit", notice=N_("Draft saved."))


def _own_post(db: Session, viewer: Viewer, post_id: int) -> Post:
    post = posts.get_post(db, actor=viewer.actor, post_id=post_id)
    if post.author_id != viewer.actor.user_id:
        raise Forbidden("only the author of post %(post)s may edit it", post=post.id)
    return post


@router.get("/posts/{post_id}/edit")
def edit_page(request: Request, post_id: IdPath, db: DbSession, viewer: Writer) -> HTMLResponse:
    post = _own_post(db, viewer, post_id)
    context = _context(
        request,
        db,
        viewer,
        post=post,
        text=post.text,
        account_ids=[t_.account_id for t_ in post.targets],
        reply_to=post.reply_to or "",
        scheduled_at=post.scheduled_at.strftime("%Y-%m-%dT%H:%M") if post.scheduled_at else "",
    )
    return render(request, "compose/compose.html", context, viewer=viewer)


@router.post("/posts/{post_id}/edit", response_model=None)
def edit(request: Request, post_id: IdPath, form: Form, db: DbSession, viewer: Writer) -> Response:
    check_csrf(viewer, form)
    post = _own_post(db, viewer, post_id)
    text = field_text(form, "text")
    account_ids = field_ints(form, "account")
    reply_to = field_text(form, "reply_to").strip()
    version = field_text(form, "version")
    try:
        posts.update_post(
            db,
            actor=viewer.actor,
            engine=policy_engine(request),
            post_id=post.id,
            text=text,
            account_ids=account_ids,
            reply_to=reply_to,
            version=int(version) if version.isdigit() else None,
        )
    except DomainError as exc:
        context = _context(
            request,
            db,
            viewer,
            post=post,
            text=text,
            account_ids=account_ids,
            reply_to=reply_to,
            scheduled_at=field_text(form, "scheduled_at"),
            error=error_text(viewer, exc),
        )
        return render(request, "compose/compose.html", context, viewer=viewer, status_code=422)
    if field_text(form, "action") == "submit" and PostStatus(post.status) in posts.SUBMITTABLE:
        return _submit(request, db, viewer, post, form)
    if post.status == PostStatus.IN_REVIEW.value:
        return redirect(
            f"/posts/{post.id}", notice=N_("Saved: the new version waits for approval.")
        )
    return redirect(f"/posts/{post.id}/edit", notice=N_("Draft saved."))
