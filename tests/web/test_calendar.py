"""Calendar, queue, crisis freeze and the published archive, through the pages."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker
from tests.support.web import Browser
from tests.web.conftest import SETTINGS, Accounts
from tests.web.test_approvals import ALLOW, REVIEW, approve, post_of, write

from hashtags.accounts.models import SocialAccount
from hashtags.connectors.base import Publisher
from hashtags.connectors.registry import publisher_for
from hashtags.crisis import service as crisis
from hashtags.people.permissions import Role
from hashtags.publishing.service import claim_jobs, process_job
from hashtags.storage.db import transaction, utcnow


def publish_due(factory: sessionmaker[Session]) -> None:
    """What the worker does: claim every due job and publish it (on the sandbox)."""

    def build(account: SocialAccount) -> Publisher:
        return publisher_for(account, settings=SETTINGS, sessions=factory)

    with transaction(factory) as session:
        claimed = claim_jobs(session, worker_id="test", limit=100, lease_seconds=60)
    for job_id in claimed:
        process_job(
            factory, job_id=job_id, worker_id="test", publisher_for=build, rng=random.Random(1)
        )


def scheduled(
    signed_in: Callable[[Role], Browser], accounts: Accounts, text: str, *, in_days: float
) -> int:
    """A post written, approved by another person and scheduled, all through the pages."""
    author = signed_in(Role.SOCIAL_ENGAGEMENT)
    pid = write(author, text, accounts.sandbox)
    approve(signed_in(Role.COMPLIANCE), pid)
    when = utcnow() + timedelta(days=in_days)
    author.remember_csrf(author.get(f"/posts/{pid}"))
    response = author.post(
        f"/posts/{pid}/schedule",
        {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M") if in_days else "", "tz": "UTC"},
    )
    assert response.status_code == 303, response.text[:500]
    return pid


def test_scheduled_posts_are_on_their_day_and_in_the_queue(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    pid = scheduled(signed_in, accounts, ALLOW, in_days=40)
    when = post_of(factory, pid).scheduled_at
    assert when is not None
    me = signed_in(Role.SOCIAL_ENGAGEMENT)

    page = me.get(f"/calendar?month={when:%Y-%m}")
    assert page.status_code == 200
    day = re.search(
        rf'<time datetime="{when:%Y-%m-%d}">.*?</li>\s*</ul>', page.text, flags=re.DOTALL
    )
    assert day, "the post's day has no posts"
    assert f'href="/posts/{pid}"' in day.group(0)
    assert when.strftime("%H:%M") in day.group(0)
    # previous / next month links, and the queue of what is scheduled next
    previous = (when.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    assert f'href="/calendar?month={previous}"' in page.text
    queue = page.text[page.text.index('id="queue-title"') :]
    assert f'href="/posts/{pid}"' in queue

    this_month = me.get("/calendar")
    assert 'aria-current="date"' in this_month.text
    assert f'href="/posts/{pid}"' in this_month.text  # still in the queue
    assert me.get("/calendar?month=2026-13").status_code == 200  # odd months: this month


def test_the_freeze_button_freezes_with_its_notice_and_resumes(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    responder = signed_in(Role.CRISIS_RESPONSE)
    page = responder.get("/calendar")
    assert 'action="/calendar/freeze"' in page.text
    response = responder.post("/calendar/freeze", {"account": "", "reason": "Incidente en tienda"})
    assert response.status_code == 303
    shown = responder.follow(response)
    assert "Congelación por crisis: la publicación está en pausa en todas las cuentas." in (
        shown.text
    )
    assert "Incidente en tienda" in shown.text
    with factory() as db:
        assert crisis.state(db).frozen
    # Everyone sees it on their home page.
    assert "Incidente en tienda" in signed_in(Role.EMPLOYEE).get("/").text

    again = responder.follow(responder.post("/calendar/freeze", {"account": ""}))
    assert "No se ha congelado nada" in again.text  # the service's refusal, as a notice

    resumed = responder.follow(responder.post("/calendar/resume", {"account": ""}))
    assert "La publicación se ha reanudado" in resumed.text
    with factory() as db:
        assert not crisis.state(db).frozen


def test_one_account_can_be_frozen_alone(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    compliance = signed_in(Role.COMPLIANCE)
    compliance.remember_csrf(compliance.get("/calendar"))
    page = compliance.follow(
        compliance.post("/calendar/freeze", {"account": str(accounts.sandbox), "reason": "x"})
    )
    assert "en pausa en @cafeterra.es" in page.text
    with factory() as db:
        state = crisis.state(db)
        assert not state.frozen
        assert [a.account_id for a in state.accounts] == [accounts.sandbox]
    assert 'action="/calendar/resume"' in page.text


def test_people_who_may_not_freeze_get_no_button_and_403(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    for role in (Role.EMPLOYEE, Role.SOCIAL_ENGAGEMENT):
        me = signed_in(role)
        page = me.get("/calendar")
        assert page.status_code == 200
        assert 'action="/calendar/freeze"' not in page.text
        assert me.post("/calendar/freeze", {"account": ""}).status_code == 403
    with factory() as db:
        assert not crisis.state(db).frozen


def test_the_archive_finds_a_published_post_by_its_text_and_filters(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    pid = scheduled(signed_in, accounts, ALLOW, in_days=0)
    publish_due(factory)
    assert post_of(factory, pid).status in ("published", "archived")  # archived once out
    unpublished = write(signed_in(Role.SOCIAL_ENGAGEMENT), REVIEW, accounts.mastodon)

    me = signed_in(Role.PR)
    page = me.get("/archive", params={"q": "café recién"})
    assert page.status_code == 200
    assert f'href="/posts/{pid}"' in page.text
    assert "1 publicaciones encontradas." in page.text
    # Case is ignored beyond ASCII too (SQLite's own lower() knows only A-Z).
    assert f'href="/posts/{pid}"' in me.get("/archive", params={"q": "CAFÉ RECIÉN"}).text
    assert f'href="/posts/{unpublished}"' not in me.get("/archive").text  # not published
    today = utcnow().date()
    filters = [
        {"q": "no existe"},
        {"account": str(accounts.mastodon)},
        {"verdict": "block"},
        {"until": str(today - timedelta(days=2))},
        {"from": str(today + timedelta(days=2))},
    ]
    for params in filters:
        assert f'href="/posts/{pid}"' not in me.get("/archive", params=params).text, params
    matching = {
        "account": str(accounts.sandbox),
        "verdict": "allow",
        "from": str(today),
        "until": str(today),
        "q": "OS ESPERAMOS",  # any case (SQLite folds ASCII letters only)
    }
    page = me.get("/archive", params=matching)
    assert f'href="/posts/{pid}"' in page.text
    assert "selected>@cafeterra.es" in page.text  # the filters stay as chosen
    bad = me.get("/archive", params={"from": "ayer"})
    assert bad.status_code == 200 and 'aria-invalid="true"' in bad.text
    assert f'href="/posts/{pid}"' not in me.get("/archive", params={"page": "2"}).text
