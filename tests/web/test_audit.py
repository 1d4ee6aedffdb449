"""The audit page: events newest first with filters and pages, before/after readable, the
chain's verification (intact, or where it breaks), the export links."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker
from tests.support.web import Browser

from hashtags.audit import search
from hashtags.audit.models import AuditEvent
from hashtags.audit.service import record
from hashtags.people.permissions import Role


def english(me: Browser) -> Browser:
    me.follow(me.post("/language", {"lang": "en", "next": "/"}))
    return me


def add_events(factory: sessionmaker[Session], count: int, **fields: object) -> list[int]:
    seqs = []
    with factory() as db, db.begin():
        for i in range(count):
            event = record(
                db,
                actor=str(fields.get("actor", "ana@cafeterra.es")),
                action=str(fields.get("action", "test.event")),
                target_type=str(fields.get("target_type", "thing")),
                target_id=int(str(fields.get("target_id", i))),
                before=fields.get("before"),
                after=fields.get("after"),
                reason=fields.get("reason"),  # type: ignore[arg-type]
            )
            seqs.append(event.seq)
    return seqs


def test_events_newest_first_with_readable_changes(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    me = english(signed_in(Role.COMPLIANCE))
    add_events(
        factory,
        1,
        actor="root@cafeterra.es",
        action="user.update",
        target_type="user",
        target_id=7,
        before={"role": "employee", "active": True},
        after={"role": "pr", "active": True},
        reason="promoted",
    )
    page = me.get("/audit")
    assert page.status_code == 200
    rows = page.text.split('<table class="events"', 1)[1]
    first = rows.split('<tr id="event-', 2)[1]
    assert "user.update" in first and "root@cafeterra.es" in first
    changed = first.split('<tr class="changed">', 1)[1].split("</tr>", 1)[0]
    assert "role" in changed and "employee" in changed and "<td>pr</td>" in changed
    assert "<td>yes</td>" in first  # active: true, unchanged, in words
    assert "Reason:</span> promoted" in first
    assert 'href="/api/v1/audit/export?format=jsonl"' in page.text
    assert 'href="/api/v1/audit/export?format=csv"' in page.text
    export = me.get("/api/v1/audit/export?format=csv")
    assert export.status_code == 200 and "user.update" in export.text


def test_filters_narrow_the_events(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    me = english(signed_in(Role.ADMIN))
    add_events(factory, 2, actor="ana@cafeterra.es", action="thing.make", target_type="thing")
    add_events(factory, 1, actor="bea@cafeterra.es", action="thing.break", target_type="gadget")
    by_actor = me.get("/audit", params={"actor": "BEA@"})
    assert "thing.break</code>" in by_actor.text and "thing.make</code>" not in by_actor.text
    assert '<option value="thing.make"' in by_actor.text  # the actions in the log, to choose
    by_action = me.get("/audit", params={"action": "thing.make", "target_type": "thing"})
    assert by_action.text.count("thing.make</code>") == 2
    by_id = me.get("/audit", params={"target_type": "thing", "target_id": "1"})
    assert by_id.text.count("thing.make</code>") == 1
    today = me.get("/audit", params={"action": "thing.break", "since": "2000-01-01"})
    assert "thing.break</code>" in today.text
    past = me.get("/audit", params={"action": "thing.break", "until": "2000-01-01"})
    assert "No event matches these filters." in past.text
    wrong = me.get("/audit", params={"since": "yesterday"})
    assert wrong.status_code == 200
    assert "Dates are written as YYYY-MM-DD" in wrong.text
    assert "Clear the filters" in by_actor.text


def test_pages_of_events_go_back_and_forth(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    me = english(signed_in(Role.COMPLIANCE))
    seqs = add_events(factory, search.PAGE_SIZE + 5, action="page.test")
    first = me.get("/audit", params={"action": "page.test"})
    assert f'id="event-{seqs[-1]}"' in first.text
    assert f'id="event-{seqs[4]}"' not in first.text
    assert "Newer events" not in first.text
    older_link = first.text.split('rel="next"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    older = me.get(older_link.replace("&amp;", "&"))
    assert "action=page.test" in older_link
    assert f'id="event-{seqs[4]}"' in older.text and f'id="event-{seqs[0]}"' in older.text
    assert f'id="event-{seqs[5]}"' not in older.text
    assert "Older events" not in older.text
    newer_link = older.text.split('rel="prev"', 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    again = me.get(newer_link.replace("&amp;", "&"))
    assert f'id="event-{seqs[5]}"' in again.text and f'id="event-{seqs[-1]}"' in again.text


def test_the_chain_status_says_intact_or_where_it_breaks(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    me = english(signed_in(Role.COMPLIANCE))
    seqs = add_events(factory, 3, action="chain.test")
    assert "The chain is intact" in me.get("/audit").text
    with factory() as db, db.begin():
        db.execute(update(AuditEvent).where(AuditEvent.seq == seqs[1]).values(actor="mallory"))
    broken = me.get("/audit")
    assert "The chain is broken" in broken.text
    link = f'<a href="/audit?before={seqs[1] + 1}#event-{seqs[1]}">'
    assert f"{link}Event {seqs[1]}</a>: its content was changed after it was written" in (
        broken.text
    )
    me.follow(me.post("/language", {"lang": "es", "next": "/"}))
    spanish = me.get("/audit").text
    assert f"{link}Evento {seqs[1]}</a>: su contenido se cambió después de escribirse" in spanish
    assert "its content was changed" not in spanish


def test_only_auditors_read_the_log(signed_in: Callable[[Role], Browser]) -> None:
    assert signed_in(Role.PR).get("/audit").status_code == 403
    assert "/audit" not in signed_in(Role.PR).get("/policy").text.split("<main", 1)[0]
