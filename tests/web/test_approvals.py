"""Approvals through the pages: the queue, the post with its review and history, deciding,
the administrator's override of a block, scheduling an approved post."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker
from tests.support.web import Browser
from tests.web.conftest import Accounts

from hashtags.approvals.models import ApprovalRequest
from hashtags.people.permissions import Role
from hashtags.posts.models import Post
from hashtags.storage.db import utcnow
from hashtags.web.pages.posts import segments

REVIEW = "Este viernes llegan las ofertas de black friday a todas las tiendas"
BLOCK = "Pronto: Proyecto Tucán"
ALLOW = "Hoy abrimos a las 9. ¡Os esperamos con café recién hecho!"


def post_of(factory: sessionmaker[Session], post_id: int) -> Post:
    with factory() as db:
        post = db.get(Post, post_id)
        assert post is not None
        db.expunge(post)
        return post


def post_id(location: str) -> int:
    match = re.search(r"/posts/(\d+)", location)
    assert match, location
    return int(match.group(1))


def request_id(page_text: str) -> str:
    match = re.search(r'name="request_id" value="(\d+)"', page_text)
    assert match, "no decision form on the page"
    return match.group(1)


def write(me: Browser, text: str, account: int, *, action: str = "submit", **extra: str) -> int:
    """Write a post on the compose page; its id."""
    response = me.post(
        "/compose", {"text": text, "account": str(account), "action": action, **extra}
    )
    assert response.status_code == 303, response.text[:500]
    return post_id(response.headers["location"])


def approve(approver: Browser, pid: int, comment: str = "") -> None:
    page = approver.get(f"/posts/{pid}")
    approver.remember_csrf(page)
    response = approver.post(
        f"/posts/{pid}/decide",
        {"request_id": request_id(page.text), "decision": "approve", "comment": comment},
    )
    assert response.status_code == 303, response.text[:500]


def test_a_flagged_post_is_in_the_approvers_queue_with_its_review(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    author = signed_in(Role.SOCIAL_ENGAGEMENT)
    pid = write(author, REVIEW, accounts.mastodon)

    approver = signed_in(Role.COMPLIANCE)
    queue = approver.get("/approvals")
    assert queue.status_code == 200
    assert f'href="/posts/{pid}"' in queue.text
    assert "verdict-review" in queue.text
    assert "@cafeterra@mastodon.social" in queue.text

    page = approver.get(f"/posts/{pid}")
    assert page.status_code == 200
    assert "custom.black-friday" in page.text  # the finding's rule
    assert '<mark class="act-review"' in page.text  # its span, highlighted in the text
    assert 'name="decision" value="approve"' in page.text
    assert 'name="decision" value="request_changes"' in page.text
    assert 'name="decision" value="reject"' in page.text
    # The author sees the post, but may not decide on it.
    own = author.get(f"/posts/{pid}")
    assert own.status_code == 200
    assert 'name="decision"' not in own.text
    assert f'href="/posts/{pid}/edit"' in own.text


def test_approved_through_the_page_by_another_person_then_scheduled_by_the_author(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    author = signed_in(Role.SOCIAL_ENGAGEMENT)
    pid = write(author, REVIEW, accounts.mastodon)
    approver = signed_in(Role.PR)
    page = approver.get(f"/posts/{pid}")
    approver.remember_csrf(page)
    response = approver.post(
        f"/posts/{pid}/decide",
        {
            "request_id": request_id(page.text),
            "decision": "approve",
            "comment": "Bien, con el precio revisado.",
            "version": "1",
        },
    )
    assert response.status_code == 303
    shown = approver.follow(response)
    assert f"Has aprobado la publicación {pid}." in shown.text  # the notice, in Spanish
    assert post_of(factory, pid).status == "approved"
    assert "Bien, con el precio revisado." in shown.text  # the decision's comment in the history
    assert f'href="/posts/{pid}"' not in approver.get("/approvals").text  # out of the queue

    when = (utcnow() + timedelta(days=3)).replace(second=0, microsecond=0)
    page = author.get(f"/posts/{pid}")
    author.remember_csrf(page)
    assert f'action="/posts/{pid}/schedule"' in page.text
    response = author.post(
        f"/posts/{pid}/schedule",
        {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "tz": "UTC"},
    )
    assert response.status_code == 303
    page = author.follow(response)
    assert "programada para" in page.text
    post = post_of(factory, pid)
    assert post.status == "scheduled"
    assert post.scheduled_at == when
    history = page.text[page.text.index('id="history-title"') :]
    for action in ("creó la publicación", "aprobó", "programó la publicación"):
        assert action in history

    # ... and taken off the schedule again: it stays approved.
    response = author.post(f"/posts/{pid}/unschedule")
    assert response.status_code == 303
    assert post_of(factory, pid).status == "approved"


def test_changes_requested_go_back_to_the_author_with_the_comment(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    author = signed_in(Role.SOCIAL_ENGAGEMENT)
    pid = write(author, REVIEW, accounts.mastodon)
    approver = signed_in(Role.COMPLIANCE)
    page = approver.get(f"/posts/{pid}")
    approver.remember_csrf(page)
    rid = request_id(page.text)

    # Requesting changes needs a comment: the page says so and keeps the post in review.
    refused = approver.post(
        f"/posts/{pid}/decide", {"request_id": rid, "decision": "request_changes"}
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text and "comment" in refused.text
    assert post_of(factory, pid).status == "in_review"

    response = approver.post(
        f"/posts/{pid}/decide",
        {"request_id": rid, "decision": "request_changes", "comment": "Quita «black friday»."},
    )
    assert response.status_code == 303
    assert post_of(factory, pid).status == "changes_requested"

    home = author.get("/")
    assert f'href="/posts/{pid}/edit"' in home.text
    assert "cambios pedidos" in home.text
    page = author.get(f"/posts/{pid}")
    assert "Quita «black friday»." in page.text


def test_a_stale_version_is_refused_with_the_reason(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    pid = write(signed_in(Role.SOCIAL_ENGAGEMENT), REVIEW, accounts.mastodon)
    approver = signed_in(Role.COMPLIANCE)
    page = approver.get(f"/posts/{pid}")
    approver.remember_csrf(page)
    response = approver.post(
        f"/posts/{pid}/decide",
        {"request_id": request_id(page.text), "decision": "approve", "version": "7"},
    )
    assert response.status_code == 409
    assert "versión 7" in response.text  # the service's refusal, in the approver's language
    assert post_of(factory, pid).status == "in_review"


def test_a_request_of_another_post_is_not_found(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    author = signed_in(Role.SOCIAL_ENGAGEMENT)
    first = write(author, REVIEW, accounts.mastodon)
    second = write(author, REVIEW + " y online", accounts.mastodon)
    with factory() as db:
        other = db.query(ApprovalRequest).filter_by(post_id=second).one()
    approver = signed_in(Role.COMPLIANCE)
    approver.remember_csrf(approver.get(f"/posts/{first}"))
    response = approver.post(
        f"/posts/{first}/decide", {"request_id": str(other.id), "decision": "approve"}
    )
    assert response.status_code == 404
    assert post_of(factory, second).status == "in_review"


def test_people_without_the_permission_get_403_and_others_posts_are_not_found(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    pid = write(signed_in(Role.SOCIAL_ENGAGEMENT), REVIEW, accounts.mastodon)
    employee = signed_in(Role.EMPLOYEE)
    assert employee.get("/approvals").status_code == 403
    assert employee.post(f"/posts/{pid}/decide", {"decision": "approve"}).status_code == 403
    assert employee.post(f"/posts/{pid}/override", {"reason": "x" * 30}).status_code == 403
    assert employee.get(f"/posts/{pid}").status_code == 404  # not theirs to see
    assert "Approvals" not in employee.get("/").text and "Aprobaciones" not in (
        employee.get("/").text
    )


def test_an_administrator_overrides_a_block_in_writing(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    author = signed_in(Role.SOCIAL_ENGAGEMENT)
    pid = write(author, BLOCK, accounts.mastodon, action="draft")
    assert post_of(factory, pid).verdict == "block"
    assert 'action="/posts/' + str(pid) + '/override"' not in author.get(f"/posts/{pid}").text

    admin = signed_in(Role.ADMIN)
    page = admin.get(f"/posts/{pid}")
    admin.remember_csrf(page)
    assert f'action="/posts/{pid}/override"' in page.text
    short = admin.post(f"/posts/{pid}/override", {"reason": "ok"})
    assert short.status_code == 422
    assert "20" in short.text and 'role="alert"' in short.text
    assert post_of(factory, pid).override_reason is None

    reason = "Project name already announced publicly by the CEO on Monday."
    response = admin.post(f"/posts/{pid}/override", {"reason": reason})
    assert response.status_code == 303
    page = admin.follow(response)
    assert "Bloqueo anulado" in page.text
    assert post_of(factory, pid).override_reason == reason
    assert reason in page.text  # shown with the post and in its history
    assert "anuló el bloqueo" in page.text


def test_highlight_segments_take_the_strongest_action_over_overlaps() -> None:
    text = "abcdefghij"
    findings = [
        {"start": 1, "end": 5, "action": "warn", "rule": "a"},
        {"start": 3, "end": 8, "action": "block", "rule": "b"},
        {"start": 50, "end": 60, "action": "block", "rule": "outside"},
    ]
    got = [(s.text, s.action) for s in segments(text, findings)]
    assert got == [("a", None), ("bc", "warn"), ("de", "block"), ("fgh", "block"), ("ij", None)]
    assert "".join(s.text for s in segments(text, findings)) == text
