"""The policy pages: the document in both languages, the editor (validation at the line, a
preview on recent posts, saving a version that is enforced at once), the history and diffs."""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.support.api import Person
from tests.support.web import Browser

from hashtags.audit.models import AuditEvent
from hashtags.people.models import User
from hashtags.people.permissions import Role
from hashtags.policy.models import PolicyVersion
from hashtags.posts.models import Post

DEMO = (resources.files("hashtags.demo") / "policy.yaml").read_text("utf-8")
CHANGED = DEMO.replace('version: "2026.11"', 'version: "2026.12"').replace(
    "terms: [Proyecto Tucán, Tueste Nocturno]",
    "terms: [Proyecto Tucán, Tueste Nocturno, Proyecto Quetzal]",
)
LEAK = "Mañana presentamos el proyecto quetzal en Madrid"
SOURCE = re.compile(r'<textarea id="source"[^>]*>(.*?)</textarea>', re.S)


def english(me: Browser) -> Browser:
    me.follow(me.post("/language", {"lang": "en", "next": "/"}))
    return me


def editor_text(page: str) -> str:
    import html

    match = SOURCE.search(page)
    assert match, "the editor has no text area"
    return html.unescape(match.group(1))


def save(me: Browser, text: str, comment: str = "Proyecto Quetzal is confidential", base: str = ""):  # type: ignore[no-untyped-def]
    return me.post(
        "/policy/edit", {"source": text, "comment": comment, "base": base, "action": "save"}
    )


def test_everyone_reads_the_policy_in_their_language_and_the_other(
    signed_in: Callable[[Role], Browser],
) -> None:
    me = signed_in(Role.EMPLOYEE)
    spanish = me.get("/policy")
    assert spanish.status_code == 200
    assert '<article class="policy-doc card" lang="es">' in spanish.text
    assert "Política de redes sociales de Caféterra" in spanish.text
    assert "<!doctype" not in spanish.text.split("<article", 1)[1]  # the body, not a page
    assert 'href="/policy?lang=en"' in spanish.text
    assert "/policy/edit" not in spanish.text  # employees do not edit it
    other = me.get("/policy?lang=en")
    assert "Caféterra social media policy" in other.text
    assert '<html lang="es">' in other.text  # the app stays in the person's language
    assert me.get("/policy/edit").status_code == 403


def test_validate_shows_each_problem_at_its_line(signed_in: Callable[[Role], Browser]) -> None:
    me = english(signed_in(Role.COMPLIANCE))
    page = me.get("/policy/edit")
    assert editor_text(page.text) == DEMO
    broken = DEMO.replace("industry: general", "industry: banking").replace(
        "  roles: [admin, pr, crisis_response, social_engagement]",
        "  roles: [admin, pr, crisis_response, social_engagement]\n  rolez: []",
    )
    response = me.post("/policy/edit", {"source": broken, "action": "validate"})
    assert response.status_code == 422
    industry_line = DEMO.splitlines().index("  industry: general") + 1
    assert f'data-line="{industry_line}">Line {industry_line}</a>' in response.text
    assert "&#39;banking&#39; is not one of general, finance, health, government" in response.text
    assert "unknown key &#39;rolez&#39;" in response.text
    assert 'aria-invalid="true"' in response.text
    assert f'data-error-lines="{industry_line} 19"' in response.text
    assert editor_text(response.text) == broken  # the text typed is kept

    yaml_error = me.post("/policy/edit", {"source": "organization: [", "action": "validate"})
    assert yaml_error.status_code == 422 and "invalid YAML" in yaml_error.text

    fine = me.post("/policy/edit", {"source": CHANGED, "action": "validate"})
    assert fine.status_code == 200
    assert "The policy is valid" in fine.text


def test_preview_lists_the_recent_posts_a_change_would_flag(
    signed_in: Callable[[Role], Browser],
    factory: sessionmaker[Session],
    people: dict[Role, Person],
) -> None:
    with factory() as db, db.begin():
        author = db.execute(select(User).where(User.email == people[Role.PR].email)).scalar_one()
        db.add(Post(author_id=author.id, text="Buenos días, ¡café recién hecho!", status="draft"))
        db.add(Post(author_id=author.id, text=LEAK, status="draft"))
    me = english(signed_in(Role.COMPLIANCE))
    response = me.post("/policy/edit", {"source": CHANGED, "action": "preview", "limit": "20"})
    assert response.status_code == 200, response.text[:2000]
    assert "Judged differently: 1." in response.text
    table = response.text.split('class="preview-table"', 1)[1]
    assert LEAK in table
    assert "Buenos días" not in table
    assert 'verdict-allow">Allowed' in table and 'verdict-block">Blocked' in table
    assert "<code>confidential.policy-term</code>" in table
    with factory() as db:
        assert db.execute(select(PolicyVersion)).first() is None  # a preview saves nothing


def test_saving_a_version_enforces_it_at_once_and_records_it(
    signed_in: Callable[[Role], Browser],
    factory: sessionmaker[Session],
    people: dict[Role, Person],
) -> None:
    me = english(signed_in(Role.COMPLIANCE))
    review = {"text": LEAK}
    employee = people[Role.EMPLOYEE].headers
    assert me.client.post("/api/v1/review", json=review, headers=employee).json()["verdict"] == (
        "allow"
    )

    no_comment = save(me, CHANGED, comment=" ")
    assert no_comment.status_code == 422
    assert "comment" in no_comment.text and editor_text(no_comment.text) == CHANGED

    saved = save(me, CHANGED)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/policy/history/1"
    page = me.follow(saved)
    assert "Version 1 of the policy is saved and in force." in page.text
    assert "Proyecto Quetzal is confidential" in page.text
    # The whole service enforces it from now on: the review API, and the document.
    verdict = me.client.post("/api/v1/review", json=review, headers=employee).json()["verdict"]
    assert verdict == "block"
    assert "In force: version 1, saved by compliance@cafeterra.es" in me.get("/policy").text
    with factory() as db:
        event = db.execute(
            select(AuditEvent).where(AuditEvent.action == "policy.save")
        ).scalar_one()
        assert event.actor == people[Role.COMPLIANCE].email
        assert event.after["version"] == 1 and event.before["origin"] == "demo"


def test_history_lists_versions_and_shows_what_each_changed(
    signed_in: Callable[[Role], Browser],
) -> None:
    me = english(signed_in(Role.ADMIN))
    assert save(me, CHANGED).status_code == 303
    second = CHANGED.replace("Tueste Nocturno, ", "")
    assert save(me, second, comment="Tueste Nocturno is public now", base="1").status_code == 303

    history = me.get("/policy/history")
    assert history.status_code == 200
    rows = history.text.split("<tbody>", 1)[1]
    assert rows.index("Tueste Nocturno is public now") < rows.index("Proyecto Quetzal is conf")
    assert "admin@cafeterra.es" in rows
    assert 'href="/policy/history/2"' in rows and 'href="/policy/history/1"' in rows

    diff = me.get("/policy/history/2")
    assert "Changes against version 1" in diff.text
    assert "Lines added: 1. Lines removed: 1." in diff.text
    removed = diff.text.split('<tr class="removed">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">16</td>' in removed and "Tueste Nocturno" in removed
    first = me.get("/policy/history/1")
    assert "Changes against the demo policy" in first.text
    assert me.get("/policy/history/99").status_code == 404

    # An older version can be opened in the editor to bring it back.
    restore = me.get("/policy/edit?from=1")
    assert editor_text(restore.text) == CHANGED
    assert 'name="base" value="2"' in restore.text


def test_a_version_saved_meanwhile_is_not_overwritten(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    admin = english(signed_in(Role.ADMIN))
    compliance = english(signed_in(Role.COMPLIANCE))
    # Both open the editor on the demo policy (no version yet: base is empty).
    assert 'name="base" value=""' in compliance.get("/policy/edit").text
    assert save(admin, CHANGED).status_code == 303
    mine = CHANGED.replace("Tucán", "Tucán, Proyecto Colibrí")
    refused = save(compliance, mine)
    assert refused.status_code == 409
    assert "admin@cafeterra.es saved version 1" in refused.text
    assert editor_text(refused.text) == mine  # nothing typed is lost
    with factory() as db:
        assert [v.number for v in db.execute(select(PolicyVersion)).scalars()] == [1]


def test_invalid_text_is_never_saved(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    me = english(signed_in(Role.COMPLIANCE))
    response = save(me, DEMO.replace("industry: general", "industry: banking"))
    assert response.status_code == 422
    assert "banking" in response.text
    with factory() as db:
        assert db.execute(select(PolicyVersion)).first() is None
        assert db.execute(select(AuditEvent).where(AuditEvent.action == "policy.save")).first() is (
            None
        )


def test_the_editor_needs_the_csrf_token(signed_in: Callable[[Role], Browser]) -> None:
    me = signed_in(Role.COMPLIANCE)
    response = me.client.post("/policy/edit", data={"source": CHANGED, "action": "save"})
    assert response.status_code == 403
