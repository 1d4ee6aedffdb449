"""Compose: accounts a person may use, save, submit, the stored review, errors kept in place."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker
from tests.support.web import Browser
from tests.web.conftest import Accounts

from hashtags.people.permissions import Role
from hashtags.posts.models import Post

REVIEW = "Este viernes llegan las ofertas de black friday a todas las tiendas"
BLOCK = "Pronto: Proyecto Tucán"
ALLOW = "Hoy abrimos a las 9. ¡Os esperamos con café recién hecho!"


def _post(factory: sessionmaker[Session], post_id: int) -> Post:
    with factory() as db:
        post = db.get(Post, post_id)
        assert post is not None
        db.expunge(post)
        return post


def _id(location: str) -> int:
    match = re.search(r"/posts/(\d+)", location)
    assert match, location
    return int(match.group(1))


def test_employees_see_only_their_own_accounts_and_get_coaching(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    page = signed_in(Role.EMPLOYEE).get("/compose")
    assert page.status_code == 200
    assert "@diego.martin" in page.text
    assert "@cafeterra@mastodon.social" not in page.text
    assert 'id="coach"' in page.text
    assert "las opiniones son tuyas" in page.text  # coaching, in the person's language


def test_speakers_see_the_brand_accounts_the_policy_gives_them(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    page = signed_in(Role.SOCIAL_ENGAGEMENT).get("/compose")
    assert "@cafeterra@mastodon.social" in page.text
    assert "@cafeterra.es" in page.text


def test_submit_a_flagged_post_sends_it_for_approval(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    me = signed_in(Role.SOCIAL_ENGAGEMENT)
    response = me.post(
        "/compose", {"text": REVIEW, "account": str(accounts.mastodon), "action": "submit"}
    )
    assert response.status_code == 303
    post = _post(factory, _id(response.headers["location"]))
    assert post.status == "in_review"
    assert post.verdict == "review"


def test_save_a_draft_then_see_its_stored_review_on_the_edit_page(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    me = signed_in(Role.SOCIAL_ENGAGEMENT)
    response = me.post(
        "/compose", {"text": REVIEW, "account": str(accounts.mastodon), "action": "draft"}
    )
    location = response.headers["location"]
    assert location.endswith("/edit")
    page = me.follow(response)
    assert "Borrador guardado." in page.text  # the notice, once
    assert REVIEW in page.text
    assert "verdict-review" in page.text  # the stored review is shown without any script
    assert _post(factory, _id(location)).status == "draft"
    assert "Borrador guardado." not in me.get(location).text


def test_a_blocked_post_stays_a_draft_and_says_why(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    me = signed_in(Role.SOCIAL_ENGAGEMENT)
    response = me.post(
        "/compose", {"text": BLOCK, "account": str(accounts.mastodon), "action": "submit"}
    )
    assert response.headers["location"].endswith("/edit")
    page = me.follow(response)
    assert "Guardada como borrador, pero no enviada" in page.text
    assert _post(factory, _id(response.headers["location"])).status == "draft"


def test_too_long_for_the_network_is_not_submitted(
    signed_in: Callable[[Role], Browser], accounts: Accounts, factory: sessionmaker[Session]
) -> None:
    me = signed_in(Role.SOCIAL_ENGAGEMENT)
    text = ALLOW + " " + "Café de especialidad. " * 30
    response = me.post(
        "/compose", {"text": text, "account": str(accounts.sandbox), "action": "submit"}
    )
    page = me.follow(response)
    assert "Demasiado larga para sandbox" in page.text
    assert _post(factory, _id(response.headers["location"])).status == "draft"


def test_an_employee_cannot_post_on_a_brand_account_and_keeps_the_text(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    me = signed_in(Role.EMPLOYEE)
    response = me.post("/compose", {"text": ALLOW, "account": str(accounts.mastodon)})
    assert response.status_code == 422  # the form again, with the refusal and the text
    assert 'role="alert"' in response.text
    assert "employee" in response.text
    assert ALLOW in response.text


def test_errors_re_render_the_form_with_what_was_written(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    me = signed_in(Role.SOCIAL_ENGAGEMENT)
    response = me.post("/compose", {"text": ALLOW, "action": "draft"})  # no account chosen
    assert response.status_code == 422
    assert "account_ids" in response.text
    assert ALLOW in response.text


def test_only_the_author_edits(signed_in: Callable[[Role], Browser], accounts: Accounts) -> None:
    author = signed_in(Role.SOCIAL_ENGAGEMENT)
    location = author.post(
        "/compose", {"text": ALLOW, "account": str(accounts.mastodon), "action": "draft"}
    ).headers["location"]
    assert signed_in(Role.PR).get(location).status_code == 403
    assert signed_in(Role.PR).post(location, {"text": "hijacked"}).status_code == 403


def test_editing_a_stale_version_is_refused(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    me = signed_in(Role.SOCIAL_ENGAGEMENT)
    location = me.post(
        "/compose", {"text": ALLOW, "account": str(accounts.mastodon), "action": "draft"}
    ).headers["location"]
    form = {"account": str(accounts.mastodon), "version": "1", "action": "draft"}
    assert me.post(location, {**form, "text": ALLOW + " Hasta las 20h."}).status_code == 303
    stale = me.post(location, {**form, "text": ALLOW + " Otra cosa."})
    assert stale.status_code == 422
    assert "vuelve a cargarla" in stale.text  # the service's refusal, in Spanish


def test_the_live_review_is_the_api_with_the_page_csrf_token(
    signed_in: Callable[[Role], Browser], accounts: Accounts
) -> None:
    """What the page's script sends: the session cookie, the page's CSRF token, the author."""
    me = signed_in(Role.EMPLOYEE)
    page = me.get("/compose")
    author = re.search(r'data-author="([^"]+)"', page.text)
    assert author and author.group(1) == "employee"
    body = {
        "text": "En Cafeterra lanzamos hoy el nuevo café de temporada, ¡me encanta!",
        "account": "personal",
        "channel": "sandbox",
        "author": author.group(1),
    }
    refused = me.client.post("/api/v1/review", json=body)
    assert refused.status_code == 403  # no CSRF token
    review = me.client.post("/api/v1/review", json=body, headers={"X-CSRF-Token": me.csrf})
    assert review.status_code == 200
    rules = {f["rule"]: f for f in review.json()["findings"]}
    assert "disclosure.missing" in rules
    fix = rules["disclosure.missing"]["fix"]
    assert fix["start"] == fix["end"] == len(body["text"])  # appended at the end
