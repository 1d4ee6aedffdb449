"""Administration pages: people (create, change role, deactivate), social accounts (register,
credentials write-only, freeze state) and API tokens (shown once, scoped, revoked)."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.support.api import PASSWORD, Person
from tests.support.web import Browser

from hashtags.accounts.models import SocialAccount
from hashtags.audit.models import AuditEvent
from hashtags.people.models import ApiToken, User
from hashtags.people.permissions import Role

NEW_PASSWORD = "Brand-New-Pass-77"


def english(me: Browser) -> Browser:
    me.follow(me.post("/language", {"lang": "en", "next": "/"}))
    return me


def user_id(factory: sessionmaker[Session], email: str) -> int:
    with factory() as db:
        return db.execute(select(User.id).where(User.email == email)).scalar_one()


def new_person(**changes: str) -> dict[str, str]:
    return {
        "name": "Marta Gil",
        "email": "marta.gil@cafeterra.es",
        "role": "social_engagement",
        "team": "Comunidad",
        "language": "en",
        "password": NEW_PASSWORD,
        **changes,
    }


# --- people --------------------------------------------------------------------------------


def test_an_admin_adds_a_person_who_can_then_sign_in(
    signed_in: Callable[[Role], Browser],
    browser: Callable[[], Browser],
    factory: sessionmaker[Session],
) -> None:
    admin = english(signed_in(Role.ADMIN))
    page = admin.get("/admin/people")
    assert page.status_code == 200
    assert 'href="/admin/accounts"' in page.text and 'href="/admin/tokens"' in page.text
    created = admin.post("/admin/people", new_person())
    assert created.status_code == 303
    listing = admin.follow(created)
    assert "marta.gil@cafeterra.es can sign in now." in listing.text
    row = listing.text.split("marta.gil@cafeterra.es</td>", 1)[1].split("</tr>", 1)[0]
    assert "Social engagement" in row and "Comunidad" in row and "English" in row
    home = browser().sign_in("marta.gil@cafeterra.es", NEW_PASSWORD)
    assert home.status_code == 200 and '<html lang="en">' in home.text
    with factory() as db:
        event = db.execute(select(AuditEvent).where(AuditEvent.action == "user.create")).scalars()
        assert any(e.actor == "admin@cafeterra.es" for e in event)


def test_a_refused_person_keeps_the_form_and_writes_nothing(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    admin = english(signed_in(Role.ADMIN))
    weak = admin.post("/admin/people", new_person(password="short"))
    assert weak.status_code == 422
    assert "That was not done: password: at least 12 characters" in weak.text
    assert 'value="marta.gil@cafeterra.es"' in weak.text  # what was typed is kept
    assert "short" not in weak.text.split("<main", 1)[1]  # never the password
    taken = admin.post("/admin/people", new_person(email="pr@cafeterra.es"))
    assert taken.status_code == 409 and "already exists" in taken.text
    with factory() as db:
        assert db.execute(select(User).where(User.email.like("marta%"))).first() is None


def test_change_role_and_deactivate(
    signed_in: Callable[[Role], Browser],
    browser: Callable[[], Browser],
    factory: sessionmaker[Session],
    people: dict[Role, Person],
) -> None:
    admin = english(signed_in(Role.ADMIN))
    admin.get("/admin/people")
    employee = user_id(factory, people[Role.EMPLOYEE].email)
    promoted = admin.follow(admin.post(f"/admin/people/{employee}/role", {"role": "pr"}))
    assert "employee@cafeterra.es's role is saved." in promoted.text
    with factory() as db:
        assert db.get(User, employee).role == "pr"  # type: ignore[union-attr]

    # Their API token follows the role at once (no stale permissions from a cache).
    headers = people[Role.EMPLOYEE].headers
    assert admin.client.get("/api/v1/me", headers=headers).status_code == 200
    off = admin.follow(admin.post(f"/admin/people/{employee}/active", {"active": "0"}))
    assert "employee@cafeterra.es is deactivated" in off.text
    assert admin.client.get("/api/v1/me", headers=headers).status_code == 401
    refused = browser()
    page = refused.client.get("/login")
    token = page.text.split('name="form_token" value="')[1].split('"')[0]
    login = refused.client.post(
        "/login",
        data={"email": people[Role.EMPLOYEE].email, "password": PASSWORD, "form_token": token},
    )
    assert login.status_code == 401
    back = admin.follow(admin.post(f"/admin/people/{employee}/active", {"active": "1"}))
    assert "employee@cafeterra.es is active again." in back.text
    with factory() as db:
        actions = [
            (e.before, e.after)
            for e in db.execute(
                select(AuditEvent).where(AuditEvent.action == "user.update")
            ).scalars()
        ]
    assert ({"role": "employee", "active": True}, {"role": "pr", "active": True}) in actions


def test_nobody_demotes_or_deactivates_themselves(
    signed_in: Callable[[Role], Browser],
    factory: sessionmaker[Session],
    people: dict[Role, Person],
) -> None:
    admin = english(signed_in(Role.ADMIN))
    me = user_id(factory, people[Role.ADMIN].email)
    demote = admin.post(f"/admin/people/{me}/role", {"role": "employee"})
    assert demote.status_code == 403 and "your own role" in demote.text
    leave = admin.post(f"/admin/people/{me}/active", {"active": "0"})
    assert leave.status_code == 403 and "deactivate yourself" in leave.text
    with factory() as db:
        user = db.get(User, me)
        assert user is not None and user.role == "admin" and user.active


def test_compliance_reads_the_list_but_cannot_change_it(
    signed_in: Callable[[Role], Browser],
    factory: sessionmaker[Session],
    people: dict[Role, Person],
) -> None:
    compliance = english(signed_in(Role.COMPLIANCE))
    page = compliance.get("/admin/people")
    assert page.status_code == 200
    assert "employee@cafeterra.es" in page.text
    assert 'action="/admin/people"' not in page.text
    assert "/admin/tokens" not in page.text  # not theirs to manage
    employee = user_id(factory, people[Role.EMPLOYEE].email)
    refused = compliance.post(f"/admin/people/{employee}/role", {"role": "admin"})
    assert refused.status_code == 403
    assert 'href="/admin/people"' in compliance.get("/").text  # the Admin entry
    assert 'href="/admin/people"' not in signed_in(Role.PR).get("/").text


# --- accounts ------------------------------------------------------------------------------


def test_accounts_are_registered_with_write_only_credentials(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    admin = english(signed_in(Role.ADMIN))
    admin.get("/admin/accounts")
    created = admin.post(
        "/admin/accounts",
        {
            "kind": "brand",
            "network": "mastodon",
            "handle": "@cafeterra@mastodon.social",
            "base_url": "https://mastodon.social",
            "policy_id": "cafeterra-mastodon",
            "secret": "s3cret-access-token",
        },
    )
    assert created.status_code == 303, created.text[:1500]
    page = admin.follow(created)
    assert "Account @cafeterra@mastodon.social is registered." in page.text
    assert "s3cret-access-token" not in page.text
    row = page.text.split("@cafeterra@mastodon.social<br>", 1)[1].split("</tr>", 1)[0]
    assert "cafeterra-mastodon" in row and 'state-on">set' in row and "publishing" in row
    with factory() as db:
        account = db.execute(select(SocialAccount)).scalar_one()
        assert account.credentials and "s3cret" not in account.credentials

    from hashtags.accounts.service import account_credentials
    from hashtags.settings import Settings

    settings = Settings(env="test", secret_key="test-secret-key-for-the-suite")
    assert account_credentials(account, settings=settings) == {
        "access_token": "s3cret-access-token"
    }
    replaced = admin.post(
        f"/admin/accounts/{account.id}/credentials", {"secret": "new-token", "do": "replace"}
    )
    assert replaced.status_code == 303
    removed = admin.follow(admin.post(f"/admin/accounts/{account.id}/credentials", {"do": "clear"}))
    assert "The credentials of @cafeterra@mastodon.social are removed." in removed.text
    assert 'state-off">missing' in removed.text


def test_a_refused_account_says_why(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    admin = english(signed_in(Role.ADMIN))
    response = admin.post(
        "/admin/accounts",
        {"kind": "brand", "network": "mastodon", "handle": "@x", "policy_id": "cafeterra-mastodon"},
    )
    assert response.status_code == 422
    assert "a Mastodon account needs its instance" in response.text
    assert 'value="@x"' in response.text
    with factory() as db:
        assert db.execute(select(SocialAccount)).first() is None


def test_frozen_accounts_show_it_and_readers_see_no_forms(
    signed_in: Callable[[Role], Browser],
    factory: sessionmaker[Session],
    people: dict[Role, Person],
) -> None:
    with factory() as db, db.begin():
        db.add(SocialAccount(kind="brand", network="sandbox", handle="@brand", frozen=True))
    employee = english(signed_in(Role.EMPLOYEE))
    page = employee.get("/admin/accounts")
    assert page.status_code == 200
    row = page.text.split("@brand", 1)[1].split("</tr>", 1)[0]
    assert "frozen" in row
    assert 'action="/admin/accounts"' not in page.text
    assert "/credentials" not in page.text
    crisis = people[Role.CRISIS_RESPONSE].headers
    assert (
        employee.client.post(
            "/api/v1/crisis/freeze", json={"reason": "incident"}, headers=crisis
        ).status_code
        == 200
    )
    assert "All publishing is frozen" in employee.get("/admin/accounts").text


# --- tokens --------------------------------------------------------------------------------


def test_a_token_is_shown_once_and_works_with_its_scopes_only(
    signed_in: Callable[[Role], Browser], factory: sessionmaker[Session]
) -> None:
    admin = english(signed_in(Role.ADMIN))
    page = admin.get("/admin/tokens")
    assert 'value="policy.manage"' in page.text  # the admin's role grants it
    created = admin.post("/admin/tokens", {"name": "Scheduler", "scopes": ["review.text"]})
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    raw = re.search(r'class="raw-token" value="(htg_[^"]+)"', created.text)
    assert raw, created.text[:2000]
    headers = {"Authorization": f"Bearer {raw.group(1)}"}
    review = admin.client.post("/api/v1/review", json={"text": "hola"}, headers=headers)
    assert review.status_code == 200
    assert admin.client.get("/api/v1/audit/events", headers=headers).status_code == 403
    again = admin.get("/admin/tokens")
    assert raw.group(1) not in again.text and "Scheduler" in again.text

    with factory() as db:
        token = db.execute(select(ApiToken).where(ApiToken.name == "Scheduler")).scalar_one()
    revoked = admin.follow(admin.post(f"/admin/tokens/{token.id}/revoke"))
    assert "Token Scheduler is revoked." in revoked.text
    assert admin.client.post(
        "/api/v1/review", json={"text": "hola"}, headers=headers
    ).status_code == (401)


def test_tokens_need_a_name_and_scopes_within_the_role(
    signed_in: Callable[[Role], Browser],
) -> None:
    admin = english(signed_in(Role.ADMIN))
    nameless = admin.post("/admin/tokens", {"name": "", "scopes": ["review.text"]})
    assert nameless.status_code == 422 and "give the token a name" in nameless.text
    none = admin.post("/admin/tokens", {"name": "Nothing"})
    assert none.status_code == 422 and "at least one permission" in none.text
    assert 'value="Nothing"' in none.text
    bogus = admin.post("/admin/tokens", {"name": "Bad", "scopes": ["root.everything"]})
    assert bogus.status_code == 422
    assert signed_in(Role.COMPLIANCE).get("/admin/tokens").status_code == 403
