"""Home: what needs me now (drafts, approvals, failures, freeze) and the compliance charts."""

from __future__ import annotations

import html
import json
import random
import re
from collections import Counter
from collections.abc import Callable

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from tests.support.web import Browser
from tests.web.conftest import Accounts
from tests.web.test_admin import english
from tests.web.test_approvals import ALLOW, REVIEW, post_of, write
from tests.web.test_calendar import scheduled

from hashtags.connectors.base import PUBLISHING, ConnectorError, Published, Publisher
from hashtags.people.models import Team, User
from hashtags.people.permissions import Role
from hashtags.posts.models import Post, PostTarget
from hashtags.publishing.models import Job
from hashtags.publishing.service import RetryPolicy, claim_jobs, process_job
from hashtags.storage.db import transaction, utcnow


class RefusingNetwork:
    """A network that refuses the account's credentials, as a real one would (HTTP 401)."""

    def publish(self, text: str, *, idempotency_key: str) -> Published:
        raise ConnectorError("sandbox: 401 the access token is invalid", permanent=True)

    def delete(self, external_id: str) -> None:
        raise ConnectorError("sandbox: 401 the access token is invalid", permanent=True)


def _publish_once(factory: sessionmaker[Session], network: Publisher) -> None:
    with transaction(factory) as session:
        claimed = claim_jobs(session, worker_id="test", limit=10, lease_seconds=60)
    for job_id in claimed:
        process_job(
            factory,
            job_id=job_id,
            worker_id="test",
            publisher_for=lambda account: network,
            retry=RetryPolicy(max_attempts=3, base_seconds=0.0),
            rng=random.Random(1),
        )


def test_my_drafts_and_what_waits_for_approval(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    me = signed_in(Role.SOCIAL_ENGAGEMENT)
    draft = write(me, ALLOW, accounts.mastodon, action="draft")
    waiting = write(me, REVIEW, accounts.mastodon)
    home = me.get("/")
    assert home.status_code == 200
    mine = home.text[home.text.index('id="mine-title"') : home.text.index('id="failing-title"')]
    assert f'href="/posts/{draft}/edit"' in mine
    assert f'href="/posts/{waiting}/edit"' not in mine  # in review: not mine to act on now
    assert "1 de mis publicaciones esperan aprobación." in mine
    assert 'id="queue-title"' not in home.text  # no approvals box for who cannot approve

    approver = signed_in(Role.COMPLIANCE).get("/")
    queue = approver.text[approver.text.index('id="queue-title"') :]
    assert f'href="/posts/{waiting}"' in queue
    assert f'href="/posts/{draft}"' not in queue


def test_posts_failing_to_publish_show_with_the_reason(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    pid = scheduled(signed_in, accounts, ALLOW, in_days=0)
    _publish_once(factory, RefusingNetwork())
    assert post_of(factory, pid).status == "failed"
    home = signed_in(Role.SOCIAL_ENGAGEMENT).get("/")
    failing = home.text[
        home.text.index('id="failing-title"') : home.text.index('id="freeze-title"')
    ]
    assert f'href="/posts/{pid}"' in failing
    assert "401 the access token is invalid" in failing
    assert "@cafeterra.es" in failing
    # ... and on the post's page, on its account's line.
    page = signed_in(Role.SOCIAL_ENGAGEMENT).get(f"/posts/{pid}")
    assert "401 the access token is invalid" in page.text


class BusyNetwork:
    """A network whose server fails (worth retrying), then one that refuses the text with
    its own words (not worth it), as the connectors report them."""

    def __init__(self, permanent: bool) -> None:
        self.permanent = permanent

    def publish(self, text: str, *, idempotency_key: str) -> Published:
        if self.permanent:
            raise ConnectorError(
                "mastodon: refused with %(status)s while %(doing)s: %(detail)s",
                permanent=True,
                status=422,
                doing=PUBLISHING,
                detail="Validation failed: Text character limit exceeded",
            )
        raise ConnectorError("mastodon: server error while %(doing)s", doing=PUBLISHING)

    def delete(self, external_id: str) -> None:  # pragma: no cover - nothing is deleted
        raise AssertionError("not called")


def _failing(me: Browser) -> str:
    home = me.get("/").text
    return home[home.index('id="failing-title"') : home.index('id="freeze-title"')]


def test_why_a_post_is_not_published_is_said_in_the_readers_language(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    pid = scheduled(signed_in, accounts, ALLOW, in_days=0)
    _publish_once(factory, BusyNetwork(permanent=False))
    spanish = signed_in(Role.SOCIAL_ENGAGEMENT)
    retrying = (
        "mastodon: error del servidor durante la publicación (intento 1 de 3; se reintentará)"
    )
    assert retrying in _failing(spanish)
    assert retrying in spanish.get(f"/posts/{pid}").text
    me = english(signed_in(Role.SOCIAL_ENGAGEMENT))
    assert (
        "mastodon: server error while publishing the post (attempt 1 of 3; retrying)"
        in _failing(me)
    )
    # The API (and the audit log) keep the English text.
    with factory() as db:
        target = db.execute(select(PostTarget).where(PostTarget.post_id == pid)).scalar_one()
        assert target.error == (
            "mastodon: server error while publishing the post (attempt 1 of 3; retrying)"
        )

    with factory() as db, db.begin():  # due again now
        db.execute(update(Job).values(next_attempt_at=utcnow()))
    _publish_once(factory, BusyNetwork(permanent=True))
    spanish.follow(spanish.post("/language", {"lang": "es", "next": "/"}))
    refused = _failing(spanish)
    # Our words in Spanish; the network's own, verbatim.
    assert (
        "mastodon: rechazado con 422 durante la publicación: "
        "Validation failed: Text character limit exceeded"
    ) in refused

    # A row written before messages were kept shows its text as it is.
    with factory() as db, db.begin():
        target = db.execute(select(PostTarget).where(PostTarget.post_id == pid)).scalar_one()
        target.error, target.error_said = "an older failure, kept as text", None
    assert "an older failure, kept as text" in _failing(spanish)
    assert "an older failure, kept as text" in spanish.get(f"/posts/{pid}").text


def _team(factory: sessionmaker[Session], email: str, name: str) -> None:
    with factory() as db, db.begin():
        team = Team(name=name)
        db.add(team)
        db.flush()
        user = db.execute(select(User).where(User.email == email)).scalar_one()
        user.team_id = team.id


def test_the_compliance_picture_counts_the_stored_findings_per_week_and_team(
    signed_in: Callable[[Role], Browser],
    accounts: Accounts,
    factory: sessionmaker[Session],
    people: dict[Role, object],
) -> None:
    _team(factory, "social_engagement@cafeterra.es", "Redes sociales")
    speaker = signed_in(Role.SOCIAL_ENGAGEMENT)
    ids = [
        write(speaker, REVIEW, accounts.mastodon),
        write(speaker, REVIEW + " y en la web", accounts.mastodon, action="draft"),
        write(speaker, ALLOW, accounts.mastodon, action="draft"),
    ]
    with factory() as db:
        stored = db.execute(select(Post.review).where(Post.id.in_(ids))).scalars()
        expected = Counter(f["category"] for review in stored for f in review["findings"])
    assert expected["confidential"] >= 2

    home = signed_in(Role.COMPLIANCE).get("/")
    assert '<script src="/static/vendor/plotly.min.js"></script>' in home.text
    assert "Plotly.newPlot" in home.text
    # Each chart's figure, built with plotly: one bar series per category, the team's counts.
    figures = {
        name: json.loads(html.unescape(data))
        for name, data in re.findall(r'id="chart-(\w+)" data-figure="([^"]*)"', home.text)
    }
    assert set(figures) == {"week", "team"}
    by_team = {s["name"]: s for s in figures["team"]["data"]}
    confidential = by_team["Información confidencial"]
    assert confidential["type"] == "bar"
    assert confidential["x"] == ["Redes sociales"]
    assert confidential["y"] == [expected["confidential"]]
    by_week = {s["name"]: s for s in figures["week"]["data"]}
    assert len(by_week["Información confidencial"]["x"]) == 12  # weeks
    assert by_week["Información confidencial"]["y"][-1] == expected["confidential"]  # this week
    assert sum(sum(s["y"]) for s in figures["week"]["data"]) == sum(expected.values())
    # The same numbers as a table, for screen readers.
    table = home.text[home.text.index('class="by-team"') :]
    row = re.search(
        r'<th scope="row">Información confidencial</th><td class="num">(\d+)</td>', table
    )
    assert row and int(row.group(1)) == expected["confidential"]
    total = sum(expected.values())
    assert f"{total} hallazgos en {len(ids)} publicaciones revisadas." in home.text

    # An employee sees only the findings of their own posts: none yet.
    employee = signed_in(Role.EMPLOYEE).get("/")
    assert 'id="chart-week"' not in employee.text
    assert "0 hallazgos en 0 publicaciones revisadas." in employee.text


def test_the_freeze_state_shows_on_home(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    home = signed_in(Role.EMPLOYEE).get("/")
    freeze = home.text[home.text.index('id="freeze-title"') :]
    assert "Las publicaciones programadas salen a su hora." in freeze
    assert 'href="/calendar#freeze"' not in freeze  # the employee may not freeze
    responder = signed_in(Role.CRISIS_RESPONSE)
    responder.remember_csrf(responder.get("/"))
    responder.post("/calendar/freeze", {"account": str(accounts.mastodon), "reason": "Rumor"})
    home = signed_in(Role.EMPLOYEE).get("/")
    assert "congelación parcial" in home.text
    assert "@cafeterra@mastodon.social" in home.text
    assert 'href="/calendar#freeze"' in responder.get("/").text


def test_english_speakers_read_english(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    me = signed_in(Role.COMPLIANCE)
    me.remember_csrf(me.get("/"))
    me.post("/language", {"lang": "en", "next": "/"})
    home = me.get("/")
    assert "What needs me now" in home.text
    assert "The compliance picture" in home.text
    assert "Lo que me necesita ahora" not in home.text


def test_plotly_is_served_by_the_app(browser: Callable[[], Browser]) -> None:
    response = browser().get("/static/vendor/plotly.min.js")
    assert response.status_code == 200
    assert "text/javascript" in response.headers["content-type"]
